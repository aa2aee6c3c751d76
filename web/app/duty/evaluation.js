// Supervision tab 考评 (annual evaluation): per secretary for a year, days in the village over
// working days, window compliance, spot-check answer rate and median answer time, inquiries and
// sanctions, exportable as XLSX or CSV; and the figures the county publishes (problems found and
// fixed, spot checks and failures, secretaries criticised, interviewed, recalled), all computed by
// the server from the records, never typed in.
import { html } from 'htm/preact';
import { api, apiUrl, query } from '../api.js';
import { t } from '../i18n.js';
import { go, useLoad, loadOrgs, Pager, ErrorBox, Loading, itemsOf } from '../ui.js';
import { countyDay } from './clock.js';
import { townsOf, NodeSelect, YearSelect, personName, villageName } from './supervise.js';

const PER_PAGE = 50;
const pct = (rate) => (typeof rate === 'number' ? Math.round(rate * 100) + '%' : '—');
function duration(s) {
  if (s === null || s === undefined) return '—';
  return s < 60 ? t('sup.eval.seconds', { n: Math.round(s) }) : t('sup.eval.minutes', { n: (s / 60).toFixed(1) });
}
// "met / required  rate%": the server's rate (0..1, null when nothing was required) beside the counts.
const share = (num, den, rate) => html`${num ?? 0} / ${den ?? 0} <span class="muted small">${pct(rate)}</span>`;

// The table's columns: a label key and the cell for one secretary's row.
const COLUMNS = [
  ['days', (x) => share(x.present_days, (x.working_days || 0) - (x.excused_days || 0), x.presence_rate)],
  ['excused', (x) => x.excused_days ?? 0],
  ['windows', (x) => share(x.windows_met, (x.windows_met || 0) + (x.windows_missed || 0), x.window_rate)],
  ['spot', (x) => share(x.spot_answered_in_time, x.spot_checks, x.spot_answer_rate)],
  ['median', (x) => duration(x.spot_median_answer_s)],
  ['inquiries', (x) => {
    const q = x.inquiries && typeof x.inquiries === 'object' ? x.inquiries : { opened: x.inquiries || 0 };
    const parts = ['accepted', 'rejected', 'open'].filter((k) => q[k]).map((k) => t('sup.eval.inq_' + k, { n: q[k] }));
    return `${q.opened || 0}${parts.length ? '（' + parts.join('，') + '）' : ''}`;
  }],
  ['sanctions', (x) => {
    const parts = ['notices', 'interviews', 'recalls'].filter((k) => x[k]).map((k) => t('sup.eval.' + k, { n: x[k] }));
    return parts.length ? parts.join('，') : '0';
  }],
];

export function EvaluationTab({ params }) {
  const year = Number(params.get('year')) || Number(countyDay().slice(0, 4));
  const town = params.get('org_id') || '';
  const page = Number(params.get('page')) || 1;
  const q = { year, org_id: town };
  const key = JSON.stringify(q);
  const orgs = useLoad(() => loadOrgs(), []);
  const evalData = useLoad(() => api('GET', '/duty/evaluation' + query({ ...q, page, per_page: PER_PAGE })), [key, page]);
  const stats = useLoad(() => api('GET', '/duty/stats' + query(q)), [key]);
  const set = (patch) => go('/supervise', { tab: 'evaluation', ...q, ...patch });
  const towns = townsOf(orgs.data || []);
  const items = itemsOf(evalData.data);

  return html`<section class="card" data-testid="evaluation">
      <div class="head-row"><h1>${t('sup.eval.title', { year })}</h1>
        <${YearSelect} value=${year} testid="eval-year" onChange=${(y) => set({ year: y })} /></div>
      ${towns.length > 1 && html`<div class="filters"><${NodeSelect} nodes=${towns} value=${town} empty=${t('common.all')}
        label=${t('sup.town')} testid="eval-town" onChange=${(v) => set({ org_id: v })} /></div>`}
    </section>
    <${Figures} stats=${stats} />
    <section class="card">
      <div class="export-links" data-testid="eval-export">
        <span class="muted small">${t('sup.export')}</span>
        <a class="btn" href=${apiUrl('/duty/evaluation.xlsx', q)} download data-testid="eval-xlsx">Excel</a>
        <a class="btn" href=${apiUrl('/duty/evaluation.csv', q)} download data-testid="eval-csv">
          ${t('sup.export_csv')}</a>
      </div>
      ${evalData.loading && html`<${Loading} />`}
      <${ErrorBox} error=${evalData.error} />
      ${evalData.data && html`<table class="stacked duty-eval" data-testid="eval-table">
        <thead><tr><th>${t('sup.secretary')}</th>${COLUMNS.map(([k]) => html`<th>${t('sup.eval.col.' + k)}</th>`)}</tr></thead>
        <tbody>${items.map((x) => html`<tr data-testid="eval-row" data-user=${x.user_id ?? x.id}>
          <td data-label=${t('sup.secretary')}><span><strong>${personName(x)}</strong>
            <span class="muted small"> ${villageName(x)}</span></span></td>
          ${COLUMNS.map(([k, cell]) => html`<td data-label=${t('sup.eval.col.' + k)}><span>${cell(x)}</span></td>`)}
        </tr>`)}</tbody>
      </table>
      ${items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
      <${Pager} page=${evalData.data.page || page} perPage=${evalData.data.per_page || PER_PAGE}
        total=${evalData.data.total ?? items.length} onPage=${(p) => set({ page: p })} />`}
    </section>`;
}

// The published figures: every number the stats answer holds, labelled.
const FIGURES = ['problems_found', 'problems_fixed', 'spot_checks', 'spot_checks_failed', 'inquiries',
  'secretaries_criticised', 'secretaries_interviewed', 'secretaries_recalled'];

function Figures({ stats }) {
  const s = stats.data || {};
  const keys = [...FIGURES.filter((k) => typeof s[k] === 'number'),
    ...Object.keys(s).filter((k) => !FIGURES.includes(k) && typeof s[k] === 'number' && k !== 'year')];
  return html`<section class="card" data-testid="eval-stats">
    <h2>${t('sup.eval.figures')}</h2>
    ${stats.loading && !stats.data && html`<${Loading} />`}
    <${ErrorBox} error=${stats.error} />
    ${stats.data && html`<dl class="duty-figures">
      ${keys.map((k) => html`<div data-testid=${'stat-' + k}><dt>${t('sup.stat.' + k, k)}</dt><dd>${s[k]}</dd></div>`)}
    </dl>
    <p class="muted small">${t('sup.eval.computed')}</p>`}
  </section>`;
}
