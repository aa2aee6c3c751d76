// Follow-up visits (走访): recording one on the spot with the phone's GPS, a household's visit
// list with its photos, a helper cadre's "my households" (#/my) and the overdue ledger (#/visits/overdue).
import { html } from 'htm/preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { api, query } from './api.js';
import { t } from './i18n.js';
import { go, useLoad, loadOrgs, OrgSelect, ErrorBox, Loading, fmtTime, itemsOf } from './ui.js';
import { HouseholdCard, daysUntil, fmtDate, metres, NEXT_DUE_SOON } from './households.js';
import { locate, distanceM } from './leaflet.js';

// Worse than this the fix says little about where the phone is.
const POOR_ACCURACY_M = 100;
// The server takes photos up to 5 MiB (JPEG, PNG or WebP).
const PHOTO_MAX = 5 * 1024 * 1024;

export function RecordVisit({ hh, open: openAtStart, onRecorded }) {
  const [open, setOpen] = useState(!!openAtStart);
  const [pos, setPos] = useState(null); // {lat, lon, accuracy}
  const [gps, setGps] = useState(null); // null | 'busy' | error code
  const [notes, setNotes] = useState('');
  const [photo, setPhoto] = useState(null); // a File, uploaded once the visit is recorded
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null); // the Visit the server recorded

  async function fix() {
    setGps('busy');
    try { setPos(await locate()); setGps(null); } catch (e) { setPos(null); setGps(e.message); }
  }
  useEffect(() => { if (open && !pos && !done) fix(); }, [open]);
  // Arriving from "record visit" on a list: bring the form into view.
  const card = useRef(null);
  useEffect(() => {
    if (openAtStart && card.current) card.current.scrollIntoView({ block: 'start' });
  }, []);

  async function submit(e) {
    e.preventDefault();
    const body = { notes: notes.trim() };
    if (pos) Object.assign(body, { lat: pos.lat, lon: pos.lon, accuracy: Math.round(pos.accuracy * 10) / 10 });
    setBusy(true); setError(null);
    let v = null;
    try {
      v = await api('POST', `/households/${hh.id}/visits`, body);
      if (photo) {
        const p = await api('POST', `/visits/${v.id}/photos`, photo, { type: photo.type || 'application/octet-stream' });
        v = { ...v, photos: [...(v.photos || []), { id: p.id, url: p.url }] };
      }
    } catch (err) { setError(err); }
    setBusy(false);
    if (!v) return;
    // The visit stands even when its photo failed: the error stays in view.
    setDone(v);
    setNotes('');
    setPhoto(null);
    setPos(null);
    onRecorded(v);
    if (!photo || (v.photos || []).length) setOpen(false);
  }

  const hasHome = typeof hh.lat === 'number' && typeof hh.lon === 'number';
  const preview = pos && hasHome ? distanceM(pos.lat, pos.lon, hh.lat, hh.lon) : null;
  return html`<section class="card visit-card" data-testid="visit-record" ref=${card}>
    <div class="head-row">
      <h2>${t('visit.record')}</h2>
      <button type="button" class=${'btn' + (open ? '' : ' btn-primary')} data-testid="visit-open"
        aria-expanded=${open} onClick=${() => { setOpen(!open); setDone(null); }}>
        ${open ? t('common.close') : t('visit.record_now')}</button>
    </div>
    ${done && html`<div class=${done.flagged ? 'notice warn-box' : 'ok-box'} role="status" data-testid="visit-done"
        data-flagged=${done.flagged ? '1' : '0'}>
      <strong>${t('visit.recorded')}</strong>
      ${done.distance_m !== null && done.distance_m !== undefined
        ? html` ${t('visit.distance', { d: metres(done.distance_m) })}` : html` ${t('visit.no_distance')}`}
      ${done.flagged && html`<p class="small" data-testid="visit-flagged">${t('visit.flagged_hint')}</p>`}
    </div>`}
    ${open && html`<form class="stack" data-testid="visit-form" onSubmit=${submit}>
      <div class="gps-box" data-testid="visit-gps">
        ${gps === 'busy' && html`<span class="muted">${t('gps.busy')}</span>`}
        ${pos && html`<span><span class="mono" data-testid="visit-pos">${pos.lat.toFixed(6)}, ${pos.lon.toFixed(6)}</span>
          <span class=${pos.accuracy > POOR_ACCURACY_M ? 'badge warn' : 'badge'} data-testid="visit-accuracy">
            ${t('loc.accuracy', { m: Math.round(pos.accuracy) })}</span></span>`}
        ${preview !== null && html`<span class=${'small' + (preview > 500 ? ' warn-text' : ' muted')}>
          ${t('visit.distance_preview', { d: metres(preview) })}</span>`}
        ${gps && gps !== 'busy' && html`<span class="warn-text" role="alert">${t('gps.' + gps, t('gps.unavailable'))}
          ${' '}${t('visit.no_gps')}</span>`}
        <button type="button" class="btn btn-small" onClick=${fix} disabled=${gps === 'busy'}
          data-testid="visit-relocate">${t('visit.relocate')}</button>
      </div>
      <label>${t('visit.notes')}<textarea name="notes" rows="4" maxlength="4000" required value=${notes}
        placeholder=${t('visit.notes_hint')} data-testid="visit-notes"
        onInput=${(e) => setNotes(e.target.value)}></textarea></label>
      <label>${t('visit.photo')}<input type="file" name="photo" accept="image/*" capture="environment"
        data-testid="visit-photo" onChange=${(e) => {
          const f = e.target.files && e.target.files[0];
          if (f && f.size > PHOTO_MAX) {
            e.target.value = '';
            setPhoto(null);
            setError({ message: t('visit.photo_too_large') });
            return;
          }
          setError(null);
          setPhoto(f || null);
        }} /></label>
      <p class="muted small">${t('visit.photo_hint')}</p>
      <${ErrorBox} error=${error} />
      <button class="btn btn-primary btn-block" disabled=${busy || gps === 'busy'} data-testid="visit-submit">
        ${t('visit.submit')}</button>
    </form>`}
  </section>`;
}

export function VisitList({ householdId, tick }) {
  const list = useLoad(() => api('GET', `/households/${householdId}/visits`), [householdId, tick]);
  const items = itemsOf(list.data);
  return html`<section class="card" data-testid="hh-visits">
    <h2>${t('visit.list')} ${list.data && html`<span class="badge">${list.data.total ?? items.length}</span>`}</h2>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    <ul class="list">
      ${items.map((v) => html`<li class=${'item' + (v.flagged ? ' flagged' : '')} data-testid="visit-item">
        <div><strong>${fmtTime(v.visited_at)}</strong> <span>${v.cadre_name}</span>
          ${v.flagged && html` <span class="badge warn">${t('visit.flagged')}</span>`}</div>
        ${v.notes && html`<div class="pre">${v.notes}</div>`}
        <div class="meta">
          ${v.distance_m !== null && v.distance_m !== undefined
            ? html`<span>${t('visit.distance', { d: metres(v.distance_m) })}</span>`
            : html`<span>${t('visit.no_distance')}</span>`}
          ${v.accuracy && html`<span>${t('loc.accuracy', { m: Math.round(v.accuracy) })}</span>`}
        </div>
        ${(v.photos || []).length > 0 && html`<div class="visit-photos" data-testid="visit-photos">
          ${v.photos.map((p) => html`<a href=${p.url} target="_blank" rel="noopener" key=${p.id}>
            <img src=${p.url} alt=${t('visit.photo_alt')} loading="lazy" width="96" height="96"
              style="object-fit: cover; border-radius: 4px; margin: 4px 4px 0 0" /></a>`)}
        </div>`}
      </li>`)}
    </ul>
    ${list.data && items.length === 0 && html`<p class="muted">${t('visit.none')}</p>`}
  </section>`;
}

// ---- my households --------------------------------------------------------------------------

const dueKey = (h) => {
  const d = daysUntil(h.next_visit_due);
  return d === null ? 1e9 : d;
};

export function MyHouseholdsPage() {
  const list = useLoad(() => api('GET', '/me/households'), []);
  const items = [...itemsOf(list.data)].sort((a, b) => dueKey(a) - dueKey(b));
  const overdue = items.filter((h) => dueKey(h) < 0).length;
  return html`<section class="card">
      <h1>${t('my.title')}</h1>
      ${list.data && html`<p class="muted small" data-testid="my-summary">
        ${t('my.summary', { n: items.length })}${overdue ? ' · ' : ''}
        ${overdue > 0 && html`<strong class="warn-text" data-testid="my-overdue">${t('my.overdue', { n: overdue })}</strong>`}</p>`}
    </section>
    <section class="card">
      ${list.loading && html`<${Loading} />`}
      <${ErrorBox} error=${list.error} />
      <ul class="hh-list" data-testid="my-list">
        ${items.map((h) => {
          const d = dueKey(h);
          return html`<${HouseholdCard} key=${h.id} h=${h} noHelpers
            cls=${d < 0 ? 'due-over-card' : d <= NEXT_DUE_SOON ? 'due-soon-card' : ''}
            actions=${html`<a class="btn btn-primary btn-small" data-testid="my-record"
              href=${'#/households/' + h.id + query({ visit: 1 })}>${t('visit.record_now')}</a>`} />`;
        })}
      </ul>
      ${list.data && items.length === 0 && html`<p class="muted">${t('my.none')}</p>`}
    </section>`;
}

// ---- overdue ledger -------------------------------------------------------------------------

function CountBars({ rows, idKey, label, onPick, active, testid }) {
  const max = Math.max(1, ...rows.map((r) => r.overdue || 0));
  return html`<ul class="count-bars" data-testid=${testid}>
    ${rows.map((r) => html`<li>
      <button type="button" class=${'count-row' + (String(r[idKey]) === String(active) ? ' active' : '')}
          onClick=${() => onPick(String(r[idKey]) === String(active) ? '' : r[idKey])}>
        <span class="count-name">${r.name}</span>
        <span class="bar-track"><span class="bar-fill warn-fill" style=${`width:${(100 * (r.overdue || 0)) / max}%`}></span></span>
        <span class="count-n">${r.overdue}</span>
      </button></li>`)}
    ${rows.length === 0 && html`<li class="muted">${label}</li>`}
  </ul>`;
}

export function OverduePage({ params }) {
  const f = { org_id: params.get('org_id') || '', cadre_id: params.get('cadre_id') || '' };
  const key = JSON.stringify(f);
  const orgs = useLoad(() => loadOrgs(), []);
  const data = useLoad(() => api('GET', '/visits/overdue' + query(f)), [key]);
  const set = (patch) => go('/visits/overdue', { ...f, ...patch });
  const d = data.data || {};
  const items = itemsOf(d);
  return html`<section class="card">
      <h1>${t('overdue.title')}</h1>
      <div class="filters">
        <label class="wide">${t('hh.org')}
          <${OrgSelect} orgs=${orgs.data || []} value=${f.org_id} empty=${t('common.all')}
            onChange=${(v) => set({ org_id: v })} testid="overdue-org" /></label>
      </div>
      ${data.data && html`<p class="small" data-testid="overdue-total">
        ${t('overdue.total', { n: d.total ?? items.length })}</p>`}
    </section>
    ${data.loading && html`<section class="card"><${Loading} /></section>`}
    <${ErrorBox} error=${data.error} />
    ${data.data && html`<div class="two-col">
      <section class="card">
        <h2>${t('overdue.by_cadre')}</h2>
        <${CountBars} rows=${d.by_cadre || []} idKey="cadre_id" label=${t('common.none')} active=${f.cadre_id}
          onPick=${(v) => set({ cadre_id: v })} testid="overdue-by-cadre" />
      </section>
      <section class="card">
        <h2>${t('overdue.by_village')}</h2>
        <${CountBars} rows=${d.by_village || []} idKey="org_id" label=${t('common.none')} active=${f.org_id}
          onPick=${(v) => set({ org_id: v })} testid="overdue-by-village" />
      </section>
    </div>
    <section class="card">
      <h2>${t('overdue.list')}</h2>
      <ul class="hh-list" data-testid="overdue-list">
        ${items.map((it) => html`<${HouseholdCard} key=${it.household.id} h=${it.household} noDue
          extra=${html`<div class="meta"><span class="badge due-over">${t('visit.overdue_days', { n: it.days_overdue })}</span>
            <span>${t('overdue.due', { date: fmtDate(it.due) })}</span></div>`} />`)}
      </ul>
      ${items.length === 0 && html`<p class="muted">${t('overdue.none')}</p>`}
    </section>`}`;
}
