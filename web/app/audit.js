import { html } from 'htm/preact';
import { api, query } from './api.js';
import { t } from './i18n.js';
import { go, useLoad, fmtTime, Pager, ErrorBox, Loading, formData } from './ui.js';

const PER_PAGE = 30;
const FIELDS = ['actor', 'action', 'entity', 'entity_id', 'from', 'to'];
const KNOWN_ACTIONS = ['session.login', 'session.login_failed', 'session.reauth_failed', 'session.logout', 'session.revoke',
  'user.create', 'user.update', 'user.password', 'user.reveal', 'org.create', 'org.update',
  'token.create', 'token.revoke', 'totp.begin', 'totp.enable', 'totp.disable', 'settings.update'];

// Date inputs give local calendar days; the API wants Unix seconds.
const dayStart = (d) => Math.floor(new Date(d + 'T00:00:00').getTime() / 1000);
function apiFilters(f) {
  const out = { actor: f.actor, action: f.action, entity: f.entity, entity_id: f.entity_id };
  if (f.from) out.from = dayStart(f.from);
  if (f.to) out.to = dayStart(f.to) + 86399;
  return out;
}

export function AuditPage({ params }) {
  const f = Object.fromEntries(FIELDS.map((k) => [k, params.get(k) || '']));
  const page = Number(params.get('page')) || 1;
  const key = JSON.stringify([f, page]);
  const list = useLoad(() => api('GET', '/audit' + query({ ...apiFilters(f), page, per_page: PER_PAGE })), [key]);

  function submit(e) {
    e.preventDefault();
    const v = formData(e.currentTarget);
    go('/audit', Object.fromEntries(FIELDS.map((k) => [k, (v[k] || '').trim()])));
  }

  return html`<section class="card">
      <h1>${t('audit.title')}</h1>
      <form class="filters" data-testid="audit-filter-form" onSubmit=${submit} key=${key}>
        <label>${t('audit.actor')}<input name="actor" defaultValue=${f.actor} autocapitalize="none"
          data-testid="audit-actor" /></label>
        <label>${t('audit.action')}<input name="action" defaultValue=${f.action} list="audit-actions"
          autocapitalize="none" data-testid="audit-action" /></label>
        <datalist id="audit-actions">${KNOWN_ACTIONS.map((a) => html`<option value=${a} />`)}</datalist>
        <label class=${f.entity_id ? '' : 'wide'}>${t('audit.entity')}<input name="entity" defaultValue=${f.entity} autocapitalize="none"
          data-testid="audit-entity" /></label>
        ${f.entity_id && html`<label>${t('audit.entity_id')}<input name="entity_id"
          defaultValue=${f.entity_id} inputmode="numeric" /></label>`}
        <label>${t('audit.from')}<input type="date" name="from" defaultValue=${f.from} /></label>
        <label>${t('audit.to')}<input type="date" name="to" defaultValue=${f.to} /></label>
        <div class="filter-actions">
          <button class="btn btn-primary" data-testid="audit-search">${t('common.search')}</button>
          <a class="btn" href="#/audit">${t('common.reset')}</a>
          <a class="btn" data-testid="audit-csv" download="audit.csv"
            href=${'/api/v1/audit.csv' + query(apiFilters(f))}>${t('audit.csv')}</a>
        </div>
      </form>
    </section>
    <section class="card">
      ${list.loading && html`<${Loading} />`}
      <${ErrorBox} error=${list.error} />
      ${list.data && html`<${AuditTable} items=${list.data.items || []} />
        ${(list.data.items || []).length === 0 && html`<p class="muted">${t('common.none')}</p>`}
        <${Pager} page=${list.data.page || page} perPage=${list.data.per_page || PER_PAGE}
          total=${list.data.total} onPage=${(p) => go('/audit', { ...f, page: p })} />`}
    </section>`;
}

function Json({ value }) {
  return html`<pre class="json">${JSON.stringify(value, null, 1)}</pre>`;
}

function AuditTable({ items }) {
  const L = (k) => t('audit.' + k);
  return html`<table class="stacked audit" data-testid="audit-table">
    <thead><tr>
      <th>${L('time')}</th><th>${L('actor')}</th><th>${L('ip')}</th><th>${L('action')}</th>
      <th>${L('entity')}</th><th>${L('changes')}</th>
    </tr></thead>
    <tbody>${items.map((a) => html`<tr key=${a.seq} data-testid="audit-row" data-action=${a.action}>
      <td data-label=${L('time')}><span class="nowrap">${fmtTime(a.ts)}</span></td>
      <td data-label=${L('actor')}><span>${a.actor_login || html`<span class="muted">${L('system')}</span>`}</span></td>
      <td data-label=${L('ip')}><span class="mono">${a.ip || '—'}</span></td>
      <td data-label=${L('action')}><span><code>${a.action}</code>${t('action.' + a.action, '')
        && html`<span class="muted small act-label">${t('action.' + a.action)}</span>`}</span></td>
      <td data-label=${L('entity')}><span class="nowrap">${a.entity}${a.entity_id != null && html` #${a.entity_id}`}</span></td>
      <td data-label=${L('changes')}>${a.before == null && a.after == null
        ? html`<span class="muted">—</span>`
        : html`<details><summary>${L('show')}</summary>
            <div class=${'diff' + (a.before != null && a.after != null ? ' two' : '')}>
              ${a.before != null && html`<div><h4>${L('before')}</h4><${Json} value=${a.before} /></div>`}
              ${a.after != null && html`<div><h4>${L('after')}</h4><${Json} value=${a.after} /></div>`}
            </div></details>`}</td>
    </tr>`)}</tbody>
  </table>`;
}
