// The first secretary's duty page (#/duty, 值守): today's check-in windows, the big check-in
// button (phone GPS, optional note and photo), open spot checks (约请) arriving live with a
// countdown, recent check-ins, leave and official-trip requests, the phones that report by
// themselves (Traccar Client setup) and the inquiries about the secretary, read-only.
import { html } from 'htm/preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { api, query } from '../api.js';
import { t } from '../i18n.js';
import { useLoad, ErrorBox, Loading, itemsOf } from '../ui.js';
import { metres } from '../households.js';
import { locate } from '../leaflet.js';
import { subscribe, isLive } from './events.js';
import { learnServerNow, serverNow, setCountyOffset, countyDay, hhmm, dayTime } from './clock.js';
import { newRef, keep, pending, flush } from './outbox.js';

const RECENT_DAYS = 7;                  // the check-in list reaches this far back
const PHOTO_MAX = 5 * 1024 * 1024;      // the server takes photos up to 5 MiB (JPEG, PNG or WebP)
const PHOTO_TIMEOUT_MS = 120000;        // a photo on a weak signal takes a while
const GPS_TIMEOUT_MS = 20000;
const LIVE_RELOAD_MS = 500;
const SPOT_LIST_MAX = 20;               // spot checks fetched per status (newest first)
const OUTBOX_RETRY_MS = 30000;          // a queued check-in is tried again this often (and when online)

// ---- time: the county's local clock (clock.js), whatever the phone's time zone ---------------

const addDays = (day, n) => new Date(Date.parse(day + 'T00:00:00Z') + n * 86400000).toISOString().slice(0, 10);

function countdown(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  return `${mm}:${String(s % 60).padStart(2, '0')}`;
}

// ---- words for codes -----------------------------------------------------------------------

const flagText = (f) => t('duty.flag.' + f, f);

// inside: true, false or null (the village has no fence yet).
function PlaceBadge({ inside }) {
  if (inside === null || inside === undefined) {
    return html`<span class="badge" data-testid="place" data-inside="">${t('duty.no_fence')}</span>`;
  }
  return html`<span class=${'badge ' + (inside ? 'ok-badge' : 'warn')} data-testid="place"
    data-inside=${inside ? '1' : '0'}>${inside ? t('duty.inside') : t('duty.outside')}</span>`;
}

// ---- the page --------------------------------------------------------------------------------

export function DutyPage({ me }) {
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((n) => n + 1);
  const settings = useLoad(() => api('GET', '/duty/settings'), []);
  if (settings.data) setCountyOffset(settings.data.utc_offset_min);
  const windows = settings.data ? settings.data.windows : [];
  const spots = useSpotChecks(me.user.id, refresh);
  const [answered, setAnswered] = useState(null); // the spot checks the last check-in answered
  const checkIn = useRef(() => {}); // the check-in card's action, also run from the banner

  function checkedIn(c) {
    learnServerNow(c.received_at);
    const ids = c.spot_checks || [];
    if (ids.length) setAnswered(spots.items.filter((x) => ids.includes(x.id)));
    spots.drop(ids);
    refresh();
  }

  return html`<div class="duty-page" data-testid="duty-page">
    <${SpotBanner} items=${spots.items} answered=${answered} onCheckIn=${() => checkIn.current()} />
    <${CheckinCard} userId=${me.user.id} skew=${settings.data ? settings.data.clock_skew_s : 600} tick=${tick}
      live=${spots.live} start=${checkIn} onCheckedIn=${checkedIn} />
    <${RecentCheckins} tick=${tick} />
    <${Leaves} />
    <${Devices} />
    <${Inquiries} windows=${windows} tick=${tick} />
  </div>`;
}

// Spot checks a check-in still answers: open ones, and those past their deadline (no_answer)
// requested today, which a check-in turns into "late".
function answerable(x) {
  return !x.checkin_id && (x.status === 'open'
    || (x.status === 'no_answer' && countyDay(x.requested_at) === countyDay(serverNow())));
}

// The spot checks to answer: loaded at start and on every (re)connection, then kept by live events.
function useSpotChecks(userId, onChange) {
  const [items, setItems] = useState([]);
  const [live, setLive] = useState(isLive());
  useEffect(() => {
    let gone = false;
    const keep = (x) => answerable(x);
    const list = (status) => api('GET', '/duty/spot-checks' + query({ status, per_page: SPOT_LIST_MAX })).then(itemsOf);
    const load = () => Promise.all([list('open'), list('no_answer')])
      .then(([open, late]) => { if (!gone) setItems([...open, ...late].filter(keep)); }, () => {});
    const mine = (x) => x && (x.user_id === undefined || x.user_id === userId);
    let timer = 0; // a burst of events reloads the lists once
    const changed = () => { clearTimeout(timer); timer = setTimeout(onChange, LIVE_RELOAD_MS); };
    const offs = [
      subscribe('resync', () => { setLive(true); load(); }),
      subscribe('down', () => setLive(false)),
      subscribe('spot_check', (x) => {
        if (!mine(x)) return;
        learnServerNow(x.requested_at);
        setItems((now) => [...now.filter((y) => y.id !== x.id), ...(keep(x) ? [x] : [])]);
      }),
      subscribe('spot_check_answered', (x) => {
        if (!mine(x)) return;
        setItems((now) => now.filter((y) => y.id !== x.id));
        changed();
      }),
      // A position from a phone that reports by itself (Traccar Client) shows up at once too,
      // and so does an inquiry the town opens.
      subscribe('checkin', (x) => { if (mine(x)) changed(); }),
      subscribe('inquiry', (x) => { if (mine(x)) changed(); }),
    ];
    load();
    return () => { gone = true; clearTimeout(timer); offs.forEach((off) => off()); };
  }, [userId]);
  const drop = (ids) => setItems((list) => list.filter((x) => !ids.includes(x.id)));
  return { items, live, drop };
}

// ---- spot-check banner -------------------------------------------------------------------------

function SpotBanner({ items, answered, onCheckIn }) {
  const [, setNow] = useState(0);
  const box = useRef(null);
  const seen = useRef(new Set());
  useEffect(() => {
    if (!items.length) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [items.length]);
  // A new request: bring the banner into view and buzz the phone where it can.
  useEffect(() => {
    const fresh = items.some((x) => !seen.current.has(x.id));
    items.forEach((x) => seen.current.add(x.id));
    if (!fresh || !box.current) return;
    box.current.scrollIntoView({ block: 'start', behavior: 'smooth' });
    // Browsers refuse (and complain) before the first tap on the page.
    if (navigator.vibrate && navigator.userActivation && navigator.userActivation.hasBeenActive) navigator.vibrate([300, 150, 300]);
  }, [items]);
  if (!items.length) {
    return answered && answered.length ? html`<p class="ok-box" role="status" data-testid="spot-answered">
      ${t('duty.spot_answered', { n: answered.length })}</p>` : null;
  }
  const sorted = [...items].sort((a, b) => a.deadline_at - b.deadline_at);
  return html`<section class="spot-banner" role="alert" ref=${box} data-testid="spot-banner" data-ids=${sorted.map((x) => x.id).join(',')}>
    <h2>${t('duty.spot_title')}</h2>
    ${sorted.map((x) => {
      const left = x.status === 'no_answer' ? 0 : x.deadline_at - serverNow();
      return html`<div class="spot-one" data-testid="spot-item" data-id=${x.id} key=${x.id}>
        <div class="spot-count" role="timer" data-testid="spot-countdown" data-late=${left <= 0 ? '1' : '0'}>
          ${left > 0 ? countdown(left) : t('duty.spot_overdue')}</div>
        <div class="small">
          ${t('duty.spot_by', { who: x.requested_by_name || t('duty.supervisor'),
            at: hhmm(x.requested_at), until: hhmm(x.deadline_at) })}
          ${x.note && html`<div class="pre spot-note">${x.note}</div>`}
        </div>
      </div>`;
    })}
    <p class="small spot-how">${t('duty.spot_how')}</p>
    <button type="button" class="btn btn-block spot-go" data-testid="spot-go" onClick=${onCheckIn}>
      ${t('duty.spot_go')}</button>
  </section>`;
}

// ---- the check-in card -----------------------------------------------------------------------

function CheckinCard({ userId, skew, tick, live, start, onCheckedIn }) {
  const today = useLoad(() => api('GET', '/duty/today').then((d) => { learnServerNow(d.now); return d; }), [tick]);
  const [phase, setPhase] = useState(null); // null | 'locating' | 'sending'
  const [gpsError, setGpsError] = useState(null); // a locate() code
  const [error, setError] = useState(null);
  const [photoError, setPhotoError] = useState(null);
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState(null);
  const [photoKey, setPhotoKey] = useState(0); // remounts the file input to clear it
  const [done, setDone] = useState(null); // the check-in the server stored
  const [queued, setQueued] = useState(() => pending(userId)); // check-ins waiting for the network

  // Send what waits in the outbox; show the result for `ref` (the check-in just made), or the last sent.
  async function send(ref) {
    const r = await flush(userId, PHOTO_TIMEOUT_MS);
    setQueued(pending(userId));
    if (r.dropped.length) setError(r.dropped[r.dropped.length - 1].error);
    if (!r.sent.length) return;
    const shown = r.sent.find((x) => x.ref === ref) || r.sent[r.sent.length - 1];
    if (shown.c.photo_error) setPhotoError(shown.c.photo_error);
    setDone(shown.c);
    onCheckedIn(shown.c);
  }

  // Queued check-ins go as soon as the network is back, and every OUTBOX_RETRY_MS meanwhile.
  useEffect(() => {
    if (!queued.length) return undefined;
    const retry = () => { if (navigator.onLine !== false) send(null); };
    const timer = setInterval(retry, OUTBOX_RETRY_MS);
    window.addEventListener('online', retry);
    return () => { clearInterval(timer); window.removeEventListener('online', retry); };
  }, [queued.length]);
  useEffect(() => { if (queued.length) send(null); }, []);

  async function checkIn() {
    if (phase) return;
    setGpsError(null); setError(null); setPhotoError(null); setDone(null);
    if (window.isSecureContext === false) { setGpsError('insecure'); return; }
    setPhase('locating');
    let pos;
    try { pos = await locate({ timeout: GPS_TIMEOUT_MS }); } catch (e) {
      setPhase(null);
      setGpsError(e.message);
      return;
    }
    // Into the outbox first, so that a lost connection, or the page closed while sending, keeps it.
    const item = { ref: newRef(), lat: pos.lat, lon: pos.lon, accuracy: Math.round(pos.accuracy * 10) / 10, taken: Date.now() };
    if (note.trim()) item.note = note.trim();
    await keep(userId, item, photo);
    setQueued(pending(userId));
    setNote('');
    setPhoto(null);
    setPhotoKey((k) => k + 1);
    setPhase('sending');
    try { await send(item.ref); } finally { setPhase(null); }
  }

  function pickPhoto(e) {
    const f = e.target.files && e.target.files[0];
    setPhotoError(null);
    if (f && f.size > PHOTO_MAX) {
      e.target.value = '';
      setPhoto(null);
      setPhotoError({ message: t('duty.photo_too_large') });
      return;
    }
    setPhoto(f || null);
  }

  start.current = checkIn;
  const busy = phase !== null;
  return html`<section class="card duty-card" data-testid="checkin-card">
    <div class="head-row">
      <h1>${t('duty.title')}</h1>
      <span class=${'live-dot' + (live ? ' on' : '')} data-testid="live-status" data-live=${live ? '1' : '0'}
        title=${live ? t('duty.live_on') : t('duty.live_off')}>${live ? t('duty.live_on') : t('duty.live_off')}</span>
    </div>
    <${TodayWindows} today=${today} />
    <button type="button" class="checkin-btn" data-testid="checkin-button" disabled=${busy}
        aria-busy=${busy} onClick=${checkIn}>
      <span class="checkin-main">${phase === 'locating' ? t('duty.locating')
        : phase === 'sending' ? t('duty.sending') : t('duty.checkin')}</span>
      <span class="checkin-sub">${t('duty.checkin_sub')}</span>
    </button>
    ${gpsError && html`<p class="error" role="alert" data-testid="checkin-gps-error" data-code=${gpsError}>
      ${t('duty.gps.' + gpsError, t('duty.gps.unavailable'))}</p>`}
    <${ErrorBox} error=${error} testid="checkin-error" />
    ${queued.length > 0 && !busy && html`<${Outbox} items=${queued} skew=${skew} onRetry=${() => send(null)} />`}
    ${done && html`<${CheckinResult} c=${done} />`}
    <${ErrorBox} error=${photoError} testid="checkin-photo-error" />
    <details class="checkin-extra" data-testid="checkin-extra">
      <summary>${t('duty.extra')}</summary>
      <label>${t('duty.note')}<textarea rows="2" maxlength="500" value=${note} data-testid="checkin-note"
        placeholder=${t('duty.note_hint')} onInput=${(e) => setNote(e.target.value)}></textarea></label>
      <label>${t('duty.photo')}<input key=${photoKey} type="file" accept="image/*" capture="environment"
        data-testid="checkin-photo" onChange=${pickPhoto} /></label>
      <p class="muted small">${t('duty.extra_hint')}</p>
    </details>
  </section>`;
}

// Today's county windows ({start, end, state: upcoming|open|closed}) with the secretary's status in
// each (the one row a secretary's /duty/today holds: themselves).
function TodayWindows({ today }) {
  const d = today.data || {};
  const mine = (d.secretaries || [])[0] || {};
  const wins = (d.windows || []).map((w, i) => ({ ...w, status: (mine.windows || [])[i] || 'pending' }));
  return html`<div class="duty-today" data-testid="duty-windows">
    <div class="small muted">
      ${d.day || countyDay(serverNow())}
      ${d.working === false && html` · <strong data-testid="duty-not-working">${t('duty.not_working')}</strong>`}
      ${mine.excused && html` · <strong>${t('duty.excused_today')}</strong>`}
    </div>
    ${today.loading && !today.data && html`<${Loading} />`}
    <${ErrorBox} error=${today.error} testid="duty-today-error" />
    <ul class="win-list">
      ${wins.map((w) => {
        const shown = w.status === 'pending' && w.state === 'open' ? 'open' : w.status;
        return html`<li class=${'win win-' + shown} data-testid="duty-window" data-status=${w.status}
            data-state=${w.state} key=${w.idx}>
          <span class="win-time">${w.start}–${w.end}</span>
          <span class=${'badge win-badge win-' + shown}>${t('duty.win.' + shown, shown)}</span>
        </li>`;
      })}
    </ul>
    ${today.data && d.working !== false && !wins.length && html`<p class="muted small">${t('duty.no_windows')}</p>`}
  </div>`;
}

// Check-ins kept on the phone until the network is back: when each position was taken (server
// time, as the page knows it) and what counts (within skew seconds: the time taken).
// (Not shown while the button's own check-in is on its way: it is not known to be waiting yet.)
function Outbox({ items, skew, onRetry }) {
  const takenAt = (x) => serverNow() - (Date.now() - x.taken) / 1000;
  return html`<div class="notice warn-box" role="status" data-testid="checkin-queued" data-count=${items.length}>
    <strong>${t('duty.queued', { n: items.length })}</strong>
    <div class="small">${t('duty.queued_how', { min: Math.round(skew / 60) })}</div>
    <ul class="small">${items.map((x) => html`<li key=${x.ref}>${t('duty.queued_one', { at: hhmm(takenAt(x)) })}
      ${x.photo && html` · ${t('duty.queued_photo')}`}</li>`)}</ul>
    <button type="button" class="btn" data-testid="checkin-retry" onClick=${onRetry}>
      ${t('duty.queued_retry')}</button>
  </div>`;
}

function CheckinResult({ c }) {
  const flags = c.flags || [];
  const good = c.inside !== false && !flags.length;
  const box = useRef(null);
  useEffect(() => { box.current.scrollIntoView({ block: 'nearest', behavior: 'smooth' }); }, [c.id]);
  return html`<div class=${good ? 'ok-box' : 'notice warn-box'} role="status" ref=${box} data-testid="checkin-result"
      data-id=${c.id} data-inside=${c.inside === null || c.inside === undefined ? '' : c.inside ? '1' : '0'}
      data-flags=${flags.join(',')}>
    <strong>${t('duty.done', { at: hhmm(c.at) })}</strong>
    <div class="meta"><${PlaceBadge} inside=${c.inside} />
      ${typeof c.accuracy === 'number' && html`<span data-testid="checkin-accuracy">
        ${t('duty.accuracy', { m: metres(c.accuracy) })}</span>`}</div>
    ${flags.length > 0 && html`<ul class="flag-list" data-testid="checkin-flags">
      ${flags.map((f) => html`<li data-flag=${f}>${t('duty.flag_long.' + f, flagText(f))}</li>`)}</ul>`}
    ${(c.spot_checks || []).length > 0 && html`<div data-testid="checkin-answered">
      ${t('duty.answered_spot', { n: c.spot_checks.length })}</div>`}
    ${c.photo_sent && html`<div class="small">${t('duty.photo_sent')}</div>`}
  </div>`;
}

// ---- recent check-ins --------------------------------------------------------------------------

function RecentCheckins({ tick }) {
  const to = countyDay(serverNow());
  const from = addDays(to, 1 - RECENT_DAYS);
  const list = useLoad(() => api('GET', '/duty/checkins' + query({ from, to, per_page: 200 })), [from, to, tick]);
  const items = [...itemsOf(list.data)].sort((a, b) => b.at - a.at);
  const days = [];
  for (const c of items) {
    const day = countyDay(c.at);
    if (!days.length || days[days.length - 1].day !== day) days.push({ day, items: [] });
    days[days.length - 1].items.push(c);
  }
  return html`<section class="card" data-testid="checkin-list">
    <h2>${t('duty.recent', { n: RECENT_DAYS })}
      ${list.data && html`<span class="badge" data-testid="checkin-count">${list.data.total ?? items.length}</span>`}</h2>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    ${days.map((g) => html`<div class="ci-day" key=${g.day}>
      <h4>${g.day === to ? t('duty.today_short') : g.day}</h4>
      <ul class="list">${g.items.map((c) => html`<${CheckinRow} c=${c} key=${c.id} />`)}</ul>
    </div>`)}
    ${list.data && !items.length && html`<p class="muted">${t('duty.no_checkins')}</p>`}
  </section>`;
}

function CheckinRow({ c }) {
  const flags = c.flags || [];
  return html`<li class=${'item' + (flags.length ? ' flagged' : '')} data-testid="checkin-item" data-id=${c.id}
      data-flags=${flags.join(',')}>
    <div class="ci-head"><strong class="ci-time">${hhmm(c.at)}</strong>
      <${PlaceBadge} inside=${c.inside} />
      ${flags.filter((f) => f !== 'outside').map((f) => html`<span class="badge warn">${flagText(f)}</span>`)}</div>
    <div class="meta">
      <span>${t('duty.source.' + c.source, c.source)}</span>
      ${typeof c.accuracy === 'number' && html`<span>${t('duty.accuracy', { m: metres(c.accuracy) })}</span>`}
      ${(c.spot_checks || []).length > 0 && html`<span>${t('duty.answered_spot', { n: c.spot_checks.length })}</span>`}
    </div>
    ${c.note && html`<div class="pre small">${c.note}</div>`}
    ${(c.photos || []).length > 0 && html`<div class="ci-photos">
      ${c.photos.map((p) => {
        const url = p.url || `/api/v1/duty/checkin-photos/${p.id}`;
        return html`<a href=${url} target="_blank" rel="noopener" key=${p.id}>
          <img src=${url} alt=${t('duty.photo')} loading="lazy" width="72" height="72" /></a>`;
      })}</div>`}
  </li>`;
}

// ---- leave and official trips ----------------------------------------------------------------

const LEAVE_KINDS = ['leave', 'trip'];

function Leaves() {
  const [tick, setTick] = useState(0);
  const list = useLoad(() => api('GET', '/duty/leaves' + query({ per_page: 50 })), [tick]);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [cancelling, setCancelling] = useState(null);
  const items = [...itemsOf(list.data)].sort((a, b) => String(b.start_day).localeCompare(String(a.start_day)));
  const todayDay = countyDay(serverNow());

  async function run(fn) {
    setBusy(true); setError(null);
    try { await fn(); setTick((n) => n + 1); return true; } catch (e) { setError(e); return false; } finally { setBusy(false); }
  }
  async function submit(e) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = { kind: f.get('kind'), start_day: f.get('start_day'), end_day: f.get('end_day'),
      reason: String(f.get('reason')).trim() };
    if (await run(() => api('POST', '/duty/leaves', body))) setOpen(false);
  }
  return html`<section class="card" data-testid="leaves">
    <div class="head-row">
      <h2>${t('duty.leaves')}</h2>
      <button type="button" class=${'btn btn-small' + (open ? '' : ' btn-outline')} data-testid="leave-new"
        aria-expanded=${open} onClick=${() => setOpen(!open)}>${open ? t('common.close') : t('duty.leave_new')}</button>
    </div>
    <p class="muted small">${t('duty.leave_hint')}</p>
    ${open && html`<form class="stack panel" data-testid="leave-form" onSubmit=${submit}>
      <label>${t('duty.leave_kind')}<select name="kind" data-testid="leave-kind">
        ${LEAVE_KINDS.map((k) => html`<option value=${k}>${t('duty.kind.' + k)}</option>`)}</select></label>
      <div class="grid2">
        <label>${t('duty.leave_start')}<input type="date" name="start_day" required defaultValue=${todayDay}
          data-testid="leave-start" /></label>
        <label>${t('duty.leave_end')}<input type="date" name="end_day" required defaultValue=${todayDay}
          data-testid="leave-end" /></label>
      </div>
      <label>${t('duty.leave_reason')}<textarea name="reason" rows="2" required maxlength="500"
        data-testid="leave-reason"></textarea></label>
      <button class="btn btn-primary" disabled=${busy} data-testid="leave-submit">${t('duty.leave_submit')}</button>
    </form>`}
    <${ErrorBox} error=${error || list.error} testid="leave-error" />
    ${list.loading && !list.data && html`<${Loading} />`}
    <ul class="list">
      ${items.map((l) => html`<li class="item" data-testid="leave-item" data-id=${l.id} data-status=${l.status} key=${l.id}>
        <div class="item-main"><div>
          <strong>${t('duty.kind.' + l.kind, l.kind)}</strong>
          <span class=${'badge leave-' + l.status}>${t('duty.leave_status.' + l.status, l.status)}</span>
          <div class="meta"><span>${l.start_day === l.end_day ? l.start_day : `${l.start_day} — ${l.end_day}`}</span></div>
          <div class="small pre">${l.reason}</div>
          ${l.decision_note && html`<div class="small muted pre">${t('duty.decision_note', { note: l.decision_note })}</div>`}
        </div>
        ${l.status === 'pending' && (cancelling === l.id
          ? html`<button type="button" class="btn btn-danger btn-small" disabled=${busy} data-testid="leave-cancel-confirm"
              onClick=${() => run(() => api('DELETE', '/duty/leaves/' + l.id)).then(() => setCancelling(null))}>
              ${t('duty.leave_cancel_confirm')}</button>`
          : html`<button type="button" class="btn btn-ghost btn-small" data-testid="leave-cancel"
              onClick=${() => setCancelling(l.id)}>${t('duty.leave_cancel')}</button>`)}
        </div>
      </li>`)}
    </ul>
    ${list.data && !items.length && html`<p class="muted">${t('common.none')}</p>`}
  </section>`;
}

// ---- reporting phones (Traccar Client / OsmAnd) ------------------------------------------------

function Devices() {
  const [tick, setTick] = useState(0);
  const list = useLoad(() => api('GET', '/duty/devices'), [tick]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [created, setCreated] = useState(null); // the answer that shows the identifier, once
  const [removing, setRemoving] = useState(null);
  const items = itemsOf(list.data).filter((d) => !d.revoked_at);
  const serverUrl = location.origin + '/api/v1/osmand'; // the OsmAnd route of this very site

  async function run(fn) {
    setBusy(true); setError(null);
    try { const r = await fn(); setTick((n) => n + 1); return r; } catch (e) { setError(e); return null; } finally { setBusy(false); }
  }
  async function add(e) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const body = { label: String(f.get('label')).trim() };
    const ident = String(f.get('identifier') || '').trim();
    if (ident) body.identifier = ident;
    const d = await run(() => api('POST', '/duty/devices', body));
    if (d) { setCreated(d); form.reset(); }
  }
  return html`<section class="card" data-testid="devices">
    <h2>${t('duty.devices')}</h2>
    <p class="muted small">${t('duty.devices_hint')}</p>
    <ul class="list">
      ${items.map((d) => html`<li class="item" data-testid="device-item" data-id=${d.id} key=${d.id}>
        <div class="item-main"><div>
          <strong>${d.label}</strong> ${d.hint && html`<span class="mono small muted">…${d.hint}</span>`}
          <div class="meta"><span>${d.last_seen_at ? t('duty.device_seen', { at: dayTime(d.last_seen_at) })
            : t('duty.device_never')}</span></div>
        </div>
        ${removing === d.id
          ? html`<button type="button" class="btn btn-danger btn-small" disabled=${busy} data-testid="device-remove-confirm"
              onClick=${() => run(() => api('DELETE', '/duty/devices/' + d.id)).then(() => setRemoving(null))}>
              ${t('duty.device_remove_confirm')}</button>`
          : html`<button type="button" class="btn btn-ghost btn-small" data-testid="device-remove"
              onClick=${() => setRemoving(d.id)}>${t('duty.device_remove')}</button>`}
        </div>
      </li>`)}
    </ul>
    ${list.data && !items.length && html`<p class="muted small">${t('duty.device_none')}</p>`}
    ${created && html`<div class="ok-box" role="status" data-testid="device-created">
      <strong>${t('duty.device_added', { label: created.label })}</strong>
      <div class="small">${t('duty.device_ident_once')}</div>
      <div class="secret mono" data-testid="device-identifier">${created.identifier}</div>
    </div>`}
    <form class="stack device-form" data-testid="device-form" onSubmit=${add}>
      <div class="inline">
        <input name="label" required maxlength="60" placeholder=${t('duty.device_label')}
          aria-label=${t('duty.device_label')} data-testid="device-label" />
        <button class="btn btn-primary" disabled=${busy} data-testid="device-add">${t('duty.device_add')}</button>
      </div>
      <details class="small">
        <summary>${t('duty.device_own_ident')}</summary>
        <label>${t('duty.device_own_ident_hint')}<input name="identifier" maxlength="64" class="mono"
          data-testid="device-ident-input" /></label>
      </details>
    </form>
    <${ErrorBox} error=${error || list.error} testid="device-error" />
    <${TraccarSetup} serverUrl=${serverUrl} ident=${created && created.identifier} />
  </section>`;
}

function TraccarSetup({ serverUrl, ident }) {
  return html`<details class="traccar" data-testid="traccar-setup" open=${!!ident}>
    <summary>${t('duty.traccar_title')}</summary>
    <ol class="steps small">
      <li>${t('duty.traccar_1')}</li>
      <li>${t('duty.traccar_2')} <span class="mono secret key">${ident || t('duty.traccar_ident_placeholder')}</span></li>
      <li>${t('duty.traccar_3')} <span class="mono secret key" data-testid="traccar-url">${serverUrl}</span>
        <span class="muted">${t('duty.traccar_3b')}</span></li>
      <li>${t('duty.traccar_4')}</li>
      <li>${t('duty.traccar_5')}</li>
      <li>${t('duty.traccar_6')}</li>
    </ol>
    <p class="notice small">${t('duty.traccar_still')}</p>
  </details>`;
}

// ---- inquiries about the secretary (read-only) ------------------------------------------------

function Inquiries({ windows, tick }) {
  const list = useLoad(() => api('GET', '/duty/inquiries' + query({ per_page: 50 })), [tick]);
  const items = [...itemsOf(list.data)].sort((a, b) => b.opened_at - a.opened_at);
  return html`<section class="card" data-testid="inquiries">
    <h2>${t('duty.inquiries')}</h2>
    <p class="muted small">${t('duty.inquiries_hint')}</p>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    <ul class="list">
      ${items.map((q) => html`<li class="item" data-testid="inquiry-item" data-id=${q.id} data-status=${q.status} key=${q.id}>
        <div class="ci-head"><strong>${q.day}</strong>
          <span>${t('duty.inq_kind.' + q.kind, q.kind)}${q.kind === 'window' && windows[q.window_idx]
            ? ` ${windows[q.window_idx].start}–${windows[q.window_idx].end}` : ''}</span>
          <span class=${'badge inq-' + q.status}>${t('duty.inq_status.' + q.status, q.status)}</span></div>
        <div class="meta">
          <span>${t('duty.inq_opened', { at: dayTime(q.opened_at) })}</span>
          ${q.call_made ? html`<span>${t('duty.inq_called')}</span>` : ''}
          ${q.reason_category && html`<span>${t('duty.reason.' + q.reason_category, q.reason_category)}</span>`}
        </div>
        ${q.reason && html`<div class="small pre">${q.reason}</div>`}
        ${q.decision_note && html`<div class="small muted pre">${t('duty.decision_note', { note: q.decision_note })}</div>`}
      </li>`)}
    </ul>
    ${list.data && !items.length && html`<p class="muted">${t('duty.inq_none')}</p>`}
  </section>`;
}
