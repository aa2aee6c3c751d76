// Household registry (建档立卡): the filtered, paged list, and the small pieces the other
// household pages share (status colours, chips, the GB 11643 check, role rules).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, query } from './api.js';
import { t } from './i18n.js';
import { ExportLinks } from './import.js';
import { go, useLoad, loadOrgs, OrgSelect, Pager, ErrorBox, Loading, formData, fmtTime, itemsOf } from './ui.js';

export const STATUSES = ['poor', 'monitored', 'exited', 'removed'];
export const CAUSES = ['illness', 'disability', 'schooling', 'skills', 'labour', 'funds', 'land', 'disaster', 'other'];
export const INDICATORS = ['food', 'clothing', 'education', 'medical', 'housing', 'water'];
export const INCOME_SOURCES = ['wages', 'farming', 'business', 'property', 'transfers'];
export const RELATIONS = ['self', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'in_law', 'other'];
export const HEALTH = ['healthy', 'chronic', 'serious', 'disabled'];
export const EDUCATION = ['none', 'preschool', 'primary', 'junior', 'senior', 'college', 'in_school'];
export const LABOUR = ['full', 'partial', 'none'];
// Marker and badge colours; the CSS classes .st-<status> use the same ones.
export const STATUS_COLOR = { poor: '#d92d20', monitored: '#dc6803', exited: '#079455', removed: '#667085' };

// Mirrors the server's permissions (docs/API.md, Households); the server enforces them.
const WRITERS = ['admin', 'official', 'secretary', 'cadre'];
export const canEditHH = (role) => WRITERS.includes(role);
export const canReveal = (role) => ['admin', 'official', 'secretary'].includes(role);
export const canPair = (role) => ['admin', 'official', 'secretary'].includes(role);
export const canCreateHH = (role) => ['admin', 'official', 'secretary'].includes(role);

export const statusName = (s) => t('hh.status.' + s, s);
export const causeName = (c) => t('hh.cause.' + c, c);
export const indicatorName = (i) => t('hh.ind.' + i, i);

export function StatusBadge({ status }) {
  return html`<span class=${'badge st st-' + status} data-testid="hh-status"
    data-status=${status}>${statusName(status)}</span>`;
}

export function Chips({ items, name, cls = '' }) {
  if (!items || !items.length) return null;
  return html`<span class="chips">${items.map((c) => html`<span class=${'chip ' + cls}>${name(c)}</span>`)}</span>`;
}

const pad = (n) => String(n).padStart(2, '0');
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
// Dates come as "YYYY-MM-DD" (or, defensively, Unix seconds).
export function fmtDate(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number') return fmtTime(v).slice(0, 10);
  return String(v).slice(0, 10);
}
// Whole days from today to a due date (negative: overdue).
export function daysUntil(v) {
  if (v === null || v === undefined || v === '') return null;
  const due = typeof v === 'number' ? new Date(v * 1000) : new Date(String(v).slice(0, 10) + 'T00:00:00');
  if (Number.isNaN(due.getTime())) return null;
  const now = new Date();
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const d0 = new Date(due.getFullYear(), due.getMonth(), due.getDate());
  return Math.round((d0 - start) / 86400000);
}
export const yuan = (n) => (n === null || n === undefined ? '—'
  : Number(n).toLocaleString('zh-CN', { maximumFractionDigits: 0 }));
export const metres = (m) => (m === null || m === undefined ? '—'
  : m >= 1000 ? (m / 1000).toFixed(m >= 10000 ? 0 : 1) + ' km' : Math.round(m) + ' m');

// GB 11643-1999 citizen identity number: 6-digit area, birth date, sequence (odd = male),
// ISO 7064 MOD 11-2 check character. The server checks it again and is the authority.
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export function checkIdNumber(raw) {
  const s = String(raw || '').trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return { ok: false, reason: 'format', value: s };
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * W[i];
  if ('10X98765432'[sum % 11] !== s[17]) return { ok: false, reason: 'checksum', value: s };
  const y = Number(s.slice(6, 10)), m = Number(s.slice(10, 12)), d = Number(s.slice(12, 14));
  const b = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || b.getUTCMonth() !== m - 1 || b.getUTCDate() !== d || b > new Date()) {
    return { ok: false, reason: 'birth', value: s };
  }
  return { ok: true, value: s, birth: `${y}-${pad(m)}-${pad(d)}`, sex: Number(s[16]) % 2 ? 'M' : 'F' };
}

export const NEXT_DUE_SOON = 7; // days: "due soon" highlighting

export function DueBadge({ due }) {
  const n = daysUntil(due);
  if (n === null) return null;
  if (n < 0) return html`<span class="badge due-over" data-testid="due-overdue">${t('visit.overdue_days', { n: -n })}</span>`;
  if (n <= NEXT_DUE_SOON) return html`<span class="badge due-soon">${t('visit.due_in', { n })}</span>`;
  return html`<span class="badge">${t('visit.due_on', { date: fmtDate(due) })}</span>`;
}

// One household as a tappable card (list pages, "my households", overdue list).
export function HouseholdCard({ h, extra, actions, cls = '', noDue, noHelpers }) {
  const helpers = noHelpers ? '' : (h.helpers || []).map((x) => x.name).join('、');
  return html`<li class=${'hh-card st-edge-' + h.status + ' ' + cls} data-testid="hh-item" data-number=${h.number}
      data-id=${h.id}>
    <a class="hh-link" href=${'#/households/' + h.id} data-testid="hh-link">
      <div class="hh-top">
        <strong class="hh-head">${h.head_name || t('hh.no_head')}</strong>
        <${StatusBadge} status=${h.status} />
      </div>
      <div class="meta">
        <span class="mono">${h.number}</span>
        <span>${h.village_name || h.org_name}</span>
        ${typeof h.members === 'number' && html`<span>${t('hh.members_n', { n: h.members })}</span>`}
        ${h.per_capita_income && html`<span>${t('hh.pci_short', { yuan: yuan(h.per_capita_income.yuan) })}</span>`}
      </div>
      ${(h.unmet && h.unmet.length > 0) && html`<div class="meta">
        <span class="muted">${t('hh.unmet')}</span><${Chips} items=${h.unmet} name=${indicatorName} cls="chip-bad" /></div>`}
      ${(h.causes && h.causes.length > 0) && html`<div class="meta"><${Chips} items=${h.causes} name=${causeName} /></div>`}
      <div class="meta">
        ${helpers && html`<span>${t('hh.helpers')}: ${helpers}</span>`}
        <span>${t('hh.last_visit')}: ${h.last_visit_at ? fmtDate(h.last_visit_at) : t('hh.never')}</span>
        ${h.next_visit_due && !noDue && html`<${DueBadge} due=${h.next_visit_due} />`}
      </div>
      ${extra}
    </a>
    ${actions && html`<div class="hh-actions">${actions}</div>`}
  </li>`;
}

const PER_PAGE = 20;

export function HouseholdsPage({ me, params }) {
  const f = {
    org_id: params.get('org_id') || '', status: params.get('status') || '', cause: params.get('cause') || '',
    unmet: params.get('unmet') || '', helper_id: params.get('helper_id') || '', q: params.get('q') || '',
    id_number: params.get('id_number') || '', page: Number(params.get('page')) || 1,
  };
  const key = JSON.stringify(f);
  const orgs = useLoad(() => loadOrgs(), []);
  const list = useLoad(() => api('GET', '/households' + query({ ...f, per_page: PER_PAGE })), [key]);
  const [creating, setCreating] = useState(false);
  const [idError, setIdError] = useState(null);
  const set = (patch) => go('/households', { ...f, page: 1, ...patch });
  const role = me.user.role;

  function search(e) {
    e.preventDefault();
    const v = formData(e.currentTarget);
    const id = (v.id_number || '').trim();
    if (id) {
      const c = checkIdNumber(id);
      if (!c.ok) { setIdError(t('member.id_' + c.reason)); return; }
    }
    setIdError(null);
    set({ q: (v.q || '').trim(), id_number: id ? checkIdNumber(id).value : '' });
  }

  const data = list.data;
  if (role === 'villager') {
    return html`<section class="card">
      <h1>${t('home.own_household')}</h1>
      ${list.loading && html`<${Loading} />`}
      <${ErrorBox} error=${list.error} />
      ${data && html`<ul class="hh-list" data-testid="hh-list">
        ${itemsOf(data).map((h) => html`<${HouseholdCard} key=${h.id} h=${h} />`)}</ul>
        ${itemsOf(data).length === 0 && html`<p class="muted">${t('hh.no_own')}</p>`}`}
    </section>`;
  }
  return html`<section class="card">
      <div class="head-row">
        <h1>${t('hh.title')}</h1>
        <div class="actions">
        ${canEditHH(role) && html`<a class="btn" href="#/import" data-testid="hh-import">${t('imp.open')}</a>`}
        ${canCreateHH(role) && html`<button type="button" class=${'btn' + (creating ? '' : ' btn-primary')}
          data-testid="hh-create-toggle" aria-expanded=${creating}
          onClick=${() => setCreating(!creating)}>${creating ? t('common.close') : t('hh.new')}</button>`}
        </div>
      </div>
      ${creating && html`<${CreateHousehold} orgs=${orgs.data || []}
        defaultOrg=${f.org_id || me.user.org_id} />`}
      <form class="filters" data-testid="hh-filter-form" onSubmit=${search}>
        <label class="wide">${t('hh.search')}
          <input type="search" name="q" defaultValue=${f.q} placeholder=${t('hh.search_hint')}
            data-testid="hh-filter-q" /></label>
        <label>${t('hh.status')}
          <select value=${f.status} data-testid="hh-filter-status" onChange=${(e) => set({ status: e.target.value })}>
            <option value="">${t('common.all')}</option>
            ${STATUSES.map((s) => html`<option value=${s}>${statusName(s)}</option>`)}
          </select></label>
        <label>${t('hh.unmet_short')}
          <select value=${f.unmet} data-testid="hh-filter-unmet" onChange=${(e) => set({ unmet: e.target.value })}>
            <option value="">${t('common.all')}</option>
            ${INDICATORS.map((i) => html`<option value=${i}>${indicatorName(i)}</option>`)}
          </select></label>
        <details class="wide more-filters" open=${!!(f.org_id || f.cause || f.helper_id || f.id_number)}>
          <summary data-testid="hh-more-filters">${t('hh.more_filters')}</summary>
          <div class="filters">
            <label class="wide">${t('hh.org')}
              <${OrgSelect} orgs=${orgs.data || []} value=${f.org_id} empty=${t('common.all')}
                onChange=${(v) => set({ org_id: v })} testid="hh-filter-org" /></label>
            <label>${t('hh.cause')}
              <select value=${f.cause} data-testid="hh-filter-cause" onChange=${(e) => set({ cause: e.target.value })}>
                <option value="">${t('common.all')}</option>
                ${CAUSES.map((c) => html`<option value=${c}>${causeName(c)}</option>`)}
              </select></label>
            <label class="check-label">
              <input type="checkbox" checked=${f.helper_id === String(me.user.id)} data-testid="hh-filter-mine"
                onChange=${(e) => set({ helper_id: e.target.checked ? me.user.id : '' })} />
              ${t('hh.only_mine')}</label>
            <label class="wide">${t('hh.id_search')}
              <input name="id_number" defaultValue=${f.id_number} placeholder=${t('hh.id_search_hint')}
                autocomplete="off" maxlength="18" class="mono" data-testid="hh-filter-id" /></label>
          </div>
        </details>
        ${idError && html`<p class="error wide" role="alert">${idError}</p>`}
        <div class="filter-actions">
          <button class="btn btn-primary" data-testid="hh-filter-submit">${t('common.search')}</button>
          <button type="button" class="btn" onClick=${() => go('/households', {})}>${t('common.reset')}</button>
          <a class="btn" href=${'#/map' + query({ status: f.status, cause: f.cause, unmet: f.unmet })}>
            ${t('hh.on_map')}</a>
        </div>
      </form>
    </section>
    <section class="card">
      ${list.loading && html`<${Loading} />`}
      <${ErrorBox} error=${list.error} />
      ${data && html`
        <p class="muted small top0" data-testid="hh-total">${t('hh.total', { n: data.total ?? itemsOf(data).length })}</p>
        ${canEditHH(role) && html`<${ExportLinks} filters=${f} />`}
        <ul class="hh-list" data-testid="hh-list">
          ${itemsOf(data).map((h) => html`<${HouseholdCard} key=${h.id} h=${h} />`)}
        </ul>
        ${itemsOf(data).length === 0 && html`<p class="muted">${t('common.none')}</p>`}
        <${Pager} page=${data.page || f.page} perPage=${data.per_page || PER_PAGE}
          total=${data.total ?? itemsOf(data).length} onPage=${(p) => go('/households', { ...f, page: p })} />`}
    </section>`;
}

// Villages and groups only: a household belongs to one of them.
export const householdNodes = (orgs) => orgs.filter((o) => o.level === 'village' || o.level === 'group');

function CreateHousehold({ orgs, defaultOrg }) {
  const nodes = householdNodes(orgs);
  const [org, setOrg] = useState(nodes.some((o) => String(o.id) === String(defaultOrg)) ? String(defaultOrg) : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function submit(e) {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formData(form);
    const causes = CAUSES.filter((c) => form.elements['cause_' + c].checked);
    const body = { number: v.number.trim(), org_id: Number(org), status: v.status, causes };
    if (v.address.trim()) body.address = v.address.trim();
    if (v.visit_interval_days) body.visit_interval_days = Number(v.visit_interval_days);
    setBusy(true); setError(null);
    try {
      const h = await api('POST', '/households', body);
      go('/households/' + h.id);
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return html`<form class="stack create" data-testid="hh-create-form" onSubmit=${submit}>
    <div class="grid2">
      <label>${t('hh.number')}<input name="number" required maxlength="32" pattern="[A-Za-z0-9\\-]+"
        autocapitalize="characters" spellcheck="false" autocomplete="off" class="mono" /></label>
      <label>${t('hh.org')}<${OrgSelect} orgs=${nodes} name="org_id" required value=${org}
        empty="" onChange=${setOrg} /></label>
      <label>${t('hh.address')}<input name="address" maxlength="200" /></label>
      <label>${t('hh.status')}<select name="status">
        ${STATUSES.map((s) => html`<option value=${s}>${statusName(s)}</option>`)}</select></label>
      <label>${t('hh.visit_interval')}<input name="visit_interval_days" type="number" min="1" max="366"
        inputmode="numeric" placeholder="30" /></label>
    </div>
    <fieldset class="checks"><legend>${t('hh.causes')}</legend>
      ${CAUSES.map((c) => html`<label class="check-chip"><input type="checkbox" name=${'cause_' + c} />
        ${causeName(c)}</label>`)}
    </fieldset>
    <${ErrorBox} error=${error} />
    <button class="btn btn-primary" data-testid="hh-create-submit" disabled=${busy}>${t('hh.create')}</button>
  </form>`;
}
