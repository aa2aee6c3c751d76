// Fetch wrapper for /api/v1: CSRF header, language, error shape, 401 handling.
import { getLang, t } from './i18n.js';

const BASE = '/api/v1';
const TIMEOUT_MS = 30000; // generous: villages often sit on a weak 3G/4G signal
// Set on a successful login, cleared on logout or 401: lets a fresh visit skip the
// /me round-trip (and its 401) when there is certainly no session.
const FLAG = 'xc_signed_in';

let csrf = '';
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setCsrf(token) { csrf = token || ''; }
export function onUnauthenticated(fn) { onSignedOut = fn; }
export function maybeSignedIn() { return localStorage.getItem(FLAG) === '1'; }
export function markSignedIn(yes) {
  if (yes) localStorage.setItem(FLAG, '1'); else localStorage.removeItem(FLAG);
}

// Codes a 401 may carry that mean "these credentials are wrong", not "no session".
const CREDENTIAL_CODES = new Set(['bad_credentials', 'otp_required', 'otp_invalid']);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// A download link's address (the session cookie carries the credentials).
export const apiUrl = (path, params) => BASE + path + query(params);

// `raw`: { type, timeout } sends `body` as it is (a File or Blob) with that Content-Type.
export async function api(method, path, body, raw) {
  const headers = { 'Accept': 'application/json', 'Accept-Language': getLang() };
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  const init = { method, headers, credentials: 'same-origin' };
  if (raw) {
    headers['Content-Type'] = raw.type;
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), (raw && raw.timeout) || TIMEOUT_MS);
  init.signal = ctl.signal;
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch (e) {
    throw new ApiError(0, 'network', t('err.network'));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (res.ok) return data;
  const err = (data && data.error) || {};
  const e = new ApiError(res.status, err.code || 'http_' + res.status,
    err.message || t('err.http') + ' ' + res.status);
  if (res.status === 401 && !CREDENTIAL_CODES.has(e.code)) {
    markSignedIn(false);
    setCsrf('');
    onSignedOut();
    const here = location.hash.slice(1) || '/';
    if (!here.startsWith('/login')) location.hash = '#/login' + query({ next: here });
  }
  throw e;
}
