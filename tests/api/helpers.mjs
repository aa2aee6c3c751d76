// tests/api/helpers.mjs: small helpers shared by the API test files (not a test
// file itself: `node --test tests/api/` only runs *.test.mjs).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { BACKEND, DEMO_PASSWORD, ROOT, cli } from '../lib/server.mjs';

export { DEMO_PASSWORD };

const CJK = /[\u4e00-\u9fff]/;

// Assert r is the error {"error":{"code","message"}} with this status and code,
// its message in the request's language (zh unless lang is 'en').
export function expectError(r, status, code, { lang = 'zh', field } = {}) {
  const where = `${r.status} ${r.text?.slice(0, 300)}`;
  assert.equal(r.status, status, `status: ${where}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/, `content type: ${where}`);
  const body = r.json ?? JSON.parse(r.text);
  assert.equal(typeof body.error, 'object', `error object: ${where}`);
  assert.equal(body.error.code, code, `code: ${where}`);
  assert.equal(typeof body.error.message, 'string', `message: ${where}`);
  assert.ok(body.error.message.length > 0, `empty message: ${where}`);
  if (lang === 'en') assert.ok(!CJK.test(body.error.message), `English message expected: ${where}`);
  else assert.ok(CJK.test(body.error.message), `Chinese message expected: ${where}`);
  if (field !== undefined) assert.equal(body.error.field, field, `field: ${where}`);
  return body.error;
}

// Assert a 2xx status, showing the body when it is not.
export function expectOk(r, status) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status} ${r.text?.slice(0, 300)}`);
  return r.json;
}

let seq = 0;
// A short unique suffix for logins and names within one test process.
export function uniq(prefix = 'u') {
  seq += 1;
  return `${prefix}${process.pid % 1000}x${seq}`;
}

// A fresh 12-digit division code: 5114239 never occurs in the demo county.
let codeSeq = 0;
export function orgCode() {
  codeSeq += 1;
  return `5114239${String((process.pid % 90) * 1000 + codeSeq).padStart(5, '0')}`;
}

// The server's notion of now (real time plus the harness clock offset).
// The server's time by its clock file: an offset to the real clock, or "=T", the clock stopped at T.
export function serverNow(srv) {
  const line = readFileSync(srv.clockFile, 'utf8').trim();
  if (line.startsWith('=')) return Number(line.slice(1));
  return Math.floor(Date.now() / 1000) + (Number(line) || 0);
}

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s) of a base32 secret at time step `step`.
export function totpAt(secretB32, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secretB32)).update(msg).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1000000).padStart(6, '0');
}

// A code the server accepts now that was not used before: it takes the
// current step, or the next one (inside the server's ±1 step window) when the
// current one was used already. `used` is a Map remembering steps per key.
export function freshOtp(srv, secret, used, key) {
  const now = Math.floor(serverNow(srv) / 30);
  const last = used.get(key) ?? -1;
  const step = Math.max(now, last + 1);
  if (step > now + 1) throw new Error('no unused TOTP step left in the window');
  used.set(key, step);
  return totpAt(secret, step);
}

// Send raw bytes over a socket and return {status, headers, body} of the answer:
// for paths fetch() would normalise ("/../x", "/%2e%2e/x") or bytes it would not
// send. A string head has "\n" line ends and gets its blank line added; a
// Buffer head is sent as it is.
// With `timeout` (ms), a server that neither answers nor closes by then gives
// status 0 and the socket is dropped.
export function rawHttp(srv, head, body = Buffer.alloc(0), { timeout } = {}) {
  return new Promise((ok, bad) => {
    const s = net.connect(srv.port, '127.0.0.1');
    const chunks = [];
    if (timeout) s.setTimeout(timeout, () => { s.destroy(); ok({ status: 0, headers: {}, body: '' }); });
    s.on('data', (d) => chunks.push(d));
    s.on('error', bad);
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      const headText = all.subarray(0, sep < 0 ? all.length : sep).toString('latin1');
      const lines = headText.split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      ok({ status, headers, body: sep < 0 ? '' : all.subarray(sep + 4).toString('utf8') });
    });
    s.write(Buffer.isBuffer(head) ? head : head.replace(/\n/g, '\r\n') + '\r\n');
    s.end(body);
  });
}

// Run SQL directly on the server's database (sqlite3 or psql); returns stdout.
// Throws (with stderr in the message) when the statement fails.
export function sql(srv, query) {
  try {
    if (BACKEND === 'pg')
      return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', srv.db, '-c', query],
        { stdio: 'pipe' }).toString();
    return execFileSync('sqlite3', [srv.db.replace(/^sqlite:/, ''), query], { stdio: 'pipe' }).toString();
  } catch (e) {
    const err = new Error(`SQL failed: ${e.stderr?.toString() || e.message}`);
    err.stderr = e.stderr?.toString() || '';
    throw err;
  }
}

// `xiangcun audit verify` on the server's data.
export function auditVerify(srv) {
  return cli(srv, ['audit', 'verify']);
}

// The route table as `xiangcun routes` prints it: ["GET /healthz", ...].
export function listRoutes(srv) {
  const r = cli(srv, ['routes']);
  assert.equal(r.status, 0, `xiangcun routes failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => l.replace(/ public$/, '').trim()).filter(Boolean);
}

// The flags of each route as written in src/api/routes.c: {"POST /api/v1/org": ["R_JSON"], ...}.
export function routeFlags() {
  const src = readFileSync(join(ROOT, 'src/api/routes.c'), 'utf8');
  const out = {};
  for (const m of src.matchAll(/\{(GET|POST|PATCH|DELETE|PUT), "([^"]+)", *\w+, *[^,]+, *\w+, *([^}]*)\}/g))
    out[`${m[1]} ${m[2]}`] = m[3].split('|').map((f) => f.trim()).filter((f) => f && f !== '0');
  return out;
}

// Fill every {param} of a route pattern with a value ({year} gets a year).
export function fill(pattern, id) {
  return pattern.replace(/\{(\w+)\}/g, (_, k) => (k === 'year' ? '2025' : String(id)));
}

// A valid GB 11643 ID number, different for each n (born in 1950-1999).
let idSeq = 0;
export function idNumber(n = ++idSeq + (process.pid % 500) * 1000) {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const ymd = `19${50 + (Math.floor(n / 1000) % 50)}0${1 + (n % 9)}1${n % 10}`;
  const body = `511402${ymd}${String(n % 1000).padStart(3, '0')}`;   // never the demo's 511423
  const sum = [...body].reduce((acc, c, i) => acc + Number(c) * W[i], 0);
  return body + '10X98765432'[sum % 11];
}

// Collect the demo county's landmarks as seen by the admin: the county, 洪川镇,
// the official's town, the secretary's village and the villager's group (found
// from the demo accounts, so the test does not depend on which town they are in).
export async function landmarks(admin) {
  const list = (await admin.get('/api/v1/org')).json.items;
  const users = (await admin.get('/api/v1/users?per_page=200')).json.items;
  const user = (login) => users.find((u) => u.login === login);
  const county = list.find((o) => o.level === 'county');
  const hc = list.find((o) => o.name === '洪川镇');
  const town = user('official').org_id, village = user('secretary').org_id, group = user('villager').org_id;
  assert.notEqual(hc.id, town, "洪川镇 must not be the official's town");
  return { list, county: county.id, hc: hc.id, town, village, group, user };
}
