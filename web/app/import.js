// Household import (docs/IMPORT.md): the templates, a CSV/XLSX file sent as the raw request body,
// the job polled for a progress bar and its counts, and the bad rows from the job's report.
// Also the export links the household list shows (the ledger and the map layer, with its filters).
import { html } from 'htm/preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { api, apiUrl } from './api.js';
import { t, getLang } from './i18n.js';
import { ErrorBox } from './ui.js';
import { parseCsv } from './csv.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MODES = ['validate', 'commit', 'valid_only'];
const POLL_MS = 500;
const SHOW_BAD = 20;           // bad rows shown on the page; the report has them all
const UPLOAD_TIMEOUT_MS = 120000;
const FINAL = ['done', 'rejected', 'failed'];

// The list's filters that the exports understand (the same as GET /households).
const EXPORT_FILTERS = ['org_id', 'status', 'cause', 'unmet', 'helper_id', 'q', 'id_number'];

export function ExportLinks({ filters }) {
  const f = {};
  for (const k of EXPORT_FILTERS) if (filters[k]) f[k] = filters[k];
  return html`<div class="export-links" data-testid="hh-export">
    <span class="muted small">${t('imp.export')}</span>
    <a class="btn btn-small" href=${apiUrl('/households/export.xlsx', f)} download
      data-testid="hh-export-xlsx">${t('imp.export_xlsx')}</a>
    <a class="btn btn-small" href=${apiUrl('/households/export.csv', f)} download
      data-testid="hh-export-csv">${t('imp.export_csv')}</a>
    <a class="btn btn-small" href=${apiUrl('/map/households', f)} download="households.geojson"
      data-testid="hh-export-geojson">${t('imp.export_geojson')}</a>
  </div>`;
}

// The Content-Type for a chosen file: by its name, then by what the browser says.
export function fileType(file) {
  const name = (file.name || '').toLowerCase();
  if (name.endsWith('.xlsx') || file.type === XLSX_TYPE) return XLSX_TYPE;
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'text/csv';
  return file.type || 'application/octet-stream';   // the server recognises the format itself
}

async function loadReport(id) {
  const res = await fetch(apiUrl(`/imports/${id}/report.csv`), {
    headers: { 'Accept-Language': getLang() }, credentials: 'same-origin',
  });
  if (!res.ok) throw new Error(t('err.http') + ' ' + res.status);
  return parseCsv(await res.text());
}

export function ImportPage() {
  const [file, setFile] = useState(null);
  const [mode, setMode] = useState('validate');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [job, setJob] = useState(null);
  const [report, setReport] = useState(null);
  const timer = useRef(null);
  const alive = useRef(true);

  useEffect(() => () => { alive.current = false; clearTimeout(timer.current); }, []);

  async function poll(id) {
    try {
      const j = await api('GET', `/imports/${id}`);
      if (!alive.current) return;
      setJob(j);
      if (!FINAL.includes(j.status)) { timer.current = setTimeout(() => poll(id), POLL_MS); return; }
      setBusy(false);
      if (j.rows_bad > 0) {
        try { const rows = await loadReport(id); if (alive.current) setReport(rows); } catch (e) { if (alive.current) setError(e); }
      }
    } catch (e) {
      if (!alive.current) return;
      setError(e); setBusy(false);
    }
  }

  async function submit(e) {
    e.preventDefault();
    if (!file) { setError(new Error(t('imp.no_file'))); return; }
    clearTimeout(timer.current);
    setBusy(true); setError(null); setJob(null); setReport(null);
    try {
      const started = await api('POST', `/imports?mode=${mode}`, file,
        { type: fileType(file), timeout: UPLOAD_TIMEOUT_MS });
      if (!alive.current) return;
      setJob({ status: 'queued', rows_total: started.rows_total || 0, rows_done: 0, ...started });
      poll(started.id);
    } catch (err) {
      if (alive.current) { setError(err); setBusy(false); }
    }
  }

  return html`<section class="card import-page" data-testid="import-page">
      <div class="head-row">
        <h1>${t('imp.title')}</h1>
        <a class="btn btn-ghost btn-small" href="#/households" data-testid="import-back">${t('imp.back')}</a>
      </div>
      <p class="muted">${t('imp.intro')}</p>
      <div class="actions" data-testid="import-templates">
        <a class="btn btn-small btn-outline" href=${apiUrl('/imports/template.xlsx')} download
          data-testid="import-template-xlsx">${t('imp.template_xlsx')}</a>
        <a class="btn btn-small btn-outline" href=${apiUrl('/imports/template.csv')} download
          data-testid="import-template-csv">${t('imp.template_csv')}</a>
      </div>
      <p class="muted small">${t('imp.hint')}</p>
    </section>
    <section class="card">
      <form class="stack" data-testid="import-form" onSubmit=${submit}>
        <label>${t('imp.file')}
          <input type="file" data-testid="import-file"
            accept=".csv,.xlsx,text/csv,${XLSX_TYPE}"
            onChange=${(e) => { setFile(e.target.files[0] || null); setError(null); }} /></label>
        <fieldset class="checks import-modes" data-testid="import-modes">
          <legend>${t('imp.mode')}</legend>
          ${MODES.map((m) => html`<label class="check-label">
            <input type="radio" name="mode" value=${m} checked=${mode === m}
              data-testid=${'import-mode-' + m} onChange=${() => setMode(m)} />
            <span>${t('imp.mode.' + m)}<br /><span class="muted small">${t('imp.mode_hint.' + m)}</span></span>
          </label>`)}
        </fieldset>
        <${ErrorBox} error=${error} testid="import-error" />
        <button class="btn btn-primary" data-testid="import-submit" disabled=${busy || !file}>
          ${busy ? t('imp.busy') : t('imp.submit')}</button>
      </form>
    </section>
    ${job && html`<${JobView} job=${job} report=${report} />`}`;
}

function JobView({ job, report }) {
  const card = useRef(null);
  // On a phone the result starts below the form: bring it into view once per job.
  useEffect(() => { if (card.current && card.current.scrollIntoView) card.current.scrollIntoView({ block: 'nearest' }); }, [job.id]);
  const total = job.rows_total || 0, done = Math.min(job.rows_done || 0, total);
  const pct = total ? Math.round((done / total) * 100) : (FINAL.includes(job.status) ? 100 : 0);
  const finished = FINAL.includes(job.status);
  const status = job.status === 'running' && job.phase ? 'running_' + job.phase : job.status;
  const counts = [
    ['households_created', job.households_created], ['households_updated', job.households_updated],
    ['members_created', job.members_created], ['members_updated', job.members_updated],
    ['unchanged', job.unchanged], ['rows_bad', job.rows_bad],
  ];
  const wrote = job.mode !== 'validate' && job.status === 'done';
  return html`<section class="card import-job" ref=${card} data-testid="import-job" data-status=${job.status}
      data-mode=${job.mode || ''} data-id=${job.id}>
    <div class="head-row">
      <h2>${t('imp.job')}</h2>
      <span class=${'badge imp-' + job.status} data-testid="import-status">${t('imp.status.' + status, job.status)}</span>
    </div>
    <div class="tbar">
      <div class="tbar-label"><span>${t('imp.rows')}</span>
        <span class="tbar-num" data-testid="import-progress-text"><strong>${done}</strong> / ${total}</span></div>
      <div class="bar-track" role="progressbar" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${done}
          data-testid="import-progress">
        <span class=${'bar-fill' + (job.status === 'done' ? ' ok-fill' : job.status === 'running' || job.status === 'queued' ? '' : ' warn-fill')}
          style=${'width:' + pct + '%'}></span></div>
    </div>
    ${finished && html`
      <p class="small" data-testid="import-outcome">${t('imp.outcome.' + (job.status === 'done' ? job.mode || 'commit' : job.status))}
        ${job.status === 'failed' && job.error ? ' (' + job.error + ')' : ''}</p>
      <dl class="import-counts" data-testid="import-counts">
        ${counts.map(([k, v]) => html`<div class=${k === 'rows_bad' && v > 0 ? 'bad' : ''}>
          <dt>${t('imp.count.' + k)}</dt><dd data-testid=${'import-count-' + k}>${v ?? 0}</dd></div>`)}
      </dl>
      ${wrote && html`<p><a href="#/households" data-testid="import-to-list">${t('imp.to_list')}</a></p>`}`}
    ${finished && job.rows_bad > 0 && html`<div class="import-bad">
      <div class="head-row">
        <h3>${t('imp.bad_rows')}</h3>
        <a class="btn btn-small btn-outline" href=${apiUrl(`/imports/${job.id}/report.csv`)} download
          data-testid="import-report-link">${t('imp.report')}</a>
      </div>
      ${report && html`<${BadRows} rows=${report} total=${job.rows_bad} />`}
    </div>`}
  </section>`;
}

function BadRows({ rows, total }) {
  const [head, ...body] = rows;
  if (!head) return null;
  const shown = body.slice(0, SHOW_BAD);
  return html`<table class="stacked import-report" data-testid="import-bad-rows">
      <thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead>
      <tbody>${shown.map((r) => html`<tr data-testid="import-bad-row" data-line=${r[0]}>
        ${head.map((h, i) => html`<td data-label=${h}>${r[i] ?? ''}</td>`)}</tr>`)}</tbody>
    </table>
    ${body.length > shown.length && html`<p class="muted small" data-testid="import-bad-more">
      ${t('imp.more_in_report', { n: body.length - shown.length })}</p>`}
    ${total > 0 && body.length === 0 && html`<p class="muted small">${t('common.none')}</p>`}`;
}
