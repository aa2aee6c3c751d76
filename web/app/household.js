// One household (#/households/{id}): summary, location, members (masked, reveal with the
// password), 两不愁三保障, income, status with history, helpers, visits and one timeline.
import { html } from 'htm/preact';
import { useState, useEffect } from 'preact/hooks';
import { api, query } from './api.js';
import { t } from './i18n.js';
import { useLoad, loadOrgs, OrgSelect, ErrorBox, Loading, formData, fmtTime, itemsOf } from './ui.js';
import {
  STATUSES, CAUSES, INDICATORS, INCOME_SOURCES, RELATIONS, HEALTH, EDUCATION, LABOUR,
  StatusBadge, Chips, statusName, causeName, indicatorName, canEditHH, canReveal, canPair,
  checkIdNumber, today, fmtDate, yuan, metres, householdNodes, DueBadge,
} from './households.js';
import { LocationPicker } from './map.js';
import { RecordVisit, VisitList } from './visits.js';

const REVEAL_SECONDS = 60; // a revealed ID number or phone hides itself again
const TIMELINE_FIRST = 12; // entries shown before "show more"

export function HouseholdPage({ me, params, args }) {
  const id = args.id;
  const loaded = useLoad(() => api('GET', '/households/' + id), [id]);
  // The server answers every change with the whole household; that answer wins until reload.
  const [patched, setPatched] = useState(null);
  const [tick, setTick] = useState(0);
  useEffect(() => setPatched(null), [loaded.data]);
  const hh = patched || loaded.data;
  const changed = (full) => {
    if (full && full.id) setPatched(full);
    else loaded.reload();
    setTick((n) => n + 1);
  };
  if (loaded.loading && !hh) return html`<section class="card"><${Loading} /></section>`;
  if (!hh) return html`<section class="card"><${ErrorBox} error=${loaded.error} /></section>`;
  const role = me.user.role;
  const edit = canEditHH(role);

  return html`<div class="hh-page" data-testid="hh-page" data-id=${hh.id}>
    <${Summary} hh=${hh} me=${me} onChanged=${changed} />
    ${edit && html`<${RecordVisit} hh=${hh} open=${params.get('visit') === '1'} onRecorded=${() => changed()} />`}
    <${LocationSection} hh=${hh} edit=${edit} onChanged=${changed} />
    <${Members} hh=${hh} me=${me} onChanged=${changed} />
    <${Guarantees} hh=${hh} edit=${edit} onChanged=${changed} />
    <${Income} hh=${hh} edit=${edit} onChanged=${changed} />
    <${Status} hh=${hh} edit=${edit} onChanged=${changed} />
    <${Helpers} hh=${hh} me=${me} onChanged=${changed} />
    <${VisitList} householdId=${hh.id} tick=${tick} />
    <${Timeline} hh=${hh} tick=${tick} />
  </div>`;
}

// Runs one change at a time with busy/error state.
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function run(fn) {
    setBusy(true); setError(null);
    try { return await fn(); } catch (e) { setError(e); return undefined; } finally { setBusy(false); }
  }
  return { busy, error, run, setError };
}

function Toggle({ open, onClick, testid, label }) {
  return html`<button type="button" class=${'btn btn-small' + (open ? '' : ' btn-outline')} data-testid=${testid}
    aria-expanded=${open} onClick=${onClick}>${open ? t('common.close') : label}</button>`;
}

// 两不愁三保障 per indicator: met, unmet, or not assessed yet (no record in the full file).
const IND_CLASS = { met: 'chip-ok', unmet: 'chip-bad', unknown: 'chip-unknown' };
const IND_MARK = { met: '✓', unmet: '✗', unknown: '?' };
const IND_LABEL = { met: 'hh.met', unmet: 'hh.unmet_one', unknown: 'hh.not_assessed' };
function indState(hh, i) {
  if (Array.isArray(hh.guarantees)) {
    const g = hh.guarantees.find((x) => x.indicator === i);
    if (g) return g.met ? 'met' : 'unmet';
    if (!(hh.unmet || []).includes(i)) return 'unknown';
  }
  return (hh.unmet || []).includes(i) ? 'unmet' : 'met';
}

const latestIncome = (hh) => (hh.incomes || []).reduce((a, b) => (!a || b.year > a.year ? b : a), null);

function Summary({ hh, me, onChanged }) {
  const [editing, setEditing] = useState(false);
  const members = Array.isArray(hh.members) ? hh.members.length : hh.members;
  const head = hh.head_name || (Array.isArray(hh.members) && (hh.members.find((m) => m.relation === 'self') || {}).name);
  const inc = hh.per_capita_income || (latestIncome(hh) && { year: latestIncome(hh).year, yuan: latestIncome(hh).per_capita });
  const guarantees = hh.guarantees || [];
  const shown = INDICATORS.map((i) => ({ indicator: i, state: indState(hh, i), note: (guarantees.find((g) => g.indicator === i) || {}).note }));
  return html`<section class=${'card hh-summary st-edge-' + hh.status} data-testid="hh-summary">
    <div class="head-row">
      <h1 data-testid="hh-head">${head || t('hh.no_head')}</h1>
      <${StatusBadge} status=${hh.status} />
    </div>
    <dl class="facts">
      <dt>${t('hh.number')}</dt><dd class="mono" data-testid="hh-number">${hh.number}</dd>
      <dt>${t('hh.org')}</dt><dd>${[hh.village_name, hh.org_name].filter((x, i, a) => x && a.indexOf(x) === i).join(' / ')}</dd>
      <dt>${t('hh.address')}</dt><dd>${hh.address || '—'}</dd>
      <dt>${t('hh.members')}</dt><dd>${members ?? '—'}</dd>
      <dt>${t('hh.causes')}</dt><dd>${(hh.causes || []).length ? html`<${Chips} items=${hh.causes} name=${causeName} />` : '—'}</dd>
      <dt>${t('hh.pci')}</dt><dd data-testid="hh-pci">${inc ? html`${yuan(inc.yuan)} ${t('hh.yuan')}
        <span class="muted small">(${inc.year})</span>` : '—'}</dd>
      <dt>${t('hh.helpers')}</dt><dd>${(hh.helpers || []).map((x) => x.name).join('、') || '—'}</dd>
      <dt>${t('hh.last_visit')}</dt><dd>${hh.last_visit_at ? fmtDate(hh.last_visit_at) : t('hh.never')}
        ${hh.next_visit_due && html` <${DueBadge} due=${hh.next_visit_due} />`}</dd>
      ${hh.notes && html`<dt>${t('hh.notes')}</dt><dd class="pre">${hh.notes}</dd>`}
    </dl>
    <h4>${t('hh.guarantees')}</h4>
    <div class="chips ind-chips" data-testid="hh-indicators">
      ${shown.map((g) => html`<span class=${'chip ' + IND_CLASS[g.state]} title=${g.note || ''}
        data-indicator=${g.indicator} data-met=${{ met: '1', unmet: '0', unknown: '' }[g.state]}>
        ${IND_MARK[g.state]} ${indicatorName(g.indicator)}</span>`)}
    </div>
    ${canEditHH(me.user.role) && html`<div class="actions">
      <${Toggle} open=${editing} onClick=${() => setEditing(!editing)} testid="hh-edit-toggle" label=${t('hh.edit')} />
    </div>`}
    ${editing && html`<${EditBasics} hh=${hh} onSaved=${(full) => { setEditing(false); onChanged(full); }} />`}
  </section>`;
}

function EditBasics({ hh, onSaved }) {
  const orgs = useLoad(() => loadOrgs(), []);
  const [org, setOrg] = useState(String(hh.org_id));
  const a = useAction();
  const submit = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formData(form);
    // Only what changed: an untouched empty field is not sent (the server refuses "").
    const body = { causes: CAUSES.filter((c) => form.elements['cause_' + c].checked) };
    const fields = { number: v.number.trim(), address: v.address.trim(), notes: v.notes.trim() };
    for (const [k, val] of Object.entries(fields)) if (val !== (hh[k] || '')) body[k] = val;
    const days = Number(v.visit_interval_days);
    if (days && days !== hh.visit_interval_days) body.visit_interval_days = days;
    if (Number(org) && Number(org) !== hh.org_id) body.org_id = Number(org);
    a.run(async () => onSaved(await api('PATCH', '/households/' + hh.id, body)));
  };
  return html`<form class="stack panel" data-testid="hh-edit-form" onSubmit=${submit}>
    <div class="grid2">
      <label>${t('hh.number')}<input name="number" required maxlength="32" defaultValue=${hh.number}
        class="mono" pattern="[A-Za-z0-9\\-]+" /></label>
      <label>${t('hh.org')}<${OrgSelect} orgs=${householdNodes(orgs.data || [])} value=${org} onChange=${setOrg} /></label>
      <label>${t('hh.address')}<input name="address" maxlength="200" defaultValue=${hh.address || ''} /></label>
      <label>${t('hh.visit_interval')}<input name="visit_interval_days" type="number" min="1" max="366"
        inputmode="numeric" defaultValue=${hh.visit_interval_days || ''} /></label>
    </div>
    <fieldset class="checks"><legend>${t('hh.causes')}</legend>
      ${CAUSES.map((c) => html`<label class="check-chip"><input type="checkbox" name=${'cause_' + c}
        defaultChecked=${(hh.causes || []).includes(c)} /> ${causeName(c)}</label>`)}
    </fieldset>
    <label>${t('hh.notes')}<textarea name="notes" rows="3" maxlength="2000" defaultValue=${hh.notes || ''}></textarea></label>
    <${ErrorBox} error=${a.error} />
    <button class="btn btn-primary" disabled=${a.busy} data-testid="hh-edit-submit">${t('common.save')}</button>
  </form>`;
}

function LocationSection({ hh, edit, onChanged }) {
  const a = useAction();
  const save = (loc) => a.run(async () => onChanged(await api('PATCH', '/households/' + hh.id,
    loc ? { lat: loc.lat, lon: loc.lon } : { lat: null, lon: null })));
  return html`<section class="card" data-testid="hh-location">
    <h2>${t('hh.location')}</h2>
    <${LocationPicker} lat=${hh.lat} lon=${hh.lon} status=${hh.status} edit=${edit} busy=${a.busy}
      onSave=${save} />
    <${ErrorBox} error=${a.error} />
  </section>`;
}

// ---- members --------------------------------------------------------------------------------

const relName = (r) => t('member.rel.' + r, r);
const healthName = (r) => t('member.health.' + r, r);
const eduName = (r) => t('member.edu.' + r, r);
const labourName = (r) => t('member.labour.' + r, r);
const sexName = (s) => t('member.sex.' + s, s);

function Members({ hh, me, onChanged }) {
  const [adding, setAdding] = useState(false);
  const list = Array.isArray(hh.members) ? hh.members : [];
  const edit = canEditHH(me.user.role);
  return html`<section class="card" data-testid="hh-members">
    <div class="head-row">
      <h2>${t('hh.members')} <span class="badge">${list.length}</span></h2>
      ${edit && html`<${Toggle} open=${adding} onClick=${() => setAdding(!adding)} testid="member-add-toggle"
        label=${t('member.add')} />`}
    </div>
    ${adding && html`<${MemberForm} hh=${hh} onSaved=${() => { setAdding(false); onChanged(); }} />`}
    <ul class="list">
      ${list.map((m) => html`<${MemberItem} key=${m.id} m=${m} me=${me} onChanged=${onChanged} />`)}
    </ul>
    ${list.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
  </section>`;
}

function MemberItem({ m, me, onChanged }) {
  const [mode, setMode] = useState(null); // 'edit' | 'reveal:id_number' | 'reveal:phone' | 'delete'
  const [shown, setShown] = useState({});
  const a = useAction();
  const role = me.user.role;
  useEffect(() => {
    if (!shown.id_number && !shown.phone) return undefined;
    const timer = setTimeout(() => setShown({}), REVEAL_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [shown]);

  const reveal = (field) => (e) => {
    e.preventDefault();
    const password = formData(e.currentTarget).password;
    a.run(async () => {
      const r = await api('POST', `/members/${m.id}/reveal`, { password, field });
      setShown((s) => ({ ...s, [field]: r.value }));
      setMode(null);
    });
  };
  const del = () => a.run(async () => { await api('DELETE', '/members/' + m.id); onChanged(); });
  const revealBtn = (field) => canReveal(role) && !shown[field] && html`<button type="button"
    class="link-btn" data-testid=${'reveal-' + field} onClick=${() => setMode(mode === 'reveal:' + field ? null : 'reveal:' + field)}>
    ${t('member.reveal')}</button>`;

  return html`<li class="item" data-testid="member-item" data-member=${m.id}>
    <div class="item-main">
      <div>
        <strong>${m.name}</strong> <span class="badge">${relName(m.relation)}</span>
        ${m.joined && html` <span class="badge ok-badge">${t('member.joined')}</span>`}
        <div class="meta">
          <span>${sexName(m.sex)}</span>
          ${m.age !== undefined && m.age !== null && html`<span>${t('member.age_n', { n: m.age })}</span>`}
          ${m.birth_date && html`<span>${m.birth_date}</span>`}
          <span>${healthName(m.health)}</span><span>${eduName(m.education)}</span>
          <span>${t('member.labour')}: ${labourName(m.labour)}</span>
        </div>
        <div class="meta">
          <span class="mono" data-testid="member-id">${shown.id_number || m.id_number}</span>
          ${revealBtn('id_number')}
        </div>
        ${m.phone && html`<div class="meta">
          <span class="mono" data-testid="member-phone">${shown.phone || m.phone}</span>
          ${revealBtn('phone')}
        </div>`}
      </div>
      ${canEditHH(role) && html`<button type="button" class="btn btn-ghost btn-small" data-testid="member-more"
        aria-expanded=${mode === 'edit'} onClick=${() => setMode(mode === 'edit' ? null : 'edit')}>
        ${mode === 'edit' ? t('common.close') : t('member.edit')}</button>`}
    </div>
    ${mode && mode.startsWith('reveal:') && html`<form class="stack panel" data-testid="member-reveal-form"
        onSubmit=${reveal(mode.slice(7))}>
      <p class="muted small">${t('member.reveal_hint')}</p>
      <label>${t('users.your_password')}<input name="password" type="password" required
        autocomplete="current-password" /></label>
      <button class="btn btn-primary" disabled=${a.busy} data-testid="member-reveal-submit">${t('member.reveal')}</button>
    </form>`}
    ${mode === 'edit' && html`<div class="panel">
      <${MemberForm} member=${m} onSaved=${() => { setMode(null); onChanged(); }} />
      <div class="actions">
        <button type="button" class="btn btn-danger-outline" data-testid="member-delete"
          onClick=${() => setMode('delete')}>${t('member.delete')}</button>
      </div>
    </div>`}
    ${mode === 'delete' && html`<div class="panel">
      <p>${t('member.delete_confirm', { name: m.name })}</p>
      <div class="actions">
        <button type="button" class="btn btn-danger" disabled=${a.busy} data-testid="member-delete-confirm"
          onClick=${del}>${t('member.delete')}</button>
        <button type="button" class="btn" onClick=${() => setMode(null)}>${t('common.cancel')}</button>
      </div>
    </div>`}
    <${ErrorBox} error=${a.error} />
  </li>`;
}

// Add (hh given) or edit (member given). The ID number is fixed once recorded.
function MemberForm({ hh, member, onSaved }) {
  const adding = !member;
  const m = member || { relation: hh && hh.members && hh.members.length ? 'child' : 'self',
    health: 'healthy', education: 'none', labour: 'full', joined: false };
  const [idv, setIdv] = useState('');
  const a = useAction();
  const check = idv ? checkIdNumber(idv) : null;

  function submit(e) {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formData(form);
    const body = { name: v.name.trim(), relation: v.relation, health: v.health, education: v.education,
      labour: v.labour, joined: form.elements.joined.checked };
    const phone = (v.phone || '').trim();
    if (adding) {
      const c = checkIdNumber(v.id_number);
      if (!c.ok) { a.setError(new Error(t('member.id_' + c.reason))); return; }
      body.id_number = c.value;
      if (phone) body.phone = phone;
    } else if (phone) {
      body.phone = phone;
    }
    a.run(async () => {
      const r = adding ? await api('POST', `/households/${hh.id}/members`, body)
        : await api('PATCH', '/members/' + member.id, body);
      onSaved(r);
    });
  }

  const sel = (name, list, label) => html`<label>${t('member.' + name)}<select name=${name}
      data-testid=${'member-' + name}>
    ${list.map((x) => html`<option value=${x} selected=${x === m[name]}>${label(x)}</option>`)}</select></label>`;
  return html`<form class="stack" data-testid=${adding ? 'member-add-form' : 'member-edit-form'} onSubmit=${submit}>
    <div class="grid2">
      <label>${t('member.name')}<input name="name" required maxlength="64" defaultValue=${m.name || ''}
        data-testid="member-name" /></label>
      ${adding ? html`<label>${t('member.id_number')}<input name="id_number" required maxlength="18"
          class="mono" autocomplete="off" spellcheck="false" inputmode="text" value=${idv}
          data-testid="member-id-input" onInput=${(e) => setIdv(e.target.value)} />
        ${check && !check.ok && idv.trim().length >= 18 && html`<span class="field-error" data-testid="member-id-error">
          ${t('member.id_' + check.reason)}</span>`}
        ${check && check.ok && html`<span class="field-ok" data-testid="member-id-ok">
          ${t('member.id_ok', { sex: sexName(check.sex), birth: check.birth })}</span>`}</label>`
        : html`<label>${t('member.id_number')}<input value=${m.id_number} disabled class="mono" /></label>`}
      ${sel('relation', RELATIONS, relName)}
      ${sel('health', HEALTH, healthName)}
      ${sel('education', EDUCATION, eduName)}
      ${sel('labour', LABOUR, labourName)}
      <label>${t('member.phone')}<input name="phone" type="tel" inputmode="tel" maxlength="20" autocomplete="off"
        placeholder=${adding ? '' : t('member.phone_keep')} /></label>
      <label class="check-label"><input type="checkbox" name="joined" defaultChecked=${!!m.joined} />
        ${t('member.joined_q')}</label>
    </div>
    <${ErrorBox} error=${a.error} />
    <button class="btn btn-primary" disabled=${a.busy} data-testid="member-submit">
      ${adding ? t('member.add') : t('common.save')}</button>
  </form>`;
}

// ---- 两不愁三保障 -------------------------------------------------------------------------------

function Guarantees({ hh, edit, onChanged }) {
  const [editing, setEditing] = useState(false);
  const a = useAction();
  const by = new Map((hh.guarantees || []).map((g) => [g.indicator, g]));
  const submit = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    // Only the indicators that changed: each change is one entry in the trail.
    const items = [];
    for (const i of INDICATORS) {
      const was = by.get(i);
      const met = form.elements['met_' + i].checked;
      const note = form.elements['note_' + i].value.trim();
      if (was && was.met === met && (was.note || '') === note) continue;
      const item = { indicator: i, met };
      if (note || (was && was.note)) item.note = note; // the server refuses an empty note
      items.push(item);
    }
    if (!items.length) { setEditing(false); return; }
    a.run(async () => { onChanged(await api('PUT', `/households/${hh.id}/guarantees`, { items })); setEditing(false); });
  };
  return html`<section class="card" data-testid="hh-guarantees">
    <div class="head-row">
      <h2>${t('hh.guarantees')}</h2>
      ${edit && html`<${Toggle} open=${editing} onClick=${() => setEditing(!editing)} testid="guarantees-edit"
        label=${t('hh.edit')} />`}
    </div>
    ${!editing && html`<ul class="list">
      ${INDICATORS.map((i) => {
        const g = by.get(i);
        const st = indState(hh, i);
        return html`<li class="item ind-row"><span class=${'chip ' + IND_CLASS[st]}>
          ${IND_MARK[st]} ${indicatorName(i)}</span>
          <span class="muted small">${t(IND_LABEL[st])}${g && g.note ? ' · ' + g.note : ''}</span></li>`;
      })}
    </ul>`}
    ${editing && html`<form class="stack" data-testid="guarantees-form" onSubmit=${submit}>
      ${INDICATORS.map((i) => {
        const g = by.get(i) || { met: indState(hh, i) === 'met', note: '' };
        return html`<div class="ind-edit">
          <label class="check-label"><input type="checkbox" name=${'met_' + i} defaultChecked=${!!g.met}
            data-testid=${'met-' + i} /> ${indicatorName(i)} · ${t('hh.met')}</label>
          <input name=${'note_' + i} maxlength="200" defaultValue=${g.note || ''} placeholder=${t('hh.note')}
            aria-label=${indicatorName(i) + ' ' + t('hh.note')} />
        </div>`;
      })}
      <${ErrorBox} error=${a.error} />
      <button class="btn btn-primary" disabled=${a.busy} data-testid="guarantees-submit">${t('common.save')}</button>
    </form>`}
  </section>`;
}

// ---- income ---------------------------------------------------------------------------------

function Income({ hh, edit, onChanged }) {
  const incomes = [...(hh.incomes || [])].sort((x, y) => y.year - x.year);
  const [year, setYear] = useState(null);
  const a = useAction();
  const people = Array.isArray(hh.members) ? hh.members.length : hh.members || 0;
  const thisYear = new Date().getFullYear();
  const editing = year !== null;
  const cur = incomes.find((i) => i.year === year) || {};
  const [vals, setVals] = useState({});
  useEffect(() => {
    const v = {};
    for (const k of [...INCOME_SOURCES, 'expenses']) v[k] = cur[k] ?? '';
    setVals(v);
  }, [year]);
  const net = INCOME_SOURCES.reduce((s, k) => s + (Number(vals[k]) || 0), 0) - (Number(vals.expenses) || 0);

  const submit = (e) => {
    e.preventDefault();
    const body = {};
    for (const k of [...INCOME_SOURCES, 'expenses']) body[k] = Math.round(Number(vals[k]) || 0);
    a.run(async () => { onChanged(await api('PUT', `/households/${hh.id}/income/${year}`, body)); setYear(null); });
  };
  return html`<section class="card" data-testid="hh-income">
    <div class="head-row">
      <h2>${t('hh.income')}</h2>
      ${edit && html`<${Toggle} open=${editing} testid="income-edit" label=${t('hh.income_enter')}
        onClick=${() => setYear(editing ? null : (incomes[0] ? incomes[0].year : thisYear))} />`}
    </div>
    ${editing && html`<form class="stack panel" data-testid="income-form" onSubmit=${submit}>
      <label>${t('hh.year')}<select value=${year} onChange=${(e) => setYear(Number(e.target.value))}>
        ${[thisYear, thisYear - 1, thisYear - 2, thisYear - 3].map((y) => html`<option value=${y}>${y}</option>`)}
      </select></label>
      <div class="grid2 money">
        ${[...INCOME_SOURCES, 'expenses'].map((k) => html`<label>${t('hh.inc.' + k)}
          <input type="number" min="0" step="1" inputmode="numeric" name=${k} value=${vals[k]}
            data-testid=${'income-' + k} onInput=${(e) => setVals({ ...vals, [k]: e.target.value })} /></label>`)}
      </div>
      <p class="small">${t('hh.net')}: <strong>${yuan(net)}</strong> ${t('hh.yuan')} ·
        ${t('hh.pci')}: <strong data-testid="income-pci">${people ? yuan(Math.floor(net / people)) : '—'}</strong>
        ${t('hh.yuan')} <span class="muted">(${t('hh.members_n', { n: people })})</span></p>
      <${ErrorBox} error=${a.error} />
      <button class="btn btn-primary" disabled=${a.busy} data-testid="income-submit">${t('common.save')}</button>
    </form>`}
    ${incomes.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    ${incomes.map((i) => html`<div class="income-year" data-testid="income-year" data-year=${i.year}>
      <div class="income-head"><strong>${i.year}</strong>
        <span>${t('hh.pci')} <strong>${yuan(i.per_capita)}</strong> ${t('hh.yuan')}</span></div>
      <dl class="income-dl">
        ${INCOME_SOURCES.map((k) => html`<dt>${t('hh.inc.' + k)}</dt><dd>${yuan(i[k])}</dd>`)}
        <dt>${t('hh.inc.expenses')}</dt><dd>−${yuan(i.expenses)}</dd>
        <dt><strong>${t('hh.net')}</strong></dt><dd><strong>${yuan(i.net)}</strong></dd>
      </dl>
    </div>`)}
  </section>`;
}

// ---- status -------------------------------------------------------------------------------

function Status({ hh, edit, onChanged }) {
  const [open, setOpen] = useState(false);
  const a = useAction();
  const history = [...(hh.status_history || [])].sort((x, y) =>
    String(y.effective_date).localeCompare(String(x.effective_date)) || (y.changed_at || 0) - (x.changed_at || 0));
  const submit = (e) => {
    e.preventDefault();
    const v = formData(e.currentTarget);
    a.run(async () => {
      onChanged(await api('POST', `/households/${hh.id}/status`,
        { status: v.status, effective_date: v.effective_date, reason: v.reason.trim() }));
      setOpen(false);
    });
  };
  return html`<section class="card" data-testid="hh-status-section">
    <div class="head-row">
      <h2>${t('hh.status')} <${StatusBadge} status=${hh.status} /></h2>
      ${edit && html`<${Toggle} open=${open} onClick=${() => setOpen(!open)} testid="status-change"
        label=${t('hh.status_change')} />`}
    </div>
    ${open && html`<form class="stack panel" data-testid="status-form" onSubmit=${submit}>
      <div class="grid2">
        <label>${t('hh.new_status')}<select name="status" data-testid="status-select">
          ${STATUSES.filter((s) => s !== hh.status).map((s) => html`<option value=${s}>${statusName(s)}</option>`)}
        </select></label>
        <label>${t('hh.effective_date')}<input name="effective_date" type="date" required
          defaultValue=${today()} max=${today()} /></label>
      </div>
      <label>${t('hh.reason')}<textarea name="reason" required rows="2" maxlength="500"
        data-testid="status-reason"></textarea></label>
      <${ErrorBox} error=${a.error} />
      <button class="btn btn-primary" disabled=${a.busy} data-testid="status-submit">${t('common.save')}</button>
    </form>`}
    <ul class="list">
      ${history.map((s) => html`<li class="item">
        <div><${StatusBadge} status=${s.status} /> <span class="small">${t('hh.effective_from', { date: fmtDate(s.effective_date) })}</span></div>
        <div class="meta"><span>${s.reason || ''}</span>
          ${s.changed_at && html`<span>${fmtTime(s.changed_at)}</span>`}
          ${s.changed_by && html`<span>${typeof s.changed_by === 'object' ? s.changed_by.name : s.changed_by}</span>`}</div>
      </li>`)}
    </ul>
  </section>`;
}

// ---- help pairs -----------------------------------------------------------------------------

function Helpers({ hh, me, onChanged }) {
  const [adding, setAdding] = useState(false);
  const [ending, setEnding] = useState(null);
  const a = useAction();
  const manage = canPair(me.user.role);
  const pairs = hh.help_pairs || [];
  const active = (p) => !p.end_date || p.end_date >= today();
  const end = (p) => a.run(async () => { await api('DELETE', '/help-pairs/' + p.id); setEnding(null); onChanged(); });
  return html`<section class="card" data-testid="hh-helpers">
    <div class="head-row">
      <h2>${t('hh.helpers')}</h2>
      ${manage && html`<${Toggle} open=${adding} onClick=${() => setAdding(!adding)} testid="helper-add-toggle"
        label=${t('helper.add')} />`}
    </div>
    ${adding && html`<${HelperForm} hh=${hh} onSaved=${() => { setAdding(false); onChanged(); }} />`}
    <ul class="list">
      ${pairs.map((p) => html`<li class=${'item' + (active(p) ? '' : ' ended')} data-testid="helper-item">
        <div class="item-main"><div>
          <strong>${p.cadre_name}</strong> <span class="muted">${p.unit}</span>
          <div class="meta"><span>${fmtDate(p.start_date)} — ${p.end_date ? fmtDate(p.end_date) : t('helper.ongoing')}</span></div>
        </div>
        ${manage && active(p) && (ending === p.id
          ? html`<button type="button" class="btn btn-danger btn-small" disabled=${a.busy}
              data-testid="helper-end-confirm" onClick=${() => end(p)}>${t('helper.end_confirm')}</button>`
          : html`<button type="button" class="btn btn-ghost btn-small" data-testid="helper-end"
              onClick=${() => setEnding(p.id)}>${t('helper.end')}</button>`)}
        </div>
      </li>`)}
    </ul>
    ${pairs.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    <${ErrorBox} error=${a.error} />
  </section>`;
}

function HelperForm({ hh, onSaved }) {
  // Helper cadres usually come from the household's own village; any account in scope may help.
  const users = useLoad(() => api('GET', '/users' + query({ per_page: 200 })), []);
  const a = useAction();
  const list = itemsOf(users.data).filter((u) => !u.disabled && u.role !== 'villager' && u.role !== 'auditor');
  const submit = (e) => {
    e.preventDefault();
    const v = formData(e.currentTarget);
    const body = { cadre_id: Number(v.cadre_id), unit: v.unit.trim(), start_date: v.start_date };
    if (v.end_date) body.end_date = v.end_date;
    a.run(async () => onSaved(await api('POST', `/households/${hh.id}/helpers`, body)));
  };
  return html`<form class="stack panel" data-testid="helper-form" onSubmit=${submit}>
    <div class="grid2">
      <label>${t('helper.cadre')}<select name="cadre_id" required data-testid="helper-cadre">
        <option value="">${users.loading ? t('common.loading') : ''}</option>
        ${list.map((u) => html`<option value=${u.id}>${u.display_name} · ${u.org_name}</option>`)}
      </select></label>
      <label>${t('helper.unit')}<input name="unit" required maxlength="100" placeholder=${t('helper.unit_hint')}
        data-testid="helper-unit" /></label>
      <label>${t('helper.start')}<input name="start_date" type="date" required defaultValue=${today()} /></label>
      <label>${t('helper.end_date')}<input name="end_date" type="date" /></label>
    </div>
    <${ErrorBox} error=${users.error || a.error} />
    <button class="btn btn-primary" disabled=${a.busy} data-testid="helper-submit">${t('helper.add')}</button>
  </form>`;
}

// ---- timeline ------------------------------------------------------------------------------
// The contract names {ts, kind, title, detail, actor}; the server sends the audit record itself
// ({ts, kind, action, actor, actor_name, before, after}). Both are shown; the second is
// described here from its before/after values.

const join = (xs) => xs.filter(Boolean).join(' · ');
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function describe(it, hh) {
  const b = it.before || {}, a = it.after || {};
  const pairs = hh.help_pairs || [];
  switch (it.action) {
    case 'household.create':
      return join([a.number, a.status && statusName(a.status), (a.causes || []).map(causeName).join('、')]);
    case 'household.update': {
      const out = [];
      for (const k of ['number', 'address', 'notes', 'visit_interval_days']) {
        if (!same(b[k], a[k])) out.push(`${t('tl.field.' + k)}: ${b[k] ?? '—'} → ${a[k] ?? '—'}`);
      }
      if (!same(b.causes, a.causes)) out.push(`${t('tl.field.causes')}: ${(a.causes || []).map(causeName).join('、') || '—'}`);
      if (!same(b.lat, a.lat) || !same(b.lon, a.lon)) {
        out.push(`${t('tl.field.location')}: ${typeof a.lat === 'number' ? `${a.lat.toFixed(5)}, ${a.lon.toFixed(5)}` : '—'}`);
      }
      if (!same(b.org_id, a.org_id)) out.push(`${t('tl.field.org')}: ${join([a.village_name, a.org_name])}`);
      return out.join('\n');
    }
    case 'household.status': {
      // The audit record holds the household before/after; the reason is in the status history.
      const h = (hh.status_history || []).find((x) => x.changed_at === it.ts && x.status === a.status);
      const reason = a.reason || (h && h.reason);
      return `${b.status ? statusName(b.status) + ' → ' : ''}${statusName(a.status)}${reason ? ' · ' + reason : ''}`;
    }
    case 'household.guarantee':
      return join([indicatorName(a.indicator), a.met ? t('hh.met') : t('hh.unmet_one'), a.note]);
    case 'household.income': {
      const net = INCOME_SOURCES.reduce((x, k) => x + (Number(a[k]) || 0), 0) - (Number(a.expenses) || 0);
      return t('tl.income', { year: a.year, net: yuan(net) });
    }
    case 'member.create': case 'member.update': case 'member.delete': {
      const m = it.action === 'member.delete' ? b : a;
      return join([m.name, m.relation && relName(m.relation), m.id_number]);
    }
    case 'member.reveal':
      return t('tl.revealed', { field: t(a.field === 'phone' ? 'member.phone' : 'member.id_number') });
    case 'help.assign': {
      const p = pairs.find((x) => x.id === a.help_pair_id) || {};
      return join([p.cadre_name, a.unit, a.start_date && t('tl.since', { date: fmtDate(a.start_date) })]);
    }
    case 'help.end': {
      const p = pairs.find((x) => x.id === (a.help_pair_id || b.help_pair_id)) || {};
      return join([p.cadre_name, a.unit || b.unit, a.end_date && t('tl.ended', { date: fmtDate(a.end_date) })]);
    }
    case 'visit.record':
      return join([a.visited_at && fmtTime(a.visited_at),
        typeof a.distance_m === 'number' ? t('visit.distance', { d: metres(a.distance_m) }) : t('visit.no_distance'),
        a.flagged && t('visit.flagged')]);
    case 'visit.photo':
      return join([a.content_type, typeof a.bytes === 'number' && `${Math.ceil(a.bytes / 1024)} KB`]);
    default:
      return '';
  }
}

function detailText(d) {
  if (d === null || d === undefined || d === '') return '';
  if (typeof d === 'string') return d;
  try { return JSON.stringify(d); } catch { return String(d); }
}

export function Timeline({ hh, tick }) {
  const tl = useLoad(() => api('GET', `/households/${hh.id}/timeline`), [hh.id, tick]);
  const [all, setAll] = useState(false);
  const every = itemsOf(tl.data);
  const items = all ? every : every.slice(0, TIMELINE_FIRST);
  return html`<section class="card" data-testid="hh-timeline">
    <h2>${t('hh.timeline')}</h2>
    ${tl.loading && !tl.data && html`<${Loading} />`}
    <${ErrorBox} error=${tl.error} />
    <ol class="timeline">
      ${items.map((it) => {
        const title = it.title || (it.action ? t('action.' + it.action, it.action) : t('tl.' + it.kind, it.kind));
        const detail = it.action ? describe(it, hh) : detailText(it.detail);
        const who = it.actor_name || it.actor;
        return html`<li class=${'tl tl-' + it.kind} data-testid="timeline-item" data-kind=${it.kind}
            data-action=${it.action || ''}>
          <div class="tl-head"><span class=${'badge tl-kind tl-kind-' + it.kind}>${t('tl.' + it.kind, it.kind)}</span>
            <strong>${title}</strong></div>
          ${detail && html`<div class="tl-detail">${detail}</div>`}
          <div class="meta"><span>${fmtTime(it.ts)}</span>${who && html`<span>${who}</span>`}</div>
        </li>`;
      })}
    </ol>
    ${every.length > items.length && html`<button type="button" class="btn btn-block" data-testid="timeline-more"
      onClick=${() => setAll(true)}>${t('tl.more', { n: every.length - items.length })}</button>`}
    ${tl.data && every.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
  </section>`;
}
