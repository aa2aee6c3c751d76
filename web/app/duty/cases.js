// Supervision tab 问询与处理 (cases): the inquiries a missed window or failed spot check opened
// (record the call and the reason with its category, then accept or reject it), the sanctions the
// escalation rules drafted (notice of criticism, admonition interview with its date, recall
// recommendation: approve or dismiss), and the leave and official trips waiting for approval.
// Every decision is the server's to record and audit; the auditor sees the same lists read-only.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { t } from '../i18n.js';
import { go, useLoad, ErrorBox, Loading, formData, itemsOf } from '../ui.js';
import { dayTime, countyTs } from './clock.js';
import { canSupervise, useLive, personName, villageName } from './supervise.js';
import { inquiryWhat } from './today.js';

export const REASONS = ['sick', 'official_business', 'no_signal', 'device', 'forgot', 'other'];
const INQ_STATUSES = ['open', 'accepted', 'rejected'];
const SANCTION_STATUSES = ['draft', 'approved', 'dismissed'];

export function CasesTab({ me, params }) {
  const write = canSupervise(me.user.role);
  const inq = params.get('status') || 'open';
  const sanc = params.get('sanctions') || 'draft';
  const set = (patch) => go('/supervise', { tab: 'cases', status: inq, sanctions: sanc, ...patch });
  // A decided inquiry may have drafted a sanction: the sanctions reload after each decision.
  const [decisions, setDecisions] = useState(0);
  return html`<${Inquiries} status=${inq} write=${write} onStatus=${(v) => set({ status: v })}
      onDecided=${() => setDecisions((n) => n + 1)} />
    <${Sanctions} status=${sanc} write=${write} onStatus=${(v) => set({ sanctions: v })} decisions=${decisions} />
    <${Leaves} write=${write} />`;
}

function StatusFilter({ value, values, prefix, onChange, testid }) {
  return html`<select class="year-select" value=${value} data-testid=${testid} aria-label=${t('sup.status')}
      onChange=${(e) => onChange(e.target.value)}>
    ${values.map((s) => html`<option value=${s}>${t(prefix + s)}</option>`)}
    <option value="all">${t('common.all')}</option>
  </select>`;
}

// Runs a write, then `after`; the error shows next to the form.
function useAct(after) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function act(fn) {
    setBusy(true); setError(null);
    try { await fn(); after(); } catch (e) { setError(e); } finally { setBusy(false); }
  }
  return { busy, error, act };
}

// A decision's body from its form: {[key]: yes} with the note when one was written.
function decision(key, yes, form) {
  const note = (formData(form).note || '').trim();
  return note ? { [key]: yes, note } : { [key]: yes };
}

// ---- inquiries ----------------------------------------------------------------------------------

// The call and reason as a form holds them (PATCH /duty/inquiries/{id}).
function findings(form) {
  const v = formData(form);
  const body = { call_made: !!v.call_made, reason: (v.reason || '').trim() };
  if (v.reason_category) body.reason_category = v.reason_category;
  return body;
}

function Inquiries({ status, write, onStatus, onDecided }) {
  const list = useLoad(() => api('GET', '/duty/inquiries' + query({ status: status === 'all' ? '' : status, per_page: 100 })),
    [status]);
  useLive(['inquiry', 'resync'], list.reload, 1000);
  const items = itemsOf(list.data);
  return html`<section class="card" data-testid="inquiries">
    <div class="head-row"><h1>${t('sup.inq.title')}</h1>
      <${StatusFilter} value=${status} values=${INQ_STATUSES} prefix="sup.inq.st." onChange=${onStatus}
        testid="inq-status" /></div>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    ${list.data && items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    <ul class="list">${items.map((q) => html`<${Inquiry} key=${q.id} q=${q} write=${write}
      onDone=${() => { list.reload(); onDecided(); }} />`)}</ul>
  </section>`;
}

function Inquiry({ q, write, onDone }) {
  const { busy, error, act } = useAct(onDone);
  const open = q.status === 'open';
  const [saved, setSaved] = useState(false);
  const saveAfter = useAct(() => setSaved(true));

  function save(e) {
    e.preventDefault();
    const body = findings(e.currentTarget);
    setSaved(false);
    saveAfter.act(() => api('PATCH', `/duty/inquiries/${q.id}`, body));
  }
  // Accept or reject: the call and reason as they stand in the form are saved first.
  function decide(accepted, form) {
    const body = findings(form), d = decision('accepted', accepted, form);
    act(async () => {
      await api('PATCH', `/duty/inquiries/${q.id}`, body);
      await api('POST', `/duty/inquiries/${q.id}/decision`, d);
    });
  }

  return html`<li class="item duty-case" data-testid="inquiry" data-id=${q.id} data-status=${q.status}>
    <div class="item-main">
      <div><strong>${personName(q)}</strong>
        <div class="meta"><span>${villageName(q)}</span><span>${q.day}</span><span>${inquiryWhat(q)}</span></div></div>
      <span class=${'badge inq-' + q.status} data-testid="inq-badge">${t('sup.inq.st.' + q.status, q.status)}</span>
    </div>
    ${!open || !write ? html`<div class="meta">
        <span>${q.call_made ? t('sup.inq.called') : t('sup.inq.not_called')}</span>
        ${q.reason_category && html`<span class="chip">${t('sup.reason.' + q.reason_category, q.reason_category)}</span>`}
        ${q.reason && html`<span class="pre">${q.reason}</span>`}
        ${q.decided_at && html`<span>${t('sup.decided', { time: dayTime(q.decided_at), who: q.decided_by_name || '' })}</span>`}
        ${q.decision_note && html`<span class="pre" data-testid="inq-decision-note">${q.decision_note}</span>`}
      </div>`
      : html`<form class="stack" data-testid="inq-form" onSubmit=${save}>
        <label class="check-label"><input type="checkbox" name="call_made" defaultChecked=${!!q.call_made}
          data-testid="inq-call" />${t('sup.inq.call_made')}</label>
        <label>${t('sup.inq.category')}
          <select name="reason_category" defaultValue=${q.reason_category || ''} data-testid="inq-category">
            <option value="">—</option>
            ${REASONS.map((r) => html`<option value=${r}>${t('sup.reason.' + r)}</option>`)}
          </select></label>
        <label>${t('sup.inq.reason')}<textarea name="reason" rows="2" maxlength="500" data-testid="inq-reason"
          defaultValue=${q.reason || ''}></textarea></label>
        <label>${t('sup.note')}<input name="note" maxlength="200" data-testid="inq-note" /></label>
        <${ErrorBox} error=${error || saveAfter.error} />
        ${saved && html`<p class="ok small" role="status">${t('sup.saved')}</p>`}
        <div class="actions">
          <button class="btn" disabled=${busy || saveAfter.busy} data-testid="inq-save">${t('common.save')}</button>
          <button type="button" class="btn btn-primary" disabled=${busy} data-testid="inq-accept"
            onClick=${(e) => decide(true, e.currentTarget.form)}>${t('sup.inq.accept')}</button>
          <button type="button" class="btn btn-danger-outline" disabled=${busy} data-testid="inq-reject"
            onClick=${(e) => decide(false, e.currentTarget.form)}>${t('sup.inq.reject')}</button>
        </div>
      </form>`}
  </li>`;
}

// ---- sanctions ----------------------------------------------------------------------------------

// What the escalation rule counted, in words (the server's `basis` JSON, whatever it holds).
function basisText(b) {
  if (!b) return '';
  const v = typeof b === 'string' ? (() => { try { return JSON.parse(b); } catch { return b; } })() : b;
  if (typeof v !== 'object') return String(v);
  return Object.entries(v).filter(([, x]) => typeof x !== 'object')
    .map(([k, x]) => `${t('sup.basis.' + k, k)}: ${x}`).join('，');
}

function Sanctions({ status, write, onStatus, decisions }) {
  const list = useLoad(() => api('GET', '/duty/sanctions' + query({ status: status === 'all' ? '' : status, per_page: 100 })),
    [status, decisions]);
  useLive(['sanction', 'resync'], list.reload, 1000);
  const items = itemsOf(list.data);
  return html`<section class="card" data-testid="sanctions">
    <div class="head-row"><h2>${t('sup.sanction.title')}</h2>
      <${StatusFilter} value=${status} values=${SANCTION_STATUSES} prefix="sup.sanction.st." onChange=${onStatus}
        testid="sanction-status" /></div>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    ${list.data && items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    <ul class="list">${items.map((s) => html`<${Sanction} key=${s.id} s=${s} write=${write} onDone=${list.reload} />`)}</ul>
  </section>`;
}

function Sanction({ s, write, onDone }) {
  const { busy, error, act } = useAct(onDone);
  function decide(approve, form) {
    const body = decision('approve', approve, form);
    const when = formData(form).scheduled_at;
    if (approve && when) body.scheduled_at = countyTs(when);
    act(() => api('POST', `/duty/sanctions/${s.id}/decision`, body));
  }
  return html`<li class="item duty-case" data-testid="sanction" data-id=${s.id} data-kind=${s.kind} data-status=${s.status}>
    <div class="item-main">
      <div><strong>${personName(s)}</strong> · ${t('sup.sanction.kind.' + s.kind, s.kind)}
        <div class="meta"><span>${villageName(s)}</span><span>${dayTime(s.created_at)}</span>
          <span>${basisText(s.basis)}</span>
          ${s.scheduled_at && html`<span>${t('sup.sanction.scheduled', { time: dayTime(s.scheduled_at) })}</span>`}
          ${s.note && html`<span class="pre">${s.note}</span>`}</div></div>
      <span class=${'badge sanction-' + s.status}>${t('sup.sanction.st.' + s.status, s.status)}</span>
    </div>
    ${write && s.status === 'draft' && html`<form class="stack" data-testid="sanction-form"
        onSubmit=${(e) => { e.preventDefault(); decide(true, e.currentTarget); }}>
      ${s.kind === 'interview' && html`<label>${t('sup.sanction.when')}<input type="datetime-local" name="scheduled_at"
        required data-testid="sanction-when" /></label>`}
      <label>${t('sup.note')}<input name="note" maxlength="200" data-testid="sanction-note" /></label>
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button class="btn btn-primary" disabled=${busy} data-testid="sanction-approve">${t('sup.approve')}</button>
        <button type="button" class="btn" disabled=${busy} data-testid="sanction-dismiss"
          onClick=${(e) => decide(false, e.currentTarget.form)}>${t('sup.dismiss')}</button>
      </div>
    </form>`}
  </li>`;
}

// ---- leave and official trips ------------------------------------------------------------------

function Leaves({ write }) {
  const list = useLoad(() => api('GET', '/duty/leaves?status=pending&per_page=100'), []);
  useLive(['resync'], list.reload, 1000);
  const items = itemsOf(list.data);
  return html`<section class="card" data-testid="leaves">
    <h2>${t('sup.leave.title')} <span class="badge">${items.length}</span></h2>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    ${list.data && items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    <ul class="list">${items.map((l) => html`<${Leave} key=${l.id} l=${l} write=${write} onDone=${list.reload} />`)}</ul>
  </section>`;
}

function Leave({ l, write, onDone }) {
  const { busy, error, act } = useAct(onDone);
  function decide(approve, form) {
    act(() => api('POST', `/duty/leaves/${l.id}/decision`, decision('approve', approve, form)));
  }
  return html`<li class="item duty-case" data-testid="leave" data-id=${l.id}>
    <strong>${personName(l)}</strong> · ${t('sup.leave.kind.' + l.kind, l.kind)}
    <div class="meta"><span>${villageName(l)}</span>
      <span class="mono">${l.start_day}${l.end_day && l.end_day !== l.start_day ? ' – ' + l.end_day : ''}</span></div>
    ${l.reason && html`<p class="pre small top0">${l.reason}</p>`}
    ${write && html`<form class="stack" onSubmit=${(e) => { e.preventDefault(); decide(true, e.currentTarget); }}>
      <label>${t('sup.note')}<input name="note" maxlength="200" data-testid="leave-note" /></label>
      <${ErrorBox} error=${error} />
      <div class="actions">
        <button class="btn btn-primary" disabled=${busy} data-testid="leave-approve">${t('sup.approve')}</button>
        <button type="button" class="btn btn-danger-outline" disabled=${busy} data-testid="leave-reject"
          onClick=${(e) => decide(false, e.currentTarget.form)}>${t('sup.reject')}</button>
      </div>
    </form>`}
  </li>`;
}
