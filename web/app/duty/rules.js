// Supervision tab 规则 (rules): the county's duty settings (working weekdays, check-in windows,
// the thresholds that flag a check-in, the default spot-check deadline, how long tracks are kept
// and the escalation ladder), the holiday calendar of a year (public holidays off, weekend days
// worked in their place) and each village's geofence, drawn on the map as a polygon or set as a
// radius around a point. Settings and calendar: the county admin; fences: admin and town
// officials; the auditor reads all of it.
import { html } from 'htm/preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { api, query } from '../api.js';
import { t, getLang } from '../i18n.js';
import { useLoad, loadOrgs, ErrorBox, Loading, formData } from '../ui.js';
import { metres } from '../households.js';
import { loadLeaflet, baseMap, locate, distanceM } from '../leaflet.js';
import { countyDay } from './clock.js';
import { canSupervise, canSetRules, loadBoundaries, outlineLayer, villagesOf, NodeSelect, YearSelect } from './supervise.js';

export function RulesTab({ me, params }) {
  const role = me.user.role;
  const fences = html`<${Geofences} role=${role} initialVillage=${params.get('village') || ''} />`;
  // What the user may change comes first: a town official edits fences, the admin everything.
  return html`${!canSetRules(role) && fences}
    <${Settings} write=${canSetRules(role)} />
    <${Calendar} write=${canSetRules(role)} initialYear=${Number(params.get('year')) || 0} />
    ${canSetRules(role) && fences}`;
}

// ---- settings ---------------------------------------------------------------------------------

const WEEK = [1, 2, 3, 4, 5, 6, 0]; // Monday first, as a Chinese calendar shows it
const NUMBERS = [
  ['accuracy_max_m', 1, 100000], ['speed_max_kmh', 1, 2000], ['clock_skew_s', 1, 86400],
  ['spot_deadline_min', 1, 1440], ['retention_days', 1, 36500],
];
const LADDER = [['notice_misses', 1, 100], ['notice_days', 1, 366], ['interview_notices', 1, 100],
  ['recall_notices', 1, 100]];

// The escalation thresholds live under "escalation" (or, in a flat answer, beside the rest).
const ladderOf = (s) => s.escalation || s;

function Settings({ write }) {
  const data = useLoad(() => api('GET', '/duty/settings'), []);
  const [windows, setWindows] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const s = data.data;
  useEffect(() => { if (s) setWindows((s.windows || []).map((w) => ({ ...w }))); }, [s]);

  async function save(e) {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formData(form);
    const body = { workdays: WEEK.filter((d) => form.elements['wd' + d].checked).sort(), windows };
    for (const [k] of NUMBERS) body[k] = Number(v[k]);
    const ladder = Object.fromEntries(LADDER.map(([k]) => [k, Number(v[k])]));
    if (s.escalation) body.escalation = ladder; else Object.assign(body, ladder);
    setBusy(true); setError(null); setSaved(false);
    try { await api('PATCH', '/duty/settings', body); setSaved(true); data.reload(); } catch (err) { setError(err); }
    finally { setBusy(false); }
  }
  const setWin = (i, k, val) => setWindows(windows.map((w, j) => (j === i ? { ...w, [k]: val } : w)));

  return html`<section class="card" data-testid="rules-settings">
    <h1>${t('sup.rules.title')}</h1>
    ${data.loading && !s && html`<${Loading} />`}
    <${ErrorBox} error=${data.error} />
    ${s && windows && html`<form class="stack" data-testid="settings-form" onSubmit=${save}>
      <fieldset class="duty-fieldset" disabled=${!write}>
        <legend>${t('sup.rules.workdays')}</legend>
        <div class="checks-row">${WEEK.map((d) => html`<label class="check-chip">
          <input type="checkbox" name=${'wd' + d} defaultChecked=${(s.workdays || []).includes(d)}
            data-testid=${'set-workday-' + d} />${t('sup.wd.' + d)}</label>`)}</div>
      </fieldset>
      <fieldset class="duty-fieldset" disabled=${!write} data-testid="set-windows">
        <legend>${t('sup.rules.windows')}</legend>
        ${windows.map((w, i) => html`<div class="duty-window-row" data-testid="set-window">
          <label>${t('sup.rules.start')}<input type="time" required value=${w.start} data-testid=${'set-window-start-' + i}
            onInput=${(e) => setWin(i, 'start', e.target.value)} /></label>
          <label>${t('sup.rules.end')}<input type="time" required value=${w.end} data-testid=${'set-window-end-' + i}
            onInput=${(e) => setWin(i, 'end', e.target.value)} /></label>
          ${write && html`<button type="button" class="btn btn-ghost" aria-label=${t('sup.remove')}
            onClick=${() => setWindows(windows.filter((_, j) => j !== i))}>✕</button>`}
        </div>`)}
        ${write && windows.length < 6 && html`<button type="button" class="btn" data-testid="set-window-add"
          onClick=${() => setWindows([...windows, { start: '14:30', end: '15:30' }])}>${t('sup.rules.add_window')}</button>`}
      </fieldset>
      <fieldset class="duty-fieldset" disabled=${!write}>
        <legend>${t('sup.rules.checks')}</legend>
        <div class="grid2">${NUMBERS.map(([k, min, max]) => html`<label>${t('sup.set.' + k)}
          <input type="number" name=${k} min=${min} max=${max} required inputmode="numeric" defaultValue=${s[k]}
            data-testid=${'set-' + k} /></label>`)}</div>
      </fieldset>
      <fieldset class="duty-fieldset" disabled=${!write}>
        <legend>${t('sup.rules.ladder')}</legend>
        <p class="small muted top0">${t('sup.rules.ladder_hint')}</p>
        <div class="grid2">${LADDER.map(([k, min, max]) => html`<label>${t('sup.set.' + k)}
          <input type="number" name=${k} min=${min} max=${max} required inputmode="numeric" defaultValue=${ladderOf(s)[k]}
            data-testid=${'set-' + k} /></label>`)}</div>
      </fieldset>
      <${ErrorBox} error=${error} />
      ${saved && html`<p class="ok" role="status" data-testid="settings-saved">${t('sup.saved')}</p>`}
      ${write ? html`<button class="btn btn-primary" disabled=${busy} data-testid="settings-save">${t('common.save')}</button>`
        : html`<p class="muted small">${t('sup.rules.read_only')}</p>`}
    </form>`}
  </section>`;
}

// ---- holiday calendar -------------------------------------------------------------------------

// The year's exceptions, a folded list per month (a year holds some 40 of them); dates added
// since the last save stay on top, open, until saved.
let rowSeq = 0;
const calRow = (d, fresh = false) => ({ key: ++rowSeq, day: d.day || '', working: !!d.working, name: d.name || '', fresh });
const monthName = (m) => new Date(2000, m - 1, 1).toLocaleString(getLang(), { month: 'long' });

function Calendar({ write, initialYear }) {
  const [year, setYear] = useState(initialYear || Number(countyDay().slice(0, 4)));
  const data = useLoad(() => api('GET', '/duty/calendar' + query({ year })), [year]);
  const [rows, setRows] = useState([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setRows((data.data ? data.data.days || [] : []).map((d) => calRow(d)));
  }, [data.data]);

  const edit = (next) => { setSaved(false); setRows(next); };
  const setRow = (key, patch) => edit(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  async function save(e) {
    e.preventDefault();
    const days = rows.filter((r) => r.day).map((r) => ({ day: r.day, working: r.working, name: r.name.trim() }))
      .sort((a, b) => a.day.localeCompare(b.day));
    setBusy(true); setError(null); setSaved(false);
    try { await api('PUT', `/duty/calendar/${year}`, { days }); setSaved(true); data.reload(); } catch (err) { setError(err); }
    finally { setBusy(false); }
  }

  const row = (r) => html`<li class="item duty-cal-row" key=${r.key} data-testid="cal-row" data-day=${r.day}>
    <input type="date" required value=${r.day} min=${year + '-01-01'} max=${year + '-12-31'} aria-label=${t('sup.cal.day')}
      data-testid="cal-day" onInput=${(e) => setRow(r.key, { day: e.target.value })} />
    <select value=${r.working ? '1' : '0'} aria-label=${t('sup.cal.kind')} data-testid="cal-working"
        onChange=${(e) => setRow(r.key, { working: e.target.value === '1' })}>
      <option value="0">${t('sup.cal.holiday')}</option><option value="1">${t('sup.cal.workday')}</option></select>
    <input value=${r.name} maxlength="40" placeholder=${t('sup.cal.name')} aria-label=${t('sup.cal.name')}
      data-testid="cal-name" onInput=${(e) => setRow(r.key, { name: e.target.value })} />
    ${write && html`<button type="button" class="btn btn-ghost" aria-label=${t('sup.remove')}
      onClick=${() => edit(rows.filter((x) => x.key !== r.key))}>✕</button>`}
  </li>`;
  const fresh = rows.filter((r) => r.fresh);
  const months = [...new Set(rows.filter((r) => !r.fresh).map((r) => Number(r.day.slice(5, 7))))].sort((x, y) => x - y);

  return html`<section class="card" data-testid="rules-calendar">
    <div class="head-row"><h2>${t('sup.cal.title')}</h2>
      <${YearSelect} value=${year} testid="cal-year" onChange=${(y) => { setSaved(false); setYear(y); }} /></div>
    <p class="small muted top0">${t('sup.cal.hint')}</p>
    ${data.loading && !data.data && html`<${Loading} />`}
    <${ErrorBox} error=${data.error} />
    <form onSubmit=${save}>
      <fieldset class="duty-fieldset bare" disabled=${!write}>
        ${fresh.length > 0 && html`<ul class="list cal-fresh">${fresh.map(row)}</ul>`}
        ${months.map((m) => {
          const mine = rows.filter((r) => !r.fresh && Number(r.day.slice(5, 7)) === m);
          const off = mine.filter((r) => !r.working).length;
          return html`<details class="cal-month" key=${m} data-testid="cal-month" data-month=${m}>
            <summary>${monthName(m)} · ${t('sup.cal.month_sum', { off, on: mine.length - off })}
              <span class="muted small"> ${[...new Set(mine.map((r) => r.name).filter(Boolean))].join('、')}</span></summary>
            <ul class="list">${mine.map(row)}</ul>
          </details>`;
        })}
      </fieldset>
      ${data.data && rows.length === 0 && html`<p class="muted">${t('sup.cal.empty')}</p>`}
      <${ErrorBox} error=${error} />
      ${saved && html`<p class="ok" role="status" data-testid="cal-saved">${t('sup.saved')}</p>`}
      ${write && html`<div class="actions">
        <button type="button" class="btn" data-testid="cal-add"
          onClick=${() => edit([calRow({}, true), ...rows])}>${t('sup.cal.add')}</button>
        <button class="btn btn-primary" disabled=${busy} data-testid="cal-save">${t('common.save')}</button>
      </div>`}
    </form>
  </section>`;
}

// ---- village geofences ------------------------------------------------------------------------

const DEFAULT_RADIUS = 500;
const FALLBACK = { center: [29.9, 103.4], zoom: 10 };

// The editor's draft from a stored fence: {mode, pts: [[lat,lon]…], center: [lat,lon]|null, radius}.
function draftOf(g) {
  const d = { mode: 'polygon', pts: [], center: null, radius: DEFAULT_RADIUS, stored: false };
  if (!g) return d;
  if (Array.isArray(g.polygon) && g.polygon.length) return { ...d, pts: g.polygon.map((p) => [p[0], p[1]]), stored: true };
  const c = g.center || (typeof g.center_lat === 'number' ? [g.center_lat, g.center_lon] : null);
  if (c) return { ...d, mode: 'circle', center: [c[0], c[1]], radius: g.radius_m || DEFAULT_RADIUS, stored: true };
  return d;
}

function Geofences({ role, initialVillage }) {
  const write = canSupervise(role);
  const orgs = useLoad(() => loadOrgs(), []);
  const villages = villagesOf(orgs.data || []);
  const [village, setVillage] = useState(initialVillage);
  useEffect(() => { if (!village && villages[0]) setVillage(String(villages[0].id)); }, [villages.length]);
  return html`<section class="card" data-testid="rules-fence">
    <h2>${t('sup.fence.title')}</h2>
    <p class="small muted top0">${t(write ? 'sup.fence.hint' : 'sup.fence.hint_read')}</p>
    <${ErrorBox} error=${orgs.error} />
    ${villages.length > 0 && html`<div class="filters"><${NodeSelect} nodes=${villages} value=${village}
      label=${t('sup.village')} testid="fence-village" onChange=${setVillage} /></div>`}
    ${village && html`<${FenceEditor} key=${village} orgId=${village} write=${write} role=${role} />`}
  </section>`;
}

function FenceEditor({ orgId, write, role }) {
  const el = useRef(null);
  const st = useRef({});
  const [ready, setReady] = useState(false);
  const [draft, setDraft] = useState(null);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const draftRef = useRef(draft);
  draftRef.current = draft;

  // The map, the village's outline, and the stored fence.
  useEffect(() => {
    let dead = false;
    (async () => {
      try {
        const [L, fence, gj] = await Promise.all([loadLeaflet(), loadFence(orgId),
          loadBoundaries(role)]);
        if (dead || !el.current) return;
        const s = st.current;
        const map = baseMap(L, el.current, s, { doubleClickZoom: false });
        // The village's own outline bold, its neighbours faint; the view fits the village, else them all.
        const own = (f) => String(f.properties && f.properties.org_id) === String(orgId);
        const outline = gj && outlineLayer(s, gj, (f) => (own(f)
          ? { color: '#8f2420', weight: 2, dashArray: '4 3', fillOpacity: 0.08 }
          : { color: '#8f2420', weight: 1, opacity: 0.4, dashArray: '2 4', fillOpacity: 0 }));
        const mine = outline && outline.getLayers().filter((l) => own(l.feature));
        s.shape = L.featureGroup().addTo(map);
        map.on('click', (e) => {
          const d = draftRef.current;
          if (!write || !d) return;
          const p = s.datum.store(e.latlng.lat, e.latlng.lng).map((x) => Number(x.toFixed(6)));
          setSaved(false);
          setDraft(d.mode === 'polygon' ? { ...d, pts: [...d.pts, p] } : { ...d, center: p });
        });
        const d = draftOf(fence);
        setDraft(d);
        const b = drawDraft(d);
        if (b && b.isValid()) map.fitBounds(b.pad(0.3), { maxZoom: 17 });
        else if (mine && mine.length) map.fitBounds(L.featureGroup(mine).getBounds().pad(0.2), { maxZoom: 16 });
        else if (outline && outline.getBounds().isValid()) map.fitBounds(outline.getBounds(), { maxZoom: 16 });
        else map.setView(FALLBACK.center, FALLBACK.zoom);
        setReady(true);
      } catch (e) { if (!dead) setError(e); }
    })();
    return () => {
      dead = true;
      if (st.current.map) { st.current.map.remove(); st.current.map = null; }
    };
  }, [orgId]);

  // The draft on the map: polygon with its vertices, or circle with its centre. Returns its bounds.
  function drawDraft(d) {
    const s = st.current;
    if (!s.map || !d) return null;
    const L = s.L;
    const show = (p) => s.datum.show(p[0], p[1]);
    s.shape.clearLayers();
    const style = { color: '#1d4f91', weight: 2, fillOpacity: 0.15, interactive: false };
    if (d.mode === 'polygon' && d.pts.length) {
      (d.pts.length >= 3 ? L.polygon(d.pts.map(show), style) : L.polyline(d.pts.map(show), style)).addTo(s.shape);
      d.pts.forEach((p) => L.circleMarker(show(p), { radius: 5, color: '#1d4f91', fillColor: '#fff', fillOpacity: 1,
        weight: 2, interactive: false, className: 'fence-vertex' }).addTo(s.shape));
    } else if (d.mode === 'circle' && d.center) {
      L.circle(show(d.center), { ...style, radius: d.radius || DEFAULT_RADIUS }).addTo(s.shape);
      L.circleMarker(show(d.center), { radius: 5, color: '#1d4f91', fillColor: '#1d4f91', fillOpacity: 1,
        interactive: false, className: 'fence-vertex' }).addTo(s.shape);
    }
    return s.shape.getLayers().length ? s.shape.getBounds() : null;
  }
  useEffect(() => { if (ready) drawDraft(draft); }, [draft, ready]);

  const change = (patch) => { setSaved(false); setDraft({ ...draft, ...patch }); };
  const valid = draft && (draft.mode === 'polygon' ? draft.pts.length >= 3 : !!draft.center && draft.radius > 0);

  async function save() {
    const body = draft.mode === 'polygon' ? { polygon: draft.pts } : { center: draft.center, radius_m: Number(draft.radius) };
    setBusy(true); setError(null);
    try { await api('PUT', `/org/${orgId}/geofence`, body); setSaved(true); setDraft({ ...draft, stored: true }); }
    catch (e) { setError(e); } finally { setBusy(false); }
  }
  async function here() {
    setError(null);
    try {
      const p = await locate();
      change({ center: [Number(p.lat.toFixed(6)), Number(p.lon.toFixed(6))] });
      const s = st.current;
      if (s.map) s.map.setView(s.datum.show(p.lat, p.lon), 16);
    } catch (e) { setError(new Error(t('gps.' + e.message, t('gps.unavailable')))); }
  }

  return html`<div class="fence-editor" data-testid="fence-editor" data-org=${orgId}>
    ${draft && write && html`<div class="seg" role="radiogroup" aria-label=${t('sup.fence.mode')}>
      ${['polygon', 'circle'].map((m) => html`<button type="button" role="radio" aria-checked=${draft.mode === m}
        class=${'btn' + (draft.mode === m ? ' btn-primary' : '')} data-testid=${'fence-mode-' + m}
        onClick=${() => change({ mode: m })}>${t('sup.fence.mode_' + m)}</button>`)}
    </div>`}
    <div class="map-wrap">
      <div ref=${el} class=${'map duty-map' + (write ? ' fence-drawing' : '')} data-testid="fence-map"></div>
      ${!ready && !error && html`<div class="map-loading"><${Loading} /></div>`}
    </div>
    ${draft && html`<p class="small" data-testid="fence-state" data-mode=${draft.mode} data-stored=${draft.stored ? '1' : '0'}>
      ${draft.mode === 'polygon'
        ? t('sup.fence.vertices', { n: draft.pts.length })
        : draft.center ? t('sup.fence.circle', { lat: draft.center[0].toFixed(6), lon: draft.center[1].toFixed(6), r: draft.radius })
          : t('sup.fence.no_center')}
      ${!draft.stored && ' · ' + t('sup.fence.unsaved')}
      ${draft.mode === 'polygon' && draft.pts.length >= 3 && ' · ' + t('sup.fence.perimeter', { m: metres(perimeter(draft.pts)) })}
    </p>`}
    ${draft && write && html`<div class="actions">
      ${draft.mode === 'circle' && html`<label class="fence-radius">${t('sup.fence.radius')}
        <input type="number" min="20" max="20000" step="10" inputmode="numeric" value=${draft.radius} data-testid="fence-radius"
          onInput=${(e) => change({ radius: Number(e.target.value) })} /></label>
        <button type="button" class="btn" data-testid="fence-gps" onClick=${here}>${t('sup.fence.here')}</button>`}
      ${draft.mode === 'polygon' && html`<button type="button" class="btn" data-testid="fence-undo"
        disabled=${!draft.pts.length} onClick=${() => change({ pts: draft.pts.slice(0, -1) })}>${t('sup.fence.undo')}</button>
        <button type="button" class="btn" data-testid="fence-clear" disabled=${!draft.pts.length}
          onClick=${() => change({ pts: [] })}>${t('sup.fence.clear')}</button>`}
      <button type="button" class="btn btn-primary" data-testid="fence-save" disabled=${!valid || busy}
        onClick=${save}>${t('sup.fence.save')}</button>
    </div>`}
    <${ErrorBox} error=${error} />
    ${saved && html`<p class="ok" role="status" data-testid="fence-saved">${t('sup.fence.saved')}</p>`}
  </div>`;
}

// The stored fence of a village, or null when it has none (404).
async function loadFence(orgId) {
  try {
    const g = await api('GET', `/org/${orgId}/geofence`);
    return g && (g.geofence !== undefined ? g.geofence : g);
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

const perimeter = (pts) => pts.reduce((sum, p, i) => {
  const q = pts[(i + 1) % pts.length];
  return sum + distanceM(p[0], p[1], q[0], q[1]);
}, 0);
