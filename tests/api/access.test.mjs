// access.test.mjs: THE access-control table. One row per route of
// `xiangcun routes`, giving for every caller the expected answer for a target
// inside their part of the county tree ("in") and, where the route has a scope,
// one outside it ("out"). The callers are the six demo roles, a second admin
// whose scope is only the official's town (so out_of_scope is exercised on the
// write routes, which no other non-county role may reach), and anonymous.
//
// Targets: "in" lies under the villager's group (inside everyone's scope) or,
// where a group cannot hold it, the secretary's village; household reads use
// the villager's own household file. "out" lies in 洪川镇, outside every scope
// below the county. Mutations use bodies that succeed when allowed and create
// fresh objects, so rows do not depend on each other.
//
// A new route fails the first test until it has its row here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, as } from '../lib/server.mjs';
import { DEMO_PASSWORD, landmarks, listRoutes, orgCode, uniq, freshOtp, expectOk, fill, idNumber } from './helpers.mjs';

const CALLERS = ['admin', 'auditor', 'official', 'secretary', 'cadre', 'villager', 'townadmin', 'anon'];
const F = 'forbidden', O = 'out_of_scope', U = 'unauthenticated', N = 'not_found';
const CODE_STATUS = { forbidden: 403, out_of_scope: 403, unauthenticated: 401, not_found: 404 };

// Everyone signed in may do it to their own things; anonymous may not.
const SELF = (ok) => ({ admin: ok, auditor: ok, official: ok, secretary: ok, cadre: ok, villager: ok, townadmin: ok, anon: U });
// Everyone may, including anonymous.
const PUBLIC = (ok) => ({ ...SELF(ok), anon: ok });

let srv, T;
const P = {};            // caller name -> {name, login, cookie, csrf}
const otpUsed = new Map();

// ---- requests made as a caller without touching any shared client state ----

// raw: {type, data} sends data as it is (file uploads) instead of a JSON body.
async function send(p, { method, path, body, auth, raw }) {
  const a = auth || p;
  const headers = { 'Accept-Language': 'zh-CN' };
  if (a.cookie) {
    headers.Cookie = a.cookie;
    if (method !== 'GET') headers['X-CSRF-Token'] = a.csrf;
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (raw) headers['Content-Type'] = raw.type;
  const res = await fetch(srv.base + path, { method, headers, body: raw ? raw.data : body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  if ((res.headers.get('content-type') || '').includes('json') && text) json = JSON.parse(text);
  return { status: res.status, json, text, headers: res.headers };
}

// A new session of the caller's account (its own cookie and CSRF token, and its id).
async function freshSession(p) {
  const res = await fetch(srv.base + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: p.login, password: DEMO_PASSWORD }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `login ${p.login}: ${JSON.stringify(body)}`);
  const s = { cookie: /xc_session=[^;]*/.exec(res.headers.get('set-cookie'))[0], csrf: body.csrf };
  const list = await send(p, { method: 'GET', path: '/api/v1/me/sessions', auth: s });
  s.id = list.json.items.find((x) => x.current).id;
  return s;
}

async function totpBegin(p) {
  const r = await send(p, { method: 'POST', path: '/api/v1/me/totp' });
  expectOk(r, 200);
  return r.json.secret;
}

async function totpEnable(p) {
  const secret = await totpBegin(p);
  const r = await send(p, { method: 'POST', path: '/api/v1/me/totp/confirm', body: { code: freshOtp(srv, secret, otpUsed, p.name) } });
  expectOk(r, 204);
}

const orgName = (id) => T.list.find((o) => o.id === id).name;

// Fresh household files made by the admin: "in" under the villager's group,
// "out" under a group of 洪川镇; with a member and a help pair where asked.
async function household(where) {
  const org_id = where === 'in' ? T.group : T.hcGroup;
  return expectOk(await send(P.admin, { method: 'POST', path: '/api/v1/households', body: { number: uniq('AC-'), org_id } }), 201).id;
}
async function member(where) {
  const hh = await household(where);
  return expectOk(await send(P.admin, {
    method: 'POST', path: `/api/v1/households/${hh}/members`, body: { name: '成员', id_number: idNumber(), relation: 'self' },
  }), 201).id;
}
async function helpPair(where) {
  const hh = await household(where);
  return expectOk(await send(P.admin, {
    method: 'POST', path: `/api/v1/households/${hh}/helpers`, body: { cadre_id: T.cadre, unit: '县农业农村局', start_date: '2026-01-01' },
  }), 201).id;
}

// A visit the admin recorded on a fresh household file ("in" or "out").
async function visit(where, hh) {
  const id = hh || await household(where);
  return expectOk(await send(P.admin, { method: 'POST', path: `/api/v1/households/${id}/visits`, body: { notes: '走访' } }), 201).id;
}
// A 1x1 PNG (the server checks the magic bytes only).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
async function photo(visitId) {
  return expectOk(await send(P.admin, { method: 'POST', path: `/api/v1/visits/${visitId}/photos`, raw: { type: 'image/png', data: PNG } }), 201).id;
}

// Household rows: reads of the villager's own file ("in") or one in 洪川镇;
// writes on fresh files. Read by every role but the auditor (a villager only
// their own household), written by admin, official, secretary and cadre, full
// ID numbers and phones revealed by admin, official and secretary.
const HH_READ = { admin: 200, auditor: F, official: [200, O], secretary: [200, O], cadre: [200, O], villager: [200, O], townadmin: [200, O], anon: U };
const HH_WRITE = (ok) => ({ admin: ok, auditor: F, official: [ok, O], secretary: [ok, O], cadre: [ok, O], villager: F, townadmin: [ok, O], anon: U });
// Importing (and its template) is for those who write household files, unscoped by the route.
const IMPORT_WRITE = (ok) => ({ admin: ok, auditor: F, official: ok, secretary: ok, cadre: ok, villager: F, townadmin: ok, anon: U });
const HH_ANY = { admin: 200, auditor: F, official: 200, secretary: 200, cadre: 200, villager: 200, townadmin: 200, anon: U };
const ownOrOut = (w) => (w === 'in' ? T.ownHousehold : T.hhOut);
// Anonymous callers run no setup: any id will do for them.
const num = (id) => (typeof id === 'number' ? id : 999999);

// Check-in routes (duty): readers are the supervisors in scope and the secretary for themselves.
const CK_NONE = { admin: F, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: F, anon: U };
const CK_READ = (ok) => ({ admin: ok, auditor: ok, official: [ok, O], secretary: [ok, O], cadre: F, villager: F, townadmin: [ok, O], anon: U });
// A device registered by a secretary's session p; its id.
async function newDevice(p) {
  return expectOk(await send(p, { method: 'POST', path: '/api/v1/duty/devices', body: { label: uniq('dev-') } }), 201).id;
}

// ---- the table ----
// expect: caller -> answer, or [answer in, answer out] on scoped rows. An answer
// is a status, or an error code (its status implied by CODE_STATUS).
// req(where, p, ctx) gives {path, body?, auth?}; setup(p, where) runs first for
// signed-in callers and its result is ctx; cleanup(p, ctx, res) runs after.

const ROWS = [
  { route: 'GET /healthz', expect: PUBLIC(200), req: () => ({ path: '/healthz' }) },
  { route: 'GET /metrics', expect: PUBLIC(200), req: () => ({ path: '/metrics' }) },
  {
    route: 'POST /api/v1/session', expect: PUBLIC(200),
    req: (w, p) => ({ path: '/api/v1/session', body: { login: p.login || T.bystander.login, password: DEMO_PASSWORD } }),
  },
  {
    route: 'DELETE /api/v1/session', expect: SELF(204),
    setup: (p) => freshSession(p),
    req: (w, p, s) => ({ path: '/api/v1/session', auth: s }),
  },
  { route: 'GET /api/v1/me', expect: SELF(200), req: () => ({ path: '/api/v1/me' }) },
  {
    route: 'POST /api/v1/me/password', expect: SELF(204),
    req: () => ({ path: '/api/v1/me/password', body: { old_password: DEMO_PASSWORD, new_password: DEMO_PASSWORD } }),
  },
  { route: 'GET /api/v1/me/sessions', expect: SELF(200), req: () => ({ path: '/api/v1/me/sessions' }) },
  {
    // "out": somebody else's session, which is nobody's business but theirs.
    route: 'DELETE /api/v1/me/sessions/{id}', scoped: true,
    expect: { ...SELF([204, N]), anon: [U, U] },
    setup: (p, where) => (where === 'in' ? freshSession(p) : {}),
    req: (w, p, s) => ({ path: `/api/v1/me/sessions/${w === 'in' && s.id ? s.id : T.bystander.sessionId}` }),
  },
  { route: 'GET /api/v1/me/tokens', expect: SELF(200), req: () => ({ path: '/api/v1/me/tokens' }) },
  { route: 'POST /api/v1/me/tokens', expect: SELF(201), req: () => ({ path: '/api/v1/me/tokens', body: { name: uniq('tok') } }) },
  {
    route: 'DELETE /api/v1/me/tokens/{id}', scoped: true,
    expect: { ...SELF([204, N]), anon: [U, U] },
    setup: async (p, where) => (where === 'in' ? (await send(p, { method: 'POST', path: '/api/v1/me/tokens', body: { name: 'doomed' } })).json : {}),
    req: (w, p, tok) => ({ path: `/api/v1/me/tokens/${w === 'in' && tok.id ? tok.id : T.bystander.tokenId}` }),
  },
  { route: 'POST /api/v1/me/totp', expect: SELF(200), req: () => ({ path: '/api/v1/me/totp' }) },
  {
    route: 'POST /api/v1/me/totp/confirm', expect: SELF(204),
    setup: async (p) => ({ code: freshOtp(srv, await totpBegin(p), otpUsed, p.name) }),
    req: (w, p, ctx) => ({ path: '/api/v1/me/totp/confirm', body: { code: ctx.code || '123456' } }),
    cleanup: async (p, ctx, r) => {
      if (r.status === 204)
        expectOk(await send(p, { method: 'DELETE', path: '/api/v1/me/totp', body: { password: DEMO_PASSWORD } }), 204);
    },
  },
  {
    route: 'DELETE /api/v1/me/totp', expect: SELF(204),
    setup: (p) => totpEnable(p),
    req: () => ({ path: '/api/v1/me/totp', body: { password: DEMO_PASSWORD } }),
  },

  { route: 'GET /api/v1/org', expect: SELF(200), req: () => ({ path: '/api/v1/org' }) },
  {
    route: 'GET /api/v1/org/{id}', scoped: true,
    expect: { admin: 200, auditor: 200, official: [200, O], secretary: [200, O], cadre: [200, O], villager: [200, O], townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/org/${w === 'in' ? T.group : T.hc}` }),
  },
  {
    // in: a new group under the secretary's village; out: a new village in 洪川镇.
    route: 'POST /api/v1/org', scoped: true,
    expect: { admin: 201, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: [201, O], anon: U },
    req: (w) => ({ path: '/api/v1/org', body: { parent_id: w === 'in' ? T.village : T.hc, code: orgCode(), name: uniq('节点') } }),
  },
  {
    route: 'PATCH /api/v1/org/{id}', scoped: true,
    expect: { admin: 200, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => {
      const id = w === 'in' ? T.group : T.hc;
      return { path: `/api/v1/org/${id}`, body: { name: orgName(id) } };
    },
  },

  {
    // The list is scoped through its org_id filter.
    route: 'GET /api/v1/users', scoped: true,
    expect: { admin: 200, auditor: 200, official: [200, O], secretary: [200, O], cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/users?org_id=${w === 'in' ? T.group : T.hc}` }),
  },
  {
    route: 'POST /api/v1/users', scoped: true,
    expect: { admin: 201, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: [201, O], anon: U },
    req: (w) => ({
      path: '/api/v1/users',
      body: { login: uniq('acc'), display_name: '访问测试', role: 'villager', org_id: w === 'in' ? T.group : T.hc, password: DEMO_PASSWORD },
    }),
  },
  {
    route: 'GET /api/v1/users/{id}', scoped: true,
    expect: { admin: 200, auditor: 200, official: [200, O], secretary: [200, O], cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/users/${w === 'in' ? T.uIn : T.uOut}` }),
  },
  {
    route: 'PATCH /api/v1/users/{id}', scoped: true,
    expect: { admin: 200, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/users/${w === 'in' ? T.uIn : T.uOut}`, body: { display_name: uniq('改名') } }),
  },
  {
    route: 'POST /api/v1/users/{id}/password', scoped: true,
    expect: { admin: 204, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: [204, O], anon: U },
    req: (w) => ({ path: `/api/v1/users/${w === 'in' ? T.uIn : T.uOut}/password`, body: { password: 'Reset#Pass2026' } }),
  },
  {
    route: 'POST /api/v1/users/{id}/reveal', scoped: true,
    expect: { admin: 200, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/users/${w === 'in' ? T.uIn : T.uOut}/reveal`, body: { password: DEMO_PASSWORD } }),
  },

  {
    route: 'GET /api/v1/households', scoped: true, expect: HH_READ,
    req: (w) => ({ path: `/api/v1/households?org_id=${w === 'in' ? T.group : T.hc}` }),
  },
  {
    route: 'POST /api/v1/households', scoped: true, expect: HH_WRITE(201),
    req: (w) => ({ path: '/api/v1/households', body: { number: uniq('AC-'), org_id: w === 'in' ? T.group : T.hcGroup, address: '一组' } }),
  },
  { route: 'GET /api/v1/households/{id}', scoped: true, expect: HH_READ, req: (w) => ({ path: `/api/v1/households/${ownOrOut(w)}` }) },
  {
    route: 'PATCH /api/v1/households/{id}', scoped: true, expect: HH_WRITE(200),
    setup: (p, w) => household(w),
    req: (w, p, id) => ({ path: `/api/v1/households/${num(id)}`, body: { address: '新地址', visit_interval_days: 14 } }),
  },
  {
    route: 'POST /api/v1/households/{id}/status', scoped: true, expect: HH_WRITE(200),
    setup: (p, w) => household(w),
    req: (w, p, id) => ({ path: `/api/v1/households/${num(id)}/status`, body: { status: 'monitored', effective_date: '2026-03-01', reason: '返贫风险' } }),
  },
  {
    route: 'PUT /api/v1/households/{id}/guarantees', scoped: true, expect: HH_WRITE(200),
    setup: (p, w) => household(w),
    req: (w, p, id) => ({ path: `/api/v1/households/${num(id)}/guarantees`, body: { items: [{ indicator: 'water', met: true }] } }),
  },
  {
    route: 'PUT /api/v1/households/{id}/income/{year}', scoped: true, expect: HH_WRITE(200),
    setup: (p, w) => household(w),
    req: (w, p, id) => ({
      path: `/api/v1/households/${num(id)}/income/2025`,
      body: { wages: 12000, farming: 3000, business: 0, property: 0, transfers: 1500, expenses: 800 },
    }),
  },
  { route: 'GET /api/v1/households/{id}/timeline', scoped: true, expect: HH_READ, req: (w) => ({ path: `/api/v1/households/${ownOrOut(w)}/timeline` }) },
  {
    route: 'POST /api/v1/households/{id}/members', scoped: true, expect: HH_WRITE(201),
    setup: (p, w) => household(w),
    req: (w, p, id) => ({ path: `/api/v1/households/${num(id)}/members`, body: { name: '新成员', id_number: idNumber(), relation: 'child' } }),
  },
  {
    route: 'PATCH /api/v1/members/{id}', scoped: true, expect: HH_WRITE(200),
    setup: (p, w) => member(w),
    req: (w, p, id) => ({ path: `/api/v1/members/${num(id)}`, body: { labour: 'partial' } }),
  },
  {
    route: 'DELETE /api/v1/members/{id}', scoped: true, expect: HH_WRITE(204),
    setup: (p, w) => member(w),
    req: (w, p, id) => ({ path: `/api/v1/members/${num(id)}` }),
  },
  {
    route: 'POST /api/v1/members/{id}/reveal', scoped: true,
    expect: { admin: 200, auditor: F, official: [200, O], secretary: [200, O], cadre: F, villager: F, townadmin: [200, O], anon: U },
    setup: (p, w) => member(w),
    req: (w, p, id) => ({ path: `/api/v1/members/${num(id)}/reveal`, body: { password: DEMO_PASSWORD, field: 'id_number' } }),
  },
  {
    route: 'POST /api/v1/households/{id}/helpers', scoped: true, expect: HH_WRITE(201),
    setup: (p, w) => household(w),
    req: (w, p, id) => ({ path: `/api/v1/households/${num(id)}/helpers`, body: { cadre_id: T.cadre, unit: '县农业农村局', start_date: '2026-01-01' } }),
  },
  {
    route: 'DELETE /api/v1/help-pairs/{id}', scoped: true, expect: HH_WRITE(204),
    setup: (p, w) => helpPair(w),
    req: (w, p, id) => ({ path: `/api/v1/help-pairs/${num(id)}` }),
  },
  { route: 'GET /api/v1/households/{id}/visits', scoped: true, expect: HH_READ, req: (w) => ({ path: `/api/v1/households/${ownOrOut(w)}/visits` }) },
  {
    route: 'POST /api/v1/households/{id}/visits', scoped: true, expect: HH_WRITE(201),
    setup: (p, w) => household(w),
    req: (w, p, id) => ({ path: `/api/v1/households/${num(id)}/visits`, body: { notes: '入户走访', lat: 29.73, lon: 103.27, accuracy: 15 } }),
  },
  {
    // Photos of a fresh visit the admin recorded: added by household writers in scope.
    route: 'POST /api/v1/visits/{id}/photos', scoped: true, expect: HH_WRITE(201),
    setup: (p, w) => visit(w),
    req: (w, p, id) => ({ path: `/api/v1/visits/${num(id)}/photos`, raw: { type: 'image/png', data: PNG } }),
  },
  {
    // Read like the household: the villager's own ("in") or one in 洪川镇.
    route: 'GET /api/v1/visit-photos/{id}', scoped: true, expect: HH_READ,
    req: (w) => ({ path: `/api/v1/visit-photos/${w === 'in' ? T.photoIn : T.photoOut}` }),
  },
  {
    route: 'GET /api/v1/visits/overdue', scoped: true, expect: HH_READ,
    req: (w) => ({ path: `/api/v1/visits/overdue?org_id=${w === 'in' ? T.group : T.hc}` }),
  },
  { route: 'GET /api/v1/me/households', expect: HH_ANY, req: () => ({ path: '/api/v1/me/households' }) },
  {
    route: 'GET /api/v1/map/households', scoped: true, expect: HH_READ,
    req: (w) => ({ path: `/api/v1/map/households?org_id=${w === 'in' ? T.group : T.hc}&bbox=100,20,110,35` }),
  },
  { route: 'GET /api/v1/map/boundaries', expect: HH_ANY, req: () => ({ path: '/api/v1/map/boundaries' }) },
  { route: 'GET /api/v1/targets', expect: HH_ANY, req: () => ({ path: '/api/v1/targets?year=2026' }) },
  {
    route: 'PUT /api/v1/targets/{id}/{year}', scoped: true,
    expect: { admin: 200, auditor: F, official: [200, O], secretary: F, cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/targets/${w === 'in' ? T.village : T.hc}/2026`, body: { households: 12, people: 40 } }),
  },

  // The audit log and the settings are county-wide: not for a town's admin.
  {
    route: 'GET /api/v1/audit',
    expect: { admin: 200, auditor: 200, official: F, secretary: F, cadre: F, villager: F, townadmin: O, anon: U },
    req: () => ({ path: '/api/v1/audit' }),
  },
  {
    route: 'GET /api/v1/audit.csv',
    expect: { admin: 200, auditor: 200, official: F, secretary: F, cadre: F, villager: F, townadmin: O, anon: U },
    req: () => ({ path: '/api/v1/audit.csv' }),
  },
  {
    route: 'GET /api/v1/settings',
    expect: { admin: 200, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: O, anon: U },
    req: () => ({ path: '/api/v1/settings' }),
  },
  {
    route: 'PATCH /api/v1/settings',
    expect: { admin: 200, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: O, anon: U },
    req: () => ({ path: '/api/v1/settings', body: { require_totp_admin: false } }),
  },

  // ---- household import and the ledger export (tests/api/import.test.mjs has the details) ----
  // Imports are not scoped by the route (rows outside the caller's subtree are
  // bad rows); a job is seen within the subtree of whoever started it: "out" is
  // one the county admin started.
  {
    route: 'POST /api/v1/imports', expect: IMPORT_WRITE(202),
    req: () => ({ path: '/api/v1/imports?mode=validate', raw: { type: 'text/csv', data: importCsv() } }),
  },
  {
    route: 'GET /api/v1/imports/{id}', scoped: true, expect: { ...IMPORT_WRITE([200, O]), admin: 200 },
    setup: (p, where) => importJob(p, where),
    req: (w, p, id) => ({ path: `/api/v1/imports/${num(id)}` }),
  },
  {
    route: 'GET /api/v1/imports/{id}/report.csv', scoped: true, expect: { ...IMPORT_WRITE([200, O]), admin: 200 },
    setup: (p, where) => importJob(p, where),
    req: (w, p, id) => ({ path: `/api/v1/imports/${num(id)}/report.csv` }),
  },
  { route: 'GET /api/v1/imports/template.csv', expect: IMPORT_WRITE(200), req: () => ({ path: '/api/v1/imports/template.csv' }) },
  { route: 'GET /api/v1/imports/template.xlsx', expect: IMPORT_WRITE(200), req: () => ({ path: '/api/v1/imports/template.xlsx' }) },
  {
    route: 'GET /api/v1/households/export.csv', scoped: true, expect: HH_READ,
    req: (w) => ({ path: `/api/v1/households/export.csv?org_id=${w === 'in' ? T.group : T.hc}` }),
  },
  {
    route: 'GET /api/v1/households/export.xlsx', scoped: true, expect: HH_READ,
    req: (w) => ({ path: `/api/v1/households/export.xlsx?org_id=${w === 'in' ? T.group : T.hc}` }),
  },
  // ---- duty: check-ins, devices, OsmAnd (api/duty_checkins.c) ----
  // Points are made by secretaries only; read by the secretary (their own:
  // "in" is the demo secretary, "out" the one in 洪川镇) and supervisors in scope.
  {
    route: 'POST /api/v1/duty/checkins', expect: { ...CK_NONE, secretary: 201 },
    req: () => ({ path: '/api/v1/duty/checkins', body: { lat: 29.73, lon: 103.27, accuracy: 15 } }),
  },
  {
    route: 'GET /api/v1/duty/checkins', scoped: true, expect: CK_READ(200),
    req: (w) => ({ path: `/api/v1/duty/checkins?user_id=${w === 'in' ? T.secretary : T.secretaryOut}` }),
  },
  {
    route: 'POST /api/v1/duty/checkins/{id}/photos', scoped: true, expect: { ...CK_NONE, secretary: [201, O] },
    req: (w) => ({ path: `/api/v1/duty/checkins/${w === 'in' ? T.checkinIn : T.checkinOut}/photos`, raw: { type: 'image/png', data: PNG } }),
  },
  {
    route: 'GET /api/v1/duty/checkin-photos/{id}', scoped: true, expect: CK_READ(200),
    req: (w) => ({ path: `/api/v1/duty/checkin-photos/${w === 'in' ? T.checkinPhotoIn : T.checkinPhotoOut}` }),
  },
  { route: 'GET /api/v1/duty/devices', expect: { ...CK_NONE, secretary: 200 }, req: () => ({ path: '/api/v1/duty/devices' }) },
  {
    route: 'POST /api/v1/duty/devices', expect: { ...CK_NONE, secretary: 201 },
    req: () => ({ path: '/api/v1/duty/devices', body: { label: '手机' } }),
  },
  {
    // A fresh device of the secretary ("in") or the 洪川镇 secretary's ("out").
    route: 'DELETE /api/v1/duty/devices/{id}', scoped: true, expect: { ...CK_NONE, secretary: [204, O] },
    setup: async (p, w) => (w === 'out' ? T.deviceOut : p.name === 'secretary' ? newDevice(P.secretary) : T.deviceOut),
    req: (w, p, id) => ({ path: `/api/v1/duty/devices/${num(id)}` }),
  },
  // The registered device identifier is the credential: the caller's session plays no part.
  {
    route: 'GET /api/v1/osmand', expect: PUBLIC(200),
    req: () => ({ path: `/api/v1/osmand?id=${T.deviceIdent}&lat=29.73&lon=103.27&accuracy=20` }),
  },
  {
    route: 'POST /api/v1/osmand', expect: PUBLIC(200),
    req: () => ({ path: '/api/v1/osmand', body: { device_id: T.deviceIdent, location: { timestamp: new Date().toISOString(), coords: { latitude: 29.73, longitude: 103.27, accuracy: 12 } } } }),
  },
  // ---- duty: events and spot checks (api/duty_spot.c) ----
  // The event stream never ends by itself: signed-in callers probe it with HEAD
  // (the same route and checks as GET, the headers without the endless body);
  // anonymous callers GET it and get the 401 JSON.
  {
    route: 'GET /api/v1/events', expect: SELF(200),
    req: (w, p) => ({ method: p.anon ? 'GET' : 'HEAD', path: '/api/v1/events' }),
  },
  {
    route: 'GET /api/v1/duty/spot-checks', scoped: true,
    expect: { admin: 200, auditor: 200, official: [200, O], secretary: [200, O], cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/duty/spot-checks?org_id=${w === 'in' ? T.village : T.hc}` }),
  },
  // Each supervising caller asks its own fresh secretary ("in", the secretary's
  // village) or the 洪川镇 secretary ("out"): one open spot check per secretary.
  {
    route: 'POST /api/v1/duty/spot-checks', scoped: true,
    expect: { admin: 201, auditor: F, official: [201, O], secretary: F, cadre: F, villager: F, townadmin: [201, O], anon: U },
    req: (w, p) => ({ path: '/api/v1/duty/spot-checks', body: { user_ids: [w === 'in' ? T.spotAsk[p.name] ?? T.secretary : T.secretaryOut] } }),
  },
  {
    route: 'POST /api/v1/duty/spot-checks/{id}/cancel', scoped: true,
    expect: { admin: 200, auditor: F, official: [200, O], secretary: F, cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w, p) => ({ path: `/api/v1/duty/spot-checks/${w === 'in' ? T.spotOpen[p.name] ?? T.spotOut : T.spotOut}/cancel` }),
  },
  // ---- duty: settings, calendar, geofences, leave, inquiries, sanctions (api/duty_rules.c) ----
  // Read by every duty role (a secretary their own records); settings and the
  // calendar written by the county; leave filed by secretaries and decided,
  // like inquiries and sanctions, by supervisors in scope. "out" is 洪川镇.
  ...(() => {
    const READ = { admin: 200, auditor: 200, official: 200, secretary: 200, cadre: F, villager: F, townadmin: 200, anon: U };
    const LIST = { admin: 200, auditor: 200, official: [200, O], secretary: [200, O], cadre: F, villager: F, townadmin: [200, O], anon: U };
    const COUNTY = { admin: 200, auditor: F, official: F, secretary: F, cadre: F, villager: F, townadmin: O, anon: U };
    const SUPERVISE = { admin: 200, auditor: F, official: [200, O], secretary: F, cadre: F, villager: F, townadmin: [200, O], anon: U };
    const list = (path) => (w) => ({ path: `${path}?org_id=${w === 'in' ? T.village : T.hc}` });
    const pop = (pool, w) => T.dutyPools[pool][w].pop();
    return [
      { route: 'GET /api/v1/duty/settings', expect: READ, req: () => ({ path: '/api/v1/duty/settings' }) },
      { route: 'PATCH /api/v1/duty/settings', expect: COUNTY, req: () => ({ path: '/api/v1/duty/settings', body: { spot_deadline_min: 15 } }) },
      { route: 'GET /api/v1/duty/calendar', expect: READ, req: () => ({ path: '/api/v1/duty/calendar?year=2026' }) },
      { route: 'PUT /api/v1/duty/calendar/{year}', expect: COUNTY, req: () => ({ path: '/api/v1/duty/calendar/2031', body: { days: [{ day: '2031-01-01', working: false, name: '元旦' }] } }) },
      { route: 'GET /api/v1/org/{id}/geofence', scoped: true, expect: LIST, req: (w) => ({ path: `/api/v1/org/${w === 'in' ? T.village : T.hcVillage}/geofence` }) },
      {
        route: 'PUT /api/v1/org/{id}/geofence', scoped: true, expect: SUPERVISE,
        req: (w) => ({ path: `/api/v1/org/${w === 'in' ? T.fenceVillage : T.hcVillage}/geofence`, body: { center: [29.6, 103.1], radius_m: 1000 } }),
      },
      {
        // A fresh village with a fence, in the official's town or in 洪川镇.
        route: 'DELETE /api/v1/org/{id}/geofence', scoped: true, expect: { ...SUPERVISE, admin: 204, official: [204, O], townadmin: [204, O] },
        setup: (p, w) => T.fencedVillage(w), req: (w, p, id) => ({ path: `/api/v1/org/${num(id)}/geofence` }),
      },
      { route: 'GET /api/v1/duty/leaves', scoped: true, expect: LIST, req: list('/api/v1/duty/leaves') },
      {
        route: 'POST /api/v1/duty/leaves', expect: { ...COUNTY, admin: F, townadmin: F, secretary: 201 },
        req: () => ({ path: '/api/v1/duty/leaves', body: T.leaveBody() }),
      },
      {
        route: 'POST /api/v1/duty/leaves/{id}/decision', scoped: true, expect: SUPERVISE,
        setup: (p, w) => T.newLeave(w), req: (w, p, id) => ({ path: `/api/v1/duty/leaves/${num(id)}/decision`, body: { approve: true, note: '同意' } }),
      },
      {
        route: 'DELETE /api/v1/duty/leaves/{id}', scoped: true,
        expect: { admin: F, auditor: F, official: F, secretary: [204, O], cadre: F, villager: F, townadmin: F, anon: U },
        setup: (p, w) => T.newLeave(w), req: (w, p, id) => ({ path: `/api/v1/duty/leaves/${num(id)}` }),
      },
      { route: 'GET /api/v1/duty/inquiries', scoped: true, expect: LIST, req: list('/api/v1/duty/inquiries') },
      {
        route: 'PATCH /api/v1/duty/inquiries/{id}', scoped: true, expect: SUPERVISE,
        setup: (p, w) => pop('inquiry', w), req: (w, p, id) => ({ path: `/api/v1/duty/inquiries/${num(id)}`, body: { call_made: true, reason_category: 'sick' } }),
      },
      {
        route: 'POST /api/v1/duty/inquiries/{id}/decision', scoped: true, expect: SUPERVISE,
        setup: (p, w) => pop('inquiry', w), req: (w, p, id) => ({ path: `/api/v1/duty/inquiries/${num(id)}/decision`, body: { accepted: true } }),
      },
      { route: 'GET /api/v1/duty/sanctions', scoped: true, expect: LIST, req: list('/api/v1/duty/sanctions') },
      {
        route: 'POST /api/v1/duty/sanctions/{id}/decision', scoped: true, expect: SUPERVISE,
        setup: (p, w) => pop('sanction', w), req: (w, p, id) => ({ path: `/api/v1/duty/sanctions/${num(id)}/decision`, body: { approve: false, note: '撤销' } }),
      },
      { route: 'POST /api/v1/duty/evaluate', expect: COUNTY, req: () => ({ path: '/api/v1/duty/evaluate' }) },
    ];
  })(),
  // ---- duty: ledger, today, evaluation, stats (api/duty_reports.c) ----
  // Duty reads, scoped through ?org_id=: "in" the secretary's own village, "out" 洪川镇.
  ...['ledger', 'ledger.csv', 'ledger.xlsx', 'today', 'evaluation', 'evaluation.csv', 'evaluation.xlsx', 'stats'].map((name) => ({
    route: `GET /api/v1/duty/${name}`, scoped: true,
    expect: { admin: 200, auditor: 200, official: [200, O], secretary: [200, O], cadre: F, villager: F, townadmin: [200, O], anon: U },
    req: (w) => ({ path: `/api/v1/duty/${name}?org_id=${w === 'in' ? T.village : T.hc}` }),
  })),
];

// A one-household import file under the villager's group.
function importCsv() {
  const code = T.list.find((o) => o.id === T.group).code;
  return `户编号,村组代码,成员姓名,身份证号,与户主关系\r\n${uniq('IM-')},${code},成员,${idNumber()},户主\r\n`;
}
// A finished import job: the caller's own ("in") or the county admin's ("out").
async function importJob(p, where) {
  if (where === 'out') return T.adminJob;
  const r = await send(p, { method: 'POST', path: '/api/v1/imports?mode=validate', raw: { type: 'text/csv', data: importCsv() } });
  if (r.status !== 202) return {};
  for (let i = 0; i < 200; i++) {
    const j = await send(p, { method: 'GET', path: `/api/v1/imports/${r.json.id}` });
    if (!['queued', 'running'].includes(j.json.status)) return r.json.id;
    await new Promise((ok) => setTimeout(ok, 25));
  }
  throw new Error('import job did not finish');
}

// ---- setup ----

before(async () => {
  srv = await startServer();
  const admin = await as(srv, 'admin');
  const L = await landmarks(admin);
  const hcVillage = L.list.find((o) => o.parent_id === L.hc).id;
  const mkUser = async (login, role, org_id, phone) =>
    expectOk(await admin.post('/api/v1/users', { login, display_name: login, role, org_id, password: DEMO_PASSWORD, phone }), 201).id;
  const [, uIn, uOut] = await Promise.all([
    mkUser('townadmin', 'admin', L.town),
    mkUser('acc-in', 'villager', L.group, '13911112222'),
    mkUser('acc-out', 'villager', hcVillage, '13933334444'),
    mkUser('bystander', 'villager', L.group),
  ]);
  const hcGroup = L.list.find((o) => o.level === 'group' && L.list.find((v) => v.id === o.parent_id)?.parent_id === L.hc).id;
  T = { ...L, uIn, uOut, hcGroup, cadre: L.user('cadre').id, bystander: { login: 'bystander' } };
  const logins = CALLERS.filter((c) => c !== 'anon');
  const clients = await Promise.all([...logins, 'bystander'].map((l) => as(srv, l)));
  logins.forEach((name, i) => { P[name] = { name, login: name, cookie: clients[i].cookie, csrf: clients[i].csrf }; });
  P.anon = { name: 'anon', anon: true };
  const by = clients[clients.length - 1];
  // The villager's own household file, and one in 洪川镇.
  const own = expectOk(await send(P.villager, { method: 'GET', path: '/api/v1/households' }), 200);
  assert.equal(own.total, 1, 'the demo villager has a household');
  T.ownHousehold = own.items[0].id;
  T.hhOut = await household('out');
  T.adminJob = await importJob(P.admin, 'in');
  T.photoIn = await photo(await visit('in', T.ownHousehold));
  T.photoOut = await photo(await visit('out', T.hhOut));
  T.bystander.sessionId = (await by.get('/api/v1/me/sessions')).json.items[0].id;
  T.bystander.tokenId = expectOk(await by.post('/api/v1/me/tokens', { name: 'bystander' }), 201).id;
  // A secretary in 洪川镇 ("out" for duty routes), for the duty rows.
  T.secretaryOut = await mkUser('acc-sec-out', 'secretary', hcVillage);
  T.secretary = L.user('secretary').id;
  // ---- duty setup: each part adds its T fields below ----
  // Spot checks (api/duty_spot.c): per supervising caller a fresh secretary of
  // the secretary's village to ask, and an open spot check to cancel; one open
  // spot check in 洪川镇 ("out", cancelled by the county admin only).
  {
    const sups = ['admin', 'official', 'townadmin'];
    const secs = await Promise.all([...sups, ...sups].map((n, i) => mkUser(`acc-spot-${i}`, 'secretary', T.village)));
    const hcSec = await mkUser('acc-spot-hc', 'secretary', hcVillage);
    const admin = await as(srv, 'admin');
    const open = async (uid) => expectOk(await admin.post('/api/v1/duty/spot-checks', { user_ids: [uid] }), 201).items[0].id;
    T.spotAsk = Object.fromEntries(sups.map((n, i) => [n, secs[i]]));
    T.spotOpen = Object.fromEntries(await Promise.all(sups.map(async (n, i) => [n, await open(secs[3 + i])])));
    T.spotOut = await open(hcSec);
  }
  // Rules (api/duty_rules.c): a village of the official's town for fence writes,
  // 洪川镇's village with a fence, fresh leave on demand (days never overlap),
  // and pools of open inquiries and draft sanctions written straight into the
  // database (the evaluation and the ladder make them in real life).
  {
    const { sql } = await import('./helpers.mjs');
    const { BACKEND } = await import('../lib/server.mjs');
    const admin = await as(srv, 'admin');
    const secOut = await as(srv, 'acc-sec-out');
    T.hcVillage = hcVillage;
    T.fenceVillage = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: uniq('围栏村') }), 201).id;
    expectOk(await admin.put(`/api/v1/org/${hcVillage}/geofence`, { center: [29.6, 103.1], radius_m: 1000 }), 200);
    // Made by the table's admin: sessions of other clients end when a row changes the admin's password.
    T.fencedVillage = async (w) => {
      const body = { parent_id: w === 'in' ? T.town : T.hc, code: orgCode(), name: uniq('围栏村') };
      const id = expectOk(await send(P.admin, { method: 'POST', path: '/api/v1/org', body }), 201).id;
      expectOk(await send(P.admin, { method: 'PUT', path: `/api/v1/org/${id}/geofence`, body: { center: [29.6, 103.1], radius_m: 1000 } }), 200);
      return id;
    };
    let leaveSeq = 0;
    T.leaveBody = () => {
      const day = new Date(Date.UTC(2030, 0, 1) + 2 * 86400000 * leaveSeq++).toISOString().slice(0, 10);
      return { kind: 'leave', start_day: day, end_day: day, reason: '事假' };
    };
    T.newLeave = async (w) => {
      const c = w === 'in' ? P.secretary : { cookie: secOut.cookie, csrf: secOut.csrf };
      return expectOk(await send(c, { method: 'POST', path: '/api/v1/duty/leaves', body: T.leaveBody() }), 201).id;
    };
    const insert = (q) => {
      const out = sql(srv, BACKEND === 'pg' ? q : `PRAGMA busy_timeout = 10000; ${q}`).trim().split('\n');
      return out.slice(BACKEND === 'pg' ? 0 : 1).map(Number);
    };
    const values = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join(', ');
    T.dutyPools = { inquiry: {}, sanction: {} };
    for (const [w, user, org] of [['in', T.secretary, T.village], ['out', T.secretaryOut, hcVillage]]) {
      T.dutyPools.inquiry[w] = insert(`INSERT INTO inquiry (user_id, org_id, kind, day, window_idx, opened_at, status) VALUES ${
        values(16, (i) => `(${user}, ${org}, 'window', '2020-01-01', ${i}, 0, 'open')`)} RETURNING id`);
      T.dutyPools.sanction[w] = insert(`INSERT INTO sanction (user_id, org_id, kind, status, basis, created_at) VALUES ${
        values(8, () => `(${user}, ${org}, 'notice', 'draft', '{}', 0)`)} RETURNING id`);
    }
  }
  // Check-ins (with a photo) of both secretaries, their devices.
  {
    const out = await as(srv, 'acc-sec-out');
    const secOut = { name: 'acc-sec-out', login: 'acc-sec-out', cookie: out.cookie, csrf: out.csrf };
    const checkin = async (p) => expectOk(await send(p, { method: 'POST', path: '/api/v1/duty/checkins', body: { lat: 29.7, lon: 103.2 } }), 201).id;
    const cphoto = async (p, id) => expectOk(await send(p, { method: 'POST', path: `/api/v1/duty/checkins/${id}/photos`, raw: { type: 'image/png', data: PNG } }), 201).id;
    [T.checkinIn, T.checkinOut] = await Promise.all([checkin(P.secretary), checkin(secOut)]);
    [T.checkinPhotoIn, T.checkinPhotoOut] = await Promise.all([cphoto(P.secretary, T.checkinIn), cphoto(secOut, T.checkinOut)]);
    T.deviceOut = await newDevice(secOut);
    T.deviceIdent = expectOk(await send(P.secretary, { method: 'POST', path: '/api/v1/duty/devices', body: { label: '门卫', identifier: 'access-test-phone' } }), 201).identifier;
  }
});

after(() => stopServer(srv));

// ---- the checks ----

test('the table has exactly one row per route of `xiangcun routes`', () => {
  const routes = listRoutes(srv);
  const rows = ROWS.map((r) => r.route);
  assert.equal(new Set(rows).size, rows.length, 'a route has two rows');
  const missing = routes.filter((r) => !rows.includes(r));
  const extra = rows.filter((r) => !routes.includes(r));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] },
    'every route needs a row in ROWS of tests/api/access.test.mjs (and a row names no route that does not exist)');
  for (const row of ROWS)
    assert.deepEqual(Object.keys(row.expect).sort(), [...CALLERS].sort(), `${row.route}: one answer per caller`);
});

function patternRegex(pattern) {
  return new RegExp('^' + pattern.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[0-9]+') + '$');
}

function check(r, want) {
  if (typeof want === 'number') return r.status === want ? null : `${r.status} ${r.text.slice(0, 120)}`;
  const status = CODE_STATUS[want];
  const e = r.json?.error;
  if (r.status !== status || !e || e.code !== want || typeof e.message !== 'string' || !e.message)
    return `${r.status} ${r.text.slice(0, 120)}`;
  return null;
}

for (const row of ROWS) {
  test(`access: ${row.route}`, async () => {
    const [method, pattern] = row.route.split(' ');
    const wheres = row.scoped ? ['in', 'out'] : ['in'];
    const failures = [];
    await Promise.all(CALLERS.map(async (name) => {
      const p = P[name];
      for (const where of wheres) {
        const spec = row.expect[name];
        const want = Array.isArray(spec) ? spec[where === 'in' ? 0 : 1] : spec;
        const ctx = row.setup && !p.anon ? await row.setup(p, where) : {};
        const rq = row.req(where, p, ctx);
        assert.match(rq.path.split('?')[0], patternRegex(pattern), `${row.route}: request path ${rq.path}`);
        const r = await send(p, { method, ...rq });
        const bad = check(r, want);
        if (bad) failures.push(`${name} ${where}: want ${want}, got ${bad}`);
        if (row.cleanup && !p.anon) await row.cleanup(p, ctx, r);
      }
    }));
    assert.deepEqual(failures, [], `${row.route}:\n  ${failures.join('\n  ')}`);
  });
}

test('anonymous callers get 401 unauthenticated on every non-public route, whatever the path id', async () => {
  const publicRoutes = ROWS.filter((r) => ![r.expect.anon].flat().every((a) => a === U)).map((r) => r.route);
  assert.deepEqual(publicRoutes.sort(), ['GET /api/v1/osmand', 'GET /healthz', 'GET /metrics', 'POST /api/v1/osmand', 'POST /api/v1/session']);
  for (const route of listRoutes(srv)) {
    if (publicRoutes.includes(route)) continue;
    const [method, pattern] = route.split(' ');
    const r = await send(P.anon, { method, path: fill(pattern, 999999), body: method === 'GET' ? undefined : {} });
    assert.equal(check(r, U), null, `${route}`);
  }
});

test('a bad or foreign session cookie or token is anonymous', async () => {
  for (const auth of [{ cookie: 'xc_session=forged', csrf: 'x' }, { cookie: 'xc_session=' + 'a'.repeat(500), csrf: 'x' }]) {
    const r = await send(P.anon, { method: 'GET', path: '/api/v1/me', auth });
    assert.equal(check(r, U), null, `cookie ${auth.cookie.slice(0, 30)}`);
  }
  for (const token of ['xct_forged', 'not-a-token', '']) {
    const res = await fetch(srv.base + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401, `bearer ${token}`);
  }
});
