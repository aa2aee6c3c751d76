// Supervision tab 台账 (location ledger, 位置共享台账): per secretary per day, the day's status,
// each check-in window met or missed, and every check-in with its time, place, inside or outside
// the fence and flags. Filters by town, village, secretary and dates (kept in the address, so a
// filtered ledger can be bookmarked); the same query exports as XLSX (a sheet per month) or CSV.
import { html } from 'htm/preact';
import { api, apiUrl, query } from '../api.js';
import { t } from '../i18n.js';
import { go, useLoad, loadOrgs, Pager, ErrorBox, Loading, formData, itemsOf } from '../ui.js';
import { countyDay, hhmm } from './clock.js';
import { townsOf, villagesOf, NodeSelect, personName, villageName } from './supervise.js';
import { Flags, PlaceBadge, WindowChips } from './today.js';

const PER_PAGE = 30;
const DAYS_BACK = 6; // the default range: the last seven days

function filtersOf(params) {
  return {
    town: params.get('town') || '', village: params.get('village') || '', user_id: params.get('user_id') || '',
    from: params.get('from') || countyDay(undefined, -DAYS_BACK), to: params.get('to') || countyDay(),
    page: Number(params.get('page')) || 1,
  };
}

// The server's query for a set of filters (the most precise org chosen).
const apiQuery = (f) => ({ org_id: f.village || f.town, user_id: f.user_id, from: f.from, to: f.to });

export function LedgerTab({ params }) {
  const f = filtersOf(params);
  const key = JSON.stringify(f);
  const orgs = useLoad(() => loadOrgs(), []);
  const scopeOrg = f.village || f.town;
  const people = useLoad(() => api('GET', '/users' + query({ role: 'secretary', org_id: scopeOrg, per_page: 200 })),
    [scopeOrg]);
  const list = useLoad(() => api('GET', '/duty/ledger' + query({ ...apiQuery(f), page: f.page, per_page: PER_PAGE })), [key]);
  const set = (patch) => go('/supervise', { tab: 'ledger', ...f, page: 1, ...patch });
  const all = orgs.data || [];
  const towns = townsOf(all);
  const villages = villagesOf(all, f.town);

  function dates(e) {
    e.preventDefault();
    const v = formData(e.currentTarget);
    set({ from: v.from, to: v.to });
  }

  const data = list.data;
  const items = itemsOf(data);
  return html`<section class="card" data-testid="ledger">
      <h1>${t('sup.ledger.title')}</h1>
      <form class="filters duty-filters" data-testid="ledger-filters" onSubmit=${dates}>
        ${towns.length > 1 && html`<${NodeSelect} nodes=${towns} value=${f.town} empty=${t('common.all')}
          label=${t('sup.town')} testid="ledger-town" onChange=${(v) => set({ town: v, village: '', user_id: '' })} />`}
        <${NodeSelect} nodes=${villages} value=${f.village} empty=${t('common.all')} label=${t('sup.village')}
          testid="ledger-village" onChange=${(v) => set({ village: v, user_id: '' })} />
        <label class="wide">${t('sup.secretary')}
          <select value=${f.user_id} data-testid="ledger-user" onChange=${(e) => set({ user_id: e.target.value })}>
            <option value="">${t('common.all')}</option>
            ${itemsOf(people.data).map((u) => html`<option value=${u.id}>${personName(u)}</option>`)}
          </select></label>
        <label>${t('sup.from')}<input type="date" name="from" defaultValue=${f.from} key=${'f' + f.from}
          required data-testid="ledger-from" /></label>
        <label>${t('sup.to')}<input type="date" name="to" defaultValue=${f.to} key=${'t' + f.to}
          required data-testid="ledger-to" /></label>
        <div class="filter-actions">
          <button class="btn btn-primary" data-testid="ledger-apply">${t('common.search')}</button>
          <button type="button" class="btn" onClick=${() => go('/supervise', { tab: 'ledger' })}>${t('common.reset')}</button>
        </div>
      </form>
    </section>
    <section class="card">
      <div class="export-links" data-testid="ledger-export">
        <span class="muted small">${t('sup.export')}</span>
        <a class="btn" href=${apiUrl('/duty/ledger.xlsx', apiQuery(f))} download
          data-testid="ledger-xlsx">${t('sup.export_xlsx')}</a>
        <a class="btn" href=${apiUrl('/duty/ledger.csv', apiQuery(f))} download
          data-testid="ledger-csv">${t('sup.export_csv')}</a>
      </div>
      ${list.loading && html`<${Loading} />`}
      <${ErrorBox} error=${list.error} />
      ${data && html`
        <p class="muted small top0" data-testid="ledger-total">${t('sup.ledger.total', { n: data.total ?? items.length })}</p>
        <ul class="list" data-testid="ledger-list">${items.map((x) => html`<${LedgerDay} key=${x.user_id + x.day} x=${x} />`)}</ul>
        ${items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
        <${Pager} page=${data.page || f.page} perPage=${data.per_page || PER_PAGE} total=${data.total ?? items.length}
          onPage=${(p) => go('/supervise', { tab: 'ledger', ...f, page: p })} />`}
    </section>`;
}

// One secretary's day: status, windows, and the check-ins in time order.
function LedgerDay({ x }) {
  const checkins = x.checkins || [];
  const status = x.status || 'pending';
  return html`<li class=${'item duty-day day-' + status} data-testid="ledger-row" data-user=${x.user_id} data-day=${x.day}
      data-status=${status}>
    <div class="item-main">
      <div><strong>${x.day}</strong> · <span>${personName(x)}</span>
        <div class="meta"><span>${villageName(x)}</span>
          <span>${t('sup.ledger.checkins_n', { n: checkins.length })}</span></div></div>
      <span class=${'badge duty-status st-day-' + status} data-testid="ledger-status">${t('sup.day.' + status, status)}</span>
    </div>
    <div class="meta"><${WindowChips} windows=${x.windows} /></div>
    ${checkins.length > 0 && html`<ol class="duty-checkins">${checkins.map((c) => html`<li data-testid="ledger-checkin"
        data-inside=${c.inside === null || c.inside === undefined ? '' : String(Number(c.inside))}>
      <span class="mono">${hhmm(c.at)}</span>
      ${c.sent_late && html`<span class="badge" data-testid="ledger-sent-late"
        title=${t('sup.ledger.sent_late_hint')}>${t('sup.ledger.sent_late', { at: hhmm(c.received_at) })}</span>`}
      ${typeof c.lat === 'number' && html`<span class="mono small">${c.lat.toFixed(5)}, ${c.lon.toFixed(5)}</span>`}
      ${typeof c.accuracy === 'number' && html`<span class="small muted">±${Math.round(c.accuracy)} m</span>`}
      ${c.source && html`<span class="small muted">${t('sup.source.' + c.source, c.source)}</span>`}
      <${PlaceBadge} last=${c} /><${Flags} flags=${c.flags} />
    </li>`)}</ol>`}
  </li>`;
}
