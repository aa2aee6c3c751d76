// The check-in outbox: a check-in the phone could not send (no signal in the hills, a dropped
// connection) waits here, in localStorage so that it survives closing the page, and is sent again
// when the network is back. Each check-in carries a random key (client_ref), so a resend of one
// the server did store, whose answer was lost on the way, gets that one back instead of a second
// copy; and how long ago its position was taken (age_s, by the phone's own clock), so it lands at
// that time if it arrives within the county's clock_skew_s (else it is flagged and placed when
// received). Photos are too big for localStorage: one stays in memory until its check-in is sent.
import { api } from '../api.js';

const KEY = 'xc.duty.outbox.';     // + user id
const MAX_ITEMS = 20;              // a day's worth of attempts; the oldest go first
const photos = new Map();          // client_ref -> File, this page's life only

// A new random key: 32 hex digits (crypto.getRandomValues works without https, unlike randomUUID).
export function newRef() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function load(userId) {
  try {
    const v = JSON.parse(localStorage.getItem(KEY + userId) || '[]');
    return Array.isArray(v) ? v : [];
  } catch { return []; }
}

function save(userId, items) {
  try {
    if (items.length) localStorage.setItem(KEY + userId, JSON.stringify(items));
    else localStorage.removeItem(KEY + userId);
  } catch { /* storage full or refused: the item stays in this page only */ }
}

export const pending = (userId) => load(userId);
// Whether the photo of a waiting check-in is still held (by this page, until it is closed).
export const hasPhoto = (ref) => photos.has(ref);

// Keep a check-in ({ref, lat, lon, accuracy, note, taken}: taken is Date.now() at the fix) to send later.
export function keep(userId, item, photo) {
  const items = load(userId).filter((x) => x.ref !== item.ref);
  items.push(item);
  save(userId, items.slice(-MAX_ITEMS));
  if (photo) photos.set(item.ref, photo);
}

// The body that stores item now.
export function body(item) {
  const b = { lat: item.lat, lon: item.lon, client_ref: item.ref, age_s: Math.max(0, Math.round((Date.now() - item.taken) / 1000)) };
  if (typeof item.accuracy === 'number') b.accuracy = item.accuracy;
  if (item.note) b.note = item.note;
  return b;
}

// Whether an error means "try again later": no network, a timeout, the server busy or restarting,
// or the session ended (the page asks to sign in again, then sends). A 4xx that names what is
// wrong means the server will never take this check-in.
export const retryable = (e) => !e.status || e.status >= 500 || e.status === 429 || e.status === 401;

let flushing = null;

// Send every waiting check-in, oldest first. Stops at the first that cannot go yet; drops one the
// server refuses for good. Resolves to {sent: [{ref, c}], dropped: [{item, error}], left}, where c
// is the stored check-in (photo_sent or photo_error added when it had a photo). A call while a
// send is under way waits for it and then sends what is left, so nothing kept is skipped.
export function flush(userId, photoTimeout) {
  if (flushing) return flushing.then(() => flush(userId, photoTimeout));
  const drop = (ref) => {
    save(userId, load(userId).filter((x) => x.ref !== ref));
    photos.delete(ref);
  };
  flushing = (async () => {
    const sent = [], dropped = [];
    for (const item of load(userId)) {
      let c;
      try { c = await api('POST', '/duty/checkins', body(item)); } catch (e) {
        if (retryable(e)) break;
        drop(item.ref);
        // 409: a resend racing another resend of the same check-in; that one stored it.
        if (e.status !== 409) dropped.push({ item, error: e });
        continue;
      }
      const photo = photos.get(item.ref);
      drop(item.ref);
      if (photo && !(c.photos || []).length) {
        try {
          await api('POST', `/duty/checkins/${c.id}/photos`, photo, { type: photo.type || 'application/octet-stream', timeout: photoTimeout });
          c = { ...c, photo_sent: true };
        } catch (e) { c = { ...c, photo_error: e }; }
      }
      sent.push({ ref: item.ref, c });
    }
    return { sent, dropped, left: load(userId).length };
  })().finally(() => { flushing = null; });
  return flushing;
}
