// The check-in outbox: a check-in the phone could not send (no signal in the hills, a dropped
// connection) waits here, in localStorage so that it survives closing the page, and is sent again
// when the network is back. Each check-in carries a random key (client_ref), so a resend of one
// the server did store, whose answer was lost on the way, gets that one back instead of a second
// copy; and how long ago its position was taken (age_s, by the phone's own clock), so it lands at
// that time if it arrives within the county's clock_skew_s (else it is flagged and placed when
// received). Photos are too big for localStorage: they wait in IndexedDB, and in this page's memory
// where IndexedDB is refused (some private modes), until their check-in is sent.
import { api } from '../api.js';

const KEY = 'xc.duty.outbox.';     // + user id
const MAX_ITEMS = 20;              // a day's worth of attempts; the oldest go first
const PHOTO_DB = 'xc-duty-outbox', PHOTO_STORE = 'photos';
const photos = new Map();          // client_ref -> Blob, this page's life only

// ---- photos: IndexedDB, keyed by client_ref ----------------------------------------------------

let photoDb = null;
function openPhotos() {
  photoDb ||= new Promise((ok, bad) => {
    const rq = indexedDB.open(PHOTO_DB, 1);
    rq.onupgradeneeded = () => rq.result.createObjectStore(PHOTO_STORE);
    rq.onsuccess = () => ok(rq.result);
    rq.onerror = () => bad(rq.error);
  });
  return photoDb;
}

// One request on the photo store; resolves to its result, or undefined when IndexedDB fails.
async function photoOp(mode, op) {
  try {
    const db = await openPhotos();
    return await new Promise((ok, bad) => {
      const rq = op(db.transaction(PHOTO_STORE, mode).objectStore(PHOTO_STORE));
      rq.onsuccess = () => ok(rq.result);
      rq.onerror = () => bad(rq.error);
    });
  } catch { return undefined; }
}
const photoSave = (ref, blob) => photoOp('readwrite', (s) => s.put(blob, ref));
const photoLoad = async (ref) => photos.get(ref) || photoOp('readonly', (s) => s.get(ref));
const photoDrop = (ref) => { photos.delete(ref); return photoOp('readwrite', (s) => s.delete(ref)); };

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

// Keep a check-in ({ref, lat, lon, accuracy, note, taken}: taken is Date.now() at the fix) and its
// photo (a File, or null) to send later. Resolves once both are stored.
export async function keep(userId, item, photo) {
  if (photo) {
    item.photo = true;
    photos.set(item.ref, photo);
    await photoSave(item.ref, photo);
  }
  const items = load(userId).filter((x) => x.ref !== item.ref);
  items.push(item);
  save(userId, items.slice(-MAX_ITEMS));
  await Promise.all(items.slice(0, -MAX_ITEMS).map((x) => photoDrop(x.ref)));   // the oldest, given up
}

// The body that stores item now.
function body(item) {
  const b = { lat: item.lat, lon: item.lon, client_ref: item.ref, age_s: Math.max(0, Math.round((Date.now() - item.taken) / 1000)) };
  if (typeof item.accuracy === 'number') b.accuracy = item.accuracy;
  if (item.note) b.note = item.note;
  return b;
}

// Whether an error means "try again later": no network, a timeout, the server busy or restarting,
// or the session ended (the page asks to sign in again, then sends). A 4xx that names what is
// wrong means the server will never take this check-in.
const retryable = (e) => !e.status || e.status >= 500 || e.status === 429 || e.status === 401;

let flushing = null;

// Send every waiting check-in, oldest first. Stops at the first that cannot go yet; drops one the
// server refuses for good. Resolves to {sent: [{ref, c}], dropped: [{item, error}], left}, where c
// is the stored check-in (photo_sent or photo_error added when it had a photo). A call while a
// send is under way waits for it and then sends what is left, so nothing kept is skipped.
export function flush(userId, photoTimeout) {
  if (flushing) return flushing.then(() => flush(userId, photoTimeout));
  const drop = (ref) => {
    save(userId, load(userId).filter((x) => x.ref !== ref));
    return photoDrop(ref);
  };
  flushing = (async () => {
    const sent = [], dropped = [];
    for (const item of load(userId)) {
      let c;
      try { c = await api('POST', '/duty/checkins', body(item)); } catch (e) {
        if (retryable(e)) break;
        await drop(item.ref);
        // 409: a resend racing another resend of the same check-in; that one stored it.
        if (e.status !== 409) dropped.push({ item, error: e });
        continue;
      }
      const photo = item.photo ? await photoLoad(item.ref) : undefined;
      if (photo && !(c.photos || []).length) {
        try {
          await api('POST', `/duty/checkins/${c.id}/photos`, photo, { type: photo.type || 'application/octet-stream', timeout: photoTimeout });
          c = { ...c, photo_sent: true };
        } catch (e) {
          if (retryable(e)) break;   // the check-in is stored; its photo goes with the next try
          c = { ...c, photo_error: e };
        }
      }
      await drop(item.ref);
      sent.push({ ref: item.ref, c });
    }
    return { sent, dropped, left: load(userId).length };
  })().finally(() => { flushing = null; });
  return flushing;
}
