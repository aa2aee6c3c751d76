// Supervision tab 今日 (today): a map of each secretary's last position (green inside the village
// fence, red outside, grey where the village has no fence), who has not checked in yet, each
// secretary's windows, open spot checks counting down to their deadline and open inquiries, all
// reloaded live from the event stream. Supervisors send spot checks (约请) to one secretary or to N
// at random in a town, and may cancel an open one.
import { html } from 'htm/preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { api, query } from '../api.js';
import { t } from '../i18n.js';
import { go, useLoad, loadOrgs, ErrorBox, Loading, formData, itemsOf } from '../ui.js';
import { loadLeaflet, baseMap } from '../leaflet.js';
import { learnServerNow, serverNow, countyDay, hhmm, dayTime } from './clock.js';
import {
  canSupervise, countySettings, loadBoundaries, outlineLayer, townsOf, NodeSelect, useLive, personName, villageName, clockSpan,
} from './supervise.js';

const FALLBACK = { center: [29.9, 103.4], zoom: 10 }; // when nothing says where to look
const LIVE = ['checkin', 'spot_check', 'spot_check_answered', 'inquiry', 'resync']; // 'resync': (re)connected

// 'in', 'out', 'none' (no fence: the server leaves `inside` null) or 'nopos' (no position yet).
function place(last) {
  if (!last) return 'nopos';
  if (last.inside === true || last.inside === 1) return 'in';
  if (last.inside === false || last.inside === 0) return 'out';
  return 'none';
}
const flagsOf = (x) => (Array.isArray(x) ? x : String(x || '').split(',')).filter(Boolean);

export function Flags({ flags }) {
  const list = flagsOf(flags);
  if (!list.length) return null;
  return html`<span class="chips">${list.map((f) => html`<span class="chip chip-bad" data-flag=${f}>
    ${t('sup.flag.' + f, f)}</span>`)}</span>`;
}

export function PlaceBadge({ last }) {
  const p = place(last);
  return html`<span class=${'badge duty-place duty-' + p} data-testid="sec-place" data-place=${p}>
    ${t('sup.place.' + p)}</span>`;
}

// Window chips: "08:30–09:30 met", the status as a colour and a word. A window is an object
// {start, end, status} ("HH:MM" or Unix times) or, in the today view, just its status with the
// day's windows `defs` ({start, end, start_at, end_at, state}) giving the times. The server says
// met as soon as a qualifying check-in falls in a window; one still pending shows whether it is
// to come, open now, or closed and waiting for the duty job.
const clock = (v) => (typeof v === 'number' ? hhmm(v) : v);
function windowStatus(status, def) {
  if (status && status !== 'pending') return status;
  if (!def) return 'pending';
  return def.state === 'open' ? 'open' : def.state === 'closed' ? 'closed' : 'pending';
}

export function WindowChips({ windows, defs }) {
  if (!windows || !windows.length) return null;
  return html`<span class="chips">${windows.map((w, i) => {
    const o = typeof w === 'string' ? { status: w } : w;
    const def = (defs || [])[i] || {};
    const status = windowStatus(o.status, defs && def);
    const start = clock(o.start ?? def.start), end = clock(o.end ?? def.end);
    return html`<span class=${'chip duty-win win-' + status} data-testid="win" data-status=${status}>
      ${start && end ? `${start}–${end} ` : ''}${t('sup.win.' + status, status)}</span>`;
  })}</span>`;
}

export function TodayTab({ me, params }) {
  const role = me.user.role;
  const orgId = params.get('org_id') || '';
  const orgs = useLoad(() => loadOrgs(), []);
  const today = useLoad(() => api('GET', '/duty/today' + query({ org_id: orgId }))
    .then((d) => { learnServerNow(d.now); return d; }), [orgId]);
  useLive(LIVE, today.reload);
  const d = today.data;
  const secs = (d && d.secretaries) || [];
  const towns = townsOf(orgs.data || []);

  return html`<section class="card" data-testid="today">
      <div class="head-row">
        <h1>${t('sup.today.title')}</h1>
        <span class="muted small" data-testid="today-day">${d ? d.day : ''}${d && d.working === false
          ? ' · ' + t('sup.today.not_working') : ''}</span>
      </div>
      ${towns.length > 1 && html`<div class="filters">
        <${NodeSelect} nodes=${towns} value=${orgId} empty=${t('common.all')} label=${t('sup.town')}
          testid="today-town" onChange=${(v) => go('/supervise', { tab: 'today', org_id: v })} /></div>`}
      ${d && html`<${Summary} d=${d} />`}
      ${d && d.windows && d.windows.length > 0 && html`<p class="small muted top0">${t('sup.today.windows',
        { list: d.windows.map((w) => `${w.start}–${w.end}`).join(t('sup.sep')) })}</p>`}
    </section>
    <${ErrorBox} error=${today.error} />
    <${SecretaryMap} secs=${secs} role=${role} day=${d && d.day} />
    ${today.loading && !d && html`<${Loading} />`}
    ${d && html`
      <${NotCheckedIn} d=${d} />
      <${OpenSpotChecks} items=${d.open_spot_checks || []} secs=${secs} role=${role}
        onChange=${today.reload} />
      <${SecretaryList} secs=${secs} d=${d} role=${role} onSent=${today.reload} />
      ${canSupervise(role) && html`<${RandomSpot} towns=${towns} defaultTown=${orgId} onSent=${today.reload} />`}
      <${OpenInquiries} items=${d.open_inquiries || []} secs=${secs} />`}`;
}

function Summary({ d }) {
  const secs = d.secretaries || [];
  const cells = [
    ['secretaries', secs.length], ['checked_in', secs.filter((s) => s.checked_in_today).length],
    ['not_checked_in', (d.not_checked_in || []).length],
    ['open_spot', (d.open_spot_checks || []).length], ['open_inquiries', (d.open_inquiries || []).length],
  ];
  return html`<dl class="duty-figures" data-testid="today-summary">
    ${cells.map(([k, v]) => html`<div class=${'fig-' + k} data-testid=${'today-' + k}><dt>${t('sup.today.' + k)}</dt>
      <dd>${v}</dd></div>`)}
  </dl>`;
}

// ---- the map ----------------------------------------------------------------------------------

// A secretary's dot; a position from an earlier day than `day` is drawn faded.
function dotIcon(L, s, day) {
  const p = place(s.last);
  const stale = countyDay(s.last.at) !== day;
  const div = document.createElement('span');
  div.className = 'duty-dot duty-bg-' + p + (stale ? ' duty-stale' : '');
  div.dataset.testid = 'sup-marker';
  div.dataset.user = s.id;
  div.dataset.place = p;
  div.dataset.stale = stale ? '1' : '0';
  return L.divIcon({ className: 'duty-marker', html: div, iconSize: [22, 22], iconAnchor: [11, 11] });
}

// A marker's popup: who, where, when (built as DOM text: names are never parsed as HTML).
function popupBox(x) {
  const box = document.createElement('div');
  const name = box.appendChild(document.createElement('strong'));
  name.textContent = `${personName(x)} · ${villageName(x)}`;
  box.appendChild(document.createElement('br'));
  box.appendChild(document.createTextNode(`${dayTime(x.last.at)} · ${t('sup.place.' + place(x.last))}`));
  return box;
}

function SecretaryMap({ secs, role, day }) {
  const el = useRef(null);
  const st = useRef({});
  const [error, setError] = useState(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let dead = false;
    (async () => {
      try {
        const [L, gj] = await Promise.all([loadLeaflet(), loadBoundaries(role)]);
        if (dead || !el.current) return;
        const s = st.current;
        const map = baseMap(L, el.current, s);
        s.layer = L.featureGroup().addTo(map);
        if (gj) {
          s.bounds = outlineLayer(s, gj, () => ({ color: '#8f2420', weight: 1, dashArray: '4 3', fillColor: '#fff7e6',
            fillOpacity: 0.35 }));
        }
        map.setView(FALLBACK.center, FALLBACK.zoom);
        setReady(true);
      } catch (e) { if (!dead) setError(e); }
    })();
    return () => {
      dead = true;
      if (st.current.map) { st.current.map.remove(); st.current.map = null; }
    };
  }, []);

  // Markers follow the data; the view fits them the first time there are any.
  useEffect(() => {
    const s = st.current;
    if (!ready || !s.map) return;
    const L = s.L;
    s.layer.clearLayers();
    for (const x of secs) {
      if (!x.last || typeof x.last.lat !== 'number') continue;
      const m = L.marker(s.datum.show(x.last.lat, x.last.lon), { icon: dotIcon(L, x, day), title: personName(x), keyboard: true });
      m.bindTooltip(personName(x), { direction: 'top', offset: [0, -10] });
      m.bindPopup(() => popupBox(x));
      m.addTo(s.layer);
    }
    if (!s.fitted) {
      const b = s.layer.getLayers().length ? s.layer.getBounds() : s.bounds && s.bounds.getBounds();
      // No animation: a zoom still running when the page is left throws inside Leaflet (_leaflet_pos).
      if (b && b.isValid()) {
        s.map.fitBounds(b.pad(0.2), { maxZoom: 15, animate: false });
        s.fitted = s.layer.getLayers().length > 0;
      }
    }
  }, [secs, ready, day]);

  return html`<div class="map-wrap">
    <div ref=${el} class="map duty-map" data-testid="today-map" role="region" aria-label=${t('sup.today.map')}></div>
    ${!ready && !error && html`<div class="map-loading"><${Loading} /></div>`}
    <div class="legend">
      ${['in', 'out', 'none'].map((p) => html`<span><i class=${'duty-dot duty-bg-' + p}></i>${t('sup.place.' + p)}</span>`)}
      <span><i class="duty-dot duty-bg-none duty-stale"></i>${t('sup.today.stale')}</span>
    </div>
    <${ErrorBox} error=${error} />
  </div>`;
}

// ---- lists ------------------------------------------------------------------------------------

const byId = (secs) => new Map(secs.map((s) => [String(s.id), s]));

function NotCheckedIn({ d }) {
  const m = byId(d.secretaries || []);
  const ids = d.not_checked_in || [];
  return html`<section class="card" data-testid="not-checked-in">
    <h2>${t('sup.today.not_checked_in')} <span class="badge warn">${ids.length}</span></h2>
    ${ids.length === 0 ? html`<p class="muted">${t('sup.today.all_in')}</p>` : html`<ul class="chips duty-names">
      ${ids.map((id) => { const s = m.get(String(id)); return html`<li class="chip" data-testid="missing" data-user=${id}>
        ${s ? personName(s) : '#' + id}${s && villageName(s) ? ' · ' + villageName(s) : ''}</li>`; })}</ul>`}
  </section>`;
}

// The server's clock (seconds), ticking, for countdowns.
function useNow() {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const id = setInterval(() => setNow(serverNow()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

function OpenSpotChecks({ items, secs, role, onChange }) {
  const now = useNow();
  const m = byId(secs);
  const [error, setError] = useState(null);
  async function cancel(id) {
    setError(null);
    try { await api('POST', `/duty/spot-checks/${id}/cancel`); onChange(); } catch (e) { setError(e); }
  }
  return html`<section class="card" data-testid="open-spots">
    <h2>${t('sup.spot.open')} <span class="badge">${items.length}</span></h2>
    ${items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    <ul class="list">${items.map((c) => {
      const s = m.get(String(c.user_id)) || c;
      const left = (c.deadline_at || 0) - now;
      return html`<li class="item" data-testid="open-spot" data-id=${c.id} data-user=${c.user_id}>
        <div class="item-main"><div>
          <strong>${personName(c.name || c.user_name ? c : s)}</strong>
          <div class="meta"><span>${villageName(c) || villageName(s)}</span>
            <span>${t('sup.spot.asked_at', { time: hhmm(c.requested_at) })}</span>
            ${c.note && html`<span class="pre">${c.note}</span>`}</div></div>
          <span class=${'badge duty-countdown' + (left <= 0 ? ' warn' : '')} data-testid="spot-countdown">
            ${left > 0 ? t('sup.spot.left', { time: clockSpan(left) }) : t('sup.spot.due')}</span>
        </div>
        ${canSupervise(role) && html`<button type="button" class="btn btn-ghost" data-testid=${'spot-cancel-' + c.id}
          onClick=${() => cancel(c.id)}>${t('sup.spot.cancel')}</button>`}
      </li>`;
    })}</ul>
    <${ErrorBox} error=${error} />
  </section>`;
}

function SecretaryList({ secs, d, role, onSent }) {
  const [open, setOpen] = useState(null); // user id whose spot-check form is open
  const [sent, setSent] = useState(null);
  const missing = new Set((d.not_checked_in || []).map(String));
  const asked = new Set((d.open_spot_checks || []).map((c) => String(c.user_id)));
  return html`<section class="card" data-testid="sec-list">
    <h2>${t('sup.today.secretaries')}</h2>
    ${sent && html`<p class="ok" role="status" data-testid="spot-ok">${sent}</p>`}
    ${secs.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    <ul class="list">${secs.map((s) => html`<li class="item duty-sec" key=${s.id} data-testid="sec-row" data-id=${s.id}
        data-checked=${missing.has(String(s.id)) ? '0' : '1'} data-last=${s.last ? s.last.at : ''}>
      <div class="item-main">
        <div>
          <strong data-testid="sec-name">${personName(s)}</strong>
          <div class="meta"><span>${villageName(s)}</span>
            <span>${s.last ? t('sup.today.last_at', { time: countyDay(s.last.at) === d.day ? hhmm(s.last.at) : dayTime(s.last.at) })
              : t('sup.today.no_position')}</span>
            ${s.excused && html`<span class="badge duty-excused">${t('sup.today.excused')}</span>`}
            ${asked.has(String(s.id)) && html`<span class="badge warn" data-testid="sec-asked">${t('sup.today.open_spot')}</span>`}
            <${Flags} flags=${s.last && s.last.flags} /></div>
          <div class="meta"><${WindowChips} windows=${s.windows} defs=${d.windows} /></div>
        </div>
        <${PlaceBadge} last=${s.last} />
      </div>
      ${canSupervise(role) && (open === s.id
        ? html`<${SpotForm} users=${[s]} onDone=${(msg) => { setOpen(null); if (msg) { setSent(msg); onSent(); } }} />`
        : html`<button type="button" class="btn btn-outline" data-testid=${'spot-' + s.id}
            onClick=${() => { setSent(null); setOpen(s.id); }}>${t('sup.spot.ask')}</button>`)}
    </li>`)}</ul>
  </section>`;
}

// The spot-check form: for the given users, or (town set) N at random in a town.
function SpotForm({ users, town, onDone }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function submit(e) {
    e.preventDefault();
    const v = formData(e.currentTarget);
    const body = { deadline_minutes: Number(v.deadline_minutes) };
    if (v.note.trim()) body.note = v.note.trim();
    if (town) Object.assign(body, { town_id: Number(town), count: Number(v.count) });
    else body.user_ids = users.map((u) => u.id);
    setBusy(true); setError(null);
    try {
      const sent = itemsOf(await api('POST', '/duty/spot-checks', body));
      if (sent[0]) learnServerNow(sent[0].requested_at);
      const n = sent.length;
      onDone(town ? t('sup.spot.sent_n', { n }) : t('sup.spot.sent', { name: users.map(personName).join('、') }));
    } catch (err) { setError(err); } finally { setBusy(false); }
  }
  return html`<form class="stack duty-spot-form" data-testid=${town ? 'spot-random-form' : 'spot-form'} onSubmit=${submit}>
    <div class="grid2">
      ${town && html`<label>${t('sup.spot.count')}<input name="count" type="number" min="1" max="50" required
        inputmode="numeric" defaultValue="2" data-testid="spot-count" /></label>`}
      <label>${t('sup.spot.deadline')}<input name="deadline_minutes" type="number" min="1" max="240" required
        inputmode="numeric" defaultValue=${countySettings().spot_deadline_min || 15}
        data-testid="spot-deadline" /></label>
      <label>${t('sup.spot.note')}<input name="note" maxlength="200" placeholder=${t('sup.spot.note_hint')}
        data-testid="spot-note" /></label>
    </div>
    <${ErrorBox} error=${error} />
    <div class="actions">
      <button class="btn btn-primary" disabled=${busy} data-testid=${town ? 'spot-random-send' : 'spot-send'}>
        ${t('sup.spot.send')}</button>
      <button type="button" class="btn" onClick=${() => onDone(null)}>${t('common.cancel')}</button>
    </div>
  </form>`;
}

function RandomSpot({ towns, defaultTown, onSent }) {
  const [town, setTown] = useState(defaultTown || (towns[0] && String(towns[0].id)) || '');
  const [open, setOpen] = useState(false);
  const [sent, setSent] = useState(null);
  useEffect(() => { if (!town && towns[0]) setTown(String(towns[0].id)); }, [towns.length]);
  if (!towns.length) return null;
  return html`<section class="card" data-testid="spot-random">
    <div class="head-row"><h2>${t('sup.spot.random')}</h2>
      ${!open && html`<button type="button" class="btn" data-testid="spot-random-open"
        onClick=${() => { setSent(null); setOpen(true); }}>${t('sup.spot.random_open')}</button>`}</div>
    ${sent && html`<p class="ok" role="status" data-testid="spot-random-ok">${sent}</p>`}
    ${open && html`${towns.length > 1 && html`<${NodeSelect} nodes=${towns} value=${town} label=${t('sup.town')}
        testid="spot-random-town" onChange=${setTown} />`}
      <${SpotForm} town=${town} onDone=${(msg) => { setOpen(false); if (msg) { setSent(msg); onSent(); } }} />`}
  </section>`;
}

function OpenInquiries({ items, secs }) {
  const m = byId(secs);
  return html`<section class="card" data-testid="open-inquiries">
    <div class="head-row"><h2>${t('sup.today.open_inquiries')} <span class="badge">${items.length}</span></h2>
      <a class="btn" href="#/supervise?tab=cases" data-testid="to-cases">${t('sup.today.to_cases')}</a></div>
    ${items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
    <ul class="list">${items.map((q) => {
      const s = m.get(String(q.user_id)) || q;
      return html`<li class="item" data-testid="open-inquiry" data-id=${q.id}>
        <strong>${personName(q.name || q.user_name ? q : s)}</strong>
        <div class="meta"><span>${q.day}</span><span>${inquiryWhat(q)}</span></div></li>`;
    })}</ul>
  </section>`;
}

// What an inquiry is about: a missed window (its number) or a failed spot check.
export function inquiryWhat(q) {
  if (q.kind === 'spot_check') return t('sup.inq.kind_spot');
  const w = q.window || (q.start && q.end ? { start: q.start, end: q.end } : null);
  if (w && w.start) return t('sup.inq.kind_window_at', { start: w.start, end: w.end });
  return t('sup.inq.kind_window', { n: (q.window_idx ?? 0) + 1 });
}
