// audit.test.mjs: trace supervision. Every change leaves an audit record (who,
// from where, what, before/after); the auditor reads but changes nothing; the
// CSV export; and `xiangcun audit verify` catching tampering done directly in
// the database by someone who also dropped the append-only triggers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, stop, as, Client, BACKEND, DEMO_PASSWORD } from '../lib/server.mjs';
import { expectError, expectOk, landmarks, orgCode, uniq, freshOtp, listRoutes, routeFlags, sql, auditVerify, fill, idNumber } from './helpers.mjs';

let srv, admin, auditor, T;

before(async () => {
  srv = await startServer();
  [admin, auditor] = await Promise.all([as(srv, 'admin'), as(srv, 'auditor')]);
  T = await landmarks(admin);
});

after(() => stopServer(srv));

// The newest audit record matching the filters (as the auditor sees it).
async function latest(filters) {
  const q = new URLSearchParams({ ...filters, per_page: '1' });
  const r = expectOk(await auditor.get(`/api/v1/audit?${q}`), 200);
  assert.ok(r.items.length, `no audit record for ${q}`);
  return r.items[0];
}

function expectRecord(rec, { action, actor = 'admin', entity, entity_id }) {
  assert.equal(rec.action, action);
  assert.equal(rec.actor_login, actor, `${action}: actor`);
  assert.equal(typeof rec.actor_id, 'number', `${action}: actor id`);
  assert.equal(rec.ip, '127.0.0.1', `${action}: ip`);
  assert.equal(typeof rec.ts, 'number');
  assert.ok(Math.abs(rec.ts - Date.now() / 1000) < 120, `${action}: timestamp`);
  if (entity) assert.equal(rec.entity, entity, `${action}: entity`);
  if (entity_id !== undefined) assert.equal(rec.entity_id, String(entity_id), `${action}: entity id`);
  for (const k of ['seq', 'ts', 'actor_id', 'actor_login', 'ip', 'action', 'entity', 'entity_id', 'before', 'after']) assert.ok(k in rec, k);
}

test('every mutation leaves an audit record with actor, IP, action and before/after', async () => {
  // The county tree.
  const org = expectOk(await admin.post('/api/v1/org', { parent_id: T.village, code: orgCode(), name: '审计组' }), 201);
  let rec = await latest({ action: 'org.create', entity_id: org.id });
  expectRecord(rec, { action: 'org.create', entity: 'org', entity_id: org.id });
  assert.equal(rec.before, null);
  assert.equal(rec.after.name, '审计组');
  assert.equal(rec.after.code, org.code);
  expectOk(await admin.patch(`/api/v1/org/${org.id}`, { name: '审计二组' }), 200);
  rec = await latest({ action: 'org.update', entity_id: org.id });
  expectRecord(rec, { action: 'org.update', entity: 'org', entity_id: org.id });
  assert.equal(rec.before.name, '审计组');
  assert.equal(rec.after.name, '审计二组');

  // Users.
  const login = uniq('aud');
  const u = expectOk(await admin.post('/api/v1/users', {
    login, display_name: '审计对象', role: 'villager', org_id: T.group, password: DEMO_PASSWORD, phone: '13566667777',
  }), 201);
  rec = await latest({ action: 'user.create', entity_id: u.id });
  expectRecord(rec, { action: 'user.create', entity: 'user', entity_id: u.id });
  assert.equal(rec.before, null);
  assert.equal(rec.after.login, login);
  assert.equal(rec.after.phone, '135****7777');
  expectOk(await admin.patch(`/api/v1/users/${u.id}`, { display_name: '改过的', phone: '13588889999' }), 200);
  rec = await latest({ action: 'user.update', entity_id: u.id });
  expectRecord(rec, { action: 'user.update', entity: 'user', entity_id: u.id });
  assert.deepEqual([rec.before.display_name, rec.before.phone], ['审计对象', '135****7777']);
  assert.deepEqual([rec.after.display_name, rec.after.phone], ['改过的', '135****9999']);
  expectOk(await admin.post(`/api/v1/users/${u.id}/password`, { password: 'Audit#Pass2026' }), 204);
  expectRecord(await latest({ action: 'user.password', entity_id: u.id }), { action: 'user.password', entity: 'user', entity_id: u.id });
  expectOk(await admin.post(`/api/v1/users/${u.id}/reveal`, { password: DEMO_PASSWORD }), 200);
  rec = await latest({ action: 'user.reveal', entity_id: u.id });
  expectRecord(rec, { action: 'user.reveal', entity: 'user', entity_id: u.id });
  assert.deepEqual(rec.after, { field: 'phone' });

  // Settings.
  expectOk(await admin.patch('/api/v1/settings', { require_totp_admin: false }), 200);
  rec = await latest({ action: 'settings.update' });
  expectRecord(rec, { action: 'settings.update', entity: 'setting', entity_id: 'require_totp_admin' });
  assert.deepEqual([rec.before, rec.after], [{ require_totp_admin: false }, { require_totp_admin: false }]);

  // Sign-in, self-service and sign-out, as the user.
  const c = new Client(srv);
  expectError(await c.login(login, 'Wrong#Pass2026'), 401, 'bad_credentials');
  rec = await latest({ action: 'session.login_failed' });
  assert.equal(rec.action, 'session.login_failed');
  assert.equal(rec.ip, '127.0.0.1');
  assert.deepEqual(rec.after, { login, reason: 'bad_credentials' });
  assert.ok(!JSON.stringify(rec).includes('Wrong#Pass2026'), 'no password in the log');
  expectOk(await c.login(login, 'Audit#Pass2026'), 200);
  expectRecord(await latest({ action: 'session.login', entity_id: u.id }), { action: 'session.login', actor: login, entity: 'user', entity_id: u.id });
  expectOk(await c.post('/api/v1/me/password', { old_password: 'Audit#Pass2026', new_password: 'Audit#Pass2027' }), 204);
  expectRecord(await latest({ action: 'user.password', actor: login }), { action: 'user.password', actor: login, entity_id: u.id });
  const tok = expectOk(await c.post('/api/v1/me/tokens', { name: '审计令牌' }), 201);
  rec = await latest({ action: 'token.create', entity_id: tok.id });
  expectRecord(rec, { action: 'token.create', actor: login, entity: 'token', entity_id: tok.id });
  assert.deepEqual(rec.after, { name: '审计令牌' });
  assert.ok(!JSON.stringify(rec).includes(tok.token));
  expectOk(await c.del(`/api/v1/me/tokens/${tok.id}`), 204);
  expectRecord(await latest({ action: 'token.revoke', entity_id: tok.id }), { action: 'token.revoke', actor: login, entity: 'token', entity_id: tok.id });
  const other = new Client(srv);
  expectOk(await other.login(login, 'Audit#Pass2027'), 200);
  const sid = expectOk(await other.get('/api/v1/me/sessions'), 200).items.find((s) => s.current).id;
  expectOk(await c.del(`/api/v1/me/sessions/${sid}`), 204);
  expectRecord(await latest({ action: 'session.revoke', entity_id: sid }), { action: 'session.revoke', actor: login, entity: 'session', entity_id: sid });
  const { secret } = expectOk(await c.post('/api/v1/me/totp'), 200);
  expectRecord(await latest({ action: 'totp.begin', actor: login }), { action: 'totp.begin', actor: login, entity_id: u.id });
  assert.ok(!JSON.stringify(await latest({ action: 'totp.begin', actor: login })).includes(secret));
  expectOk(await c.post('/api/v1/me/totp/confirm', { code: freshOtp(srv, secret, new Map(), login) }), 204);
  expectRecord(await latest({ action: 'totp.enable', actor: login }), { action: 'totp.enable', actor: login, entity_id: u.id });
  expectOk(await c.del('/api/v1/me/totp', { password: 'Audit#Pass2027' }), 204);
  expectRecord(await latest({ action: 'totp.disable', actor: login }), { action: 'totp.disable', actor: login, entity_id: u.id });
  expectOk(await c.del('/api/v1/session'), 204);
  expectRecord(await latest({ action: 'session.logout', actor: login }), { action: 'session.logout', actor: login, entity_id: u.id });

  // A refused change leaves no record.
  const total = expectOk(await auditor.get('/api/v1/audit'), 200).total;
  expectError(await admin.post('/api/v1/org', { parent_id: T.village, code: 'bad', name: 'x' }), 400, 'invalid_org_code');
  expectError(await admin.patch(`/api/v1/users/${u.id}`, { role: 'king' }), 400, 'invalid_value');
  assert.equal(expectOk(await auditor.get('/api/v1/audit'), 200).total, total);
});

test('the audit list: newest first, filters, paging', async () => {
  const page1 = expectOk(await auditor.get('/api/v1/audit?per_page=5'), 200);
  assert.equal(page1.items.length, 5);
  const seqs = page1.items.map((r) => r.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
  assert.equal(seqs[0], page1.total, 'seq numbers run 1..total without gaps');
  const page2 = expectOk(await auditor.get('/api/v1/audit?per_page=5&page=2'), 200);
  assert.equal(page2.items[0].seq, seqs[4] - 1);
  const creates = expectOk(await auditor.get('/api/v1/audit?action=org.create&entity=org&per_page=200'), 200);
  assert.ok(creates.total > 50, 'the demo county was audited as it was built');
  assert.ok(creates.items.every((r) => r.action === 'org.create' && r.entity === 'org'));
  const byAdmin = expectOk(await auditor.get('/api/v1/audit?actor=admin&per_page=200'), 200);
  assert.ok(byAdmin.total > 0 && byAdmin.items.every((r) => r.actor_login === 'admin'));
  const ts = page1.items[0].ts;
  const window = expectOk(await auditor.get(`/api/v1/audit?from=${ts}&to=${ts}&per_page=200`), 200);
  assert.ok(window.items.every((r) => r.ts === ts) && window.total >= 1);
  assert.equal(expectOk(await auditor.get(`/api/v1/audit?to=${ts - 100000}`), 200).total, 0);
  assert.equal(expectOk(await auditor.get('/api/v1/audit?action=no.such'), 200).total, 0);
});

test('the auditor reads the log but every other mutation route answers 403', async () => {
  expectOk(await auditor.get('/api/v1/audit'), 200);
  const csv = await auditor.get('/api/v1/audit.csv');
  expectOk(csv, 200);
  expectOk(await auditor.get('/api/v1/org'), 200);
  expectOk(await auditor.get('/api/v1/users'), 200);
  const target = expectOk(await admin.post('/api/v1/users', {
    login: uniq('aud'), display_name: 'x', role: 'villager', org_id: T.group, password: DEMO_PASSWORD, phone: '13511112222',
  }), 201);
  // Valid bodies: the refusal is for who asks, not what is asked.
  const bodies = {
    'POST /api/v1/org': { parent_id: T.village, code: orgCode(), name: '审计员建的' },
    'PATCH /api/v1/org/{id}': { name: '审计员改的' },
    'POST /api/v1/users': { login: uniq('aud'), display_name: 'x', role: 'villager', org_id: T.group, password: DEMO_PASSWORD },
    'PATCH /api/v1/users/{id}': { display_name: '审计员改的' },
    'POST /api/v1/users/{id}/password': { password: 'Auditor#Pass2026' },
    'POST /api/v1/users/{id}/reveal': { password: DEMO_PASSWORD },
    'PATCH /api/v1/settings': { require_totp_admin: true },
    'POST /api/v1/households': { number: 'AUD-1', org_id: T.group },
    'PATCH /api/v1/households/{id}': { address: '审计员改的' },
    'POST /api/v1/households/{id}/status': { status: 'exited', effective_date: '2026-01-01', reason: 'x' },
    'PUT /api/v1/households/{id}/guarantees': { items: [{ indicator: 'food', met: true }] },
    'PUT /api/v1/households/{id}/income/{year}': { wages: 1, farming: 1, business: 1, property: 1, transfers: 1, expenses: 1 },
    'POST /api/v1/households/{id}/members': { name: '审计员', id_number: idNumber(), relation: 'other' },
    'PATCH /api/v1/members/{id}': { name: '审计员改的' },
    'DELETE /api/v1/members/{id}': undefined,
    'POST /api/v1/members/{id}/reveal': { password: DEMO_PASSWORD, field: 'id_number' },
    'POST /api/v1/households/{id}/helpers': { cadre_id: T.user('cadre').id, unit: 'x', start_date: '2026-01-01' },
    'DELETE /api/v1/help-pairs/{id}': undefined,
    'POST /api/v1/households/{id}/visits': { notes: '审计员走访' },
    'PUT /api/v1/targets/{id}/{year}': { households: 1, people: 1 },
  };
  // Real targets for the ids: a household with a member and a help pair.
  const hh = expectOk(await admin.post('/api/v1/households', { number: 'AUD-0', org_id: T.group }), 201).id;
  const member = expectOk(await admin.post(`/api/v1/households/${hh}/members`, { name: '成员', id_number: idNumber(), relation: 'self' }), 201).id;
  const pair = expectOk(await admin.post(`/api/v1/households/${hh}/helpers`,
    { cadre_id: T.user('cadre').id, unit: 'x', start_date: '2026-01-01' }), 201).id;
  const idFor = (pattern) => (pattern.includes('/org/') || pattern.includes('/targets/') ? T.group
    : pattern.includes('/members/') ? member : pattern.includes('/help-pairs/') ? pair
      : pattern.includes('/households/') ? hh : target.id);
  // Self-service (their own password, sessions, tokens, 2FA) is all an auditor may change.
  // A route without a body above is sent none: the refusal comes before the body is read.
  // Public routes (the OsmAnd receiver: its device identifier is the credential) answer anyone.
  const flags = routeFlags();
  const mutations = listRoutes(srv).filter((r) => !r.startsWith('GET ') && !/ \/api\/v1\/(me|session)\b/.test(r)
    && !flags[r].includes('R_PUBLIC'));
  assert.deepEqual(Object.keys(bodies).filter((r) => !mutations.includes(r)), [], 'bodies for routes that do not exist');
  const before = expectOk(await auditor.get('/api/v1/audit'), 200).total;
  for (const route of mutations) {
    const [method, pattern] = route.split(' ');
    expectError(await auditor.req(method, fill(pattern, idFor(pattern)), bodies[route]), 403, 'forbidden');
  }
  assert.equal(expectOk(await auditor.get('/api/v1/audit'), 200).total, before, 'nothing changed');
  assert.equal(expectOk(await admin.get(`/api/v1/users/${target.id}`), 200).display_name, 'x');
});

test('the CSV export: header, one row per record, masked data, download headers', async () => {
  const r = await auditor.get('/api/v1/audit.csv');
  expectOk(r, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition') || '', /attachment; filename="[^"]+\.csv"/);
  const text = r.text.replace(/^\uFEFF/, '');
  const lines = text.split('\r\n');
  assert.equal(lines.pop(), '', 'ends with CRLF');
  assert.equal(lines[0], 'seq,ts,actor_id,actor_login,ip,action,entity,entity_id,before,after');
  const total = expectOk(await auditor.get('/api/v1/audit'), 200).total;
  // Fields are quoted; JSON values inside double their quotes, so count rows by their leading seq.
  const rows = lines.slice(1).filter((l) => /^"\d+","\d+",/.test(l));
  assert.equal(rows.length, total);
  assert.deepEqual(rows.slice(0, 3).map((l) => l.split(',')[0]), ['"1"', '"2"', '"3"']);
  assert.ok(rows.some((l) => l.includes('"org.create"')));
  const filtered = (await auditor.get('/api/v1/audit.csv?action=user.create')).text.replace(/^\uFEFF/, '').split('\r\n').filter((l) => /^"\d+"/.test(l));
  assert.equal(filtered.length, expectOk(await auditor.get('/api/v1/audit?action=user.create'), 200).total);
  assert.ok(filtered.every((l) => l.includes('"user.create"')));
});

// ---- tampering, with the server stopped ----

const TRIGGERS = BACKEND === 'pg'
  ? ['DROP TRIGGER audit_log_no_change ON audit_log']
  : ['DROP TRIGGER audit_log_no_update', 'DROP TRIGGER audit_log_no_delete'];

function expectBroken(n, what) {
  const v = auditVerify(srv);
  assert.equal(v.status, 1, `${what}: verify should fail:\n${v.stdout}${v.stderr}`);
  assert.match(v.stdout + v.stderr, new RegExp(`record ${n}\\b`), `${what}: names record ${n}`);
}

function expectIntact(what) {
  const v = auditVerify(srv);
  assert.equal(v.status, 0, `${what}: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, /intact/);
}

test('audit verify passes on a clean chain and names the record that was tampered with', async () => {
  expectIntact('clean chain, server running');
  await stop(srv);
  expectIntact('clean chain, server stopped');

  // While the append-only triggers exist, the log cannot be changed even directly.
  for (const q of ["UPDATE audit_log SET action = 'x' WHERE seq = 3", 'DELETE FROM audit_log WHERE seq = 2',
    ...(BACKEND === 'pg' ? ['TRUNCATE audit_log'] : [])])
    assert.throws(() => sql(srv, q), /append-only/, q);
  expectIntact('after refused changes');

  // An attacker with file or superuser access drops the triggers first.
  for (const q of TRIGGERS) sql(srv, q);

  // 1. A field of record 3 altered (then restored: the chain is whole again).
  const original = sql(srv, 'SELECT after_json FROM audit_log WHERE seq = 3').trim();
  sql(srv, `UPDATE audit_log SET after_json = '{"name":"forged"}' WHERE seq = 3`);
  expectBroken(3, 'after_json of 3 altered');
  sql(srv, `UPDATE audit_log SET after_json = '${original.replace(/'/g, "''")}' WHERE seq = 3`);
  expectIntact('record 3 restored');
  sql(srv, "UPDATE audit_log SET ip = '10.0.0.1' WHERE seq = 3");
  expectBroken(3, 'ip of 3 altered');
  sql(srv, "UPDATE audit_log SET ip = NULL WHERE seq = 3");   // the demo seed has no IP
  expectIntact('ip of 3 restored');
  sql(srv, 'UPDATE audit_log SET actor_login = NULL WHERE seq = 3');
  expectBroken(3, 'actor of 3 removed');

  sql(srv, 'UPDATE audit_log SET actor_login = \'demo\' WHERE seq = 3');
  expectIntact('record 3 restored again');

  // 2. Record 2 deleted (kept aside, then put back).
  sql(srv, 'CREATE TABLE audit_saved AS SELECT * FROM audit_log WHERE seq = 2');
  sql(srv, 'DELETE FROM audit_log WHERE seq = 2');
  expectBroken(2, 'record 2 deleted');
  sql(srv, 'INSERT INTO audit_log SELECT * FROM audit_saved');
  sql(srv, 'DROP TABLE audit_saved');
  expectIntact('record 2 put back');

  // 3. Two records' seq swapped (then swapped back).
  const swap = (a, b) => {
    sql(srv, `UPDATE audit_log SET seq = -1 WHERE seq = ${a}`);
    sql(srv, `UPDATE audit_log SET seq = ${a} WHERE seq = ${b}`);
    sql(srv, `UPDATE audit_log SET seq = ${b} WHERE seq = -1`);
  };
  swap(4, 5);
  expectBroken(4, 'records 4 and 5 swapped');
  swap(4, 5);
  expectIntact('records 4 and 5 back in order');

  // 4. The last record re-hashed without the key: a forged link.
  const last = Number(sql(srv, 'SELECT MAX(seq) FROM audit_log').trim());
  const hash = sql(srv, `SELECT hash FROM audit_log WHERE seq = ${last}`).trim();
  sql(srv, `UPDATE audit_log SET hash = '${'0'.repeat(64)}' WHERE seq = ${last}`);
  expectBroken(last, 'hash of the last record replaced');
  sql(srv, `UPDATE audit_log SET hash = '${hash}' WHERE seq = ${last}`);

  // 5. A record appended by hand at the end, with a made-up MAC.
  sql(srv, `INSERT INTO audit_log (seq, ts, actor_login, ip, action, prev_hash, hash) VALUES (${last + 1}, 0, 'intruder', '6.6.6.6', 'org.create', '${hash}', '${'1'.repeat(64)}')`);
  expectBroken(last + 1, 'forged record appended');
});
