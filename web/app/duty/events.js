// Live events for open pages: ONE EventSource on GET /api/v1/events (Server-Sent Events, session
// cookie) shared by every subscriber of the page, opened on the first subscribe() and closed
// shortly after the last unsubscribe.
//
//   const off = subscribe('spot_check', (data) => ...);   // data: the event's JSON, parsed
//   off();                                                // in a useEffect cleanup
//
// Two names are not server events: 'resync' fires on every (re)connection and when the server
// says (event "reload") that what was missed is no longer in its ring; 'down' fires when the
// connection is lost. A page reloads what it shows on 'resync'.
//
// Reconnecting: after a dropped stream the browser reconnects by itself and sends Last-Event-ID.
// When it gives up (the server or a proxy answered with an error status) we open a new stream
// after a growing pause (2 s .. 60 s), passing the last id as ?last_event_id=, and at once when
// the phone comes back online or the page becomes visible again.

const PATH = '/api/v1/events';
const LOCAL = new Set(['resync', 'down']); // names this module emits itself
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 60000;
const CLOSE_GRACE_MS = 1000; // a page change unsubscribes then subscribes again: keep the stream

const subscribers = new Map(); // name -> Set of functions
const handlers = new Map();    // name -> the listener added to the current EventSource
let source = null;
let lastId = '';
let retryMs = RETRY_MIN_MS;
let retryTimer = null;
let closeTimer = null;
let open = false;

function emit(name, data, ev) {
  for (const fn of [...(subscribers.get(name) || [])]) {
    try { fn(data, ev); } catch (e) { setTimeout(() => { throw e; }); }
  }
}

// The listener for server event `name` on the current stream.
function listen(name) {
  if (!source || handlers.has(name) || LOCAL.has(name)) return;
  const h = (ev) => {
    if (ev.lastEventId) lastId = ev.lastEventId;
    let data = ev.data;
    try { data = JSON.parse(ev.data); } catch { /* plain text data stays a string */ }
    emit(name, data, ev);
  };
  handlers.set(name, h);
  source.addEventListener(name, h);
}

function connect() {
  clearTimeout(retryTimer);
  retryTimer = null;
  if (source || !subscribers.size) return;
  source = new EventSource(lastId ? PATH + '?last_event_id=' + encodeURIComponent(lastId) : PATH);
  handlers.clear();
  for (const name of subscribers.keys()) listen(name);
  source.addEventListener('reload', (ev) => {
    if (ev.lastEventId) lastId = ev.lastEventId;
    emit('resync', null);
  });
  source.onopen = () => {
    open = true;
    retryMs = RETRY_MIN_MS;
    emit('resync', null);
  };
  source.onerror = () => {
    const wasOpen = open;
    open = false;
    if (wasOpen) emit('down', null);
    if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    source.close();
    source = null;
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };
}

function disconnect() {
  closeTimer = null;
  clearTimeout(retryTimer);
  retryTimer = null;
  if (source) source.close();
  source = null;
  open = false;
  handlers.clear();
}

// Back online or back on screen: do not wait out the pause.
function wake() {
  if (subscribers.size && !source && document.visibilityState !== 'hidden') {
    retryMs = RETRY_MIN_MS;
    connect();
  }
}
addEventListener('online', wake);
document.addEventListener('visibilitychange', wake);

// Call fn(data, event) for each live event `name`; returns the unsubscribe function.
export function subscribe(name, fn) {
  if (!subscribers.has(name)) subscribers.set(name, new Set());
  subscribers.get(name).add(fn);
  clearTimeout(closeTimer);
  closeTimer = null;
  if (source) listen(name);
  else if (!retryTimer) connect();
  return () => {
    const set = subscribers.get(name);
    if (!set || !set.delete(fn)) return;
    if (!set.size) {
      subscribers.delete(name);
      if (source && handlers.has(name)) source.removeEventListener(name, handlers.get(name));
      handlers.delete(name);
    }
    if (!subscribers.size && !closeTimer) closeTimer = setTimeout(disconnect, CLOSE_GRACE_MS);
  };
}

// Whether the stream is connected now (the state before the next 'resync' or 'down').
export const isLive = () => open;
