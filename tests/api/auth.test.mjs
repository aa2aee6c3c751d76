// auth.test.mjs: signing in and staying signed in — cookies, CSRF, lockout,
// idle timeout, sessions, API tokens, passwords, disabled accounts and TOTP.
// Tests that move the server clock come last, and every test signs in afresh
// where an earlier clock move could have expired a session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, as, Client, advanceClock, DEMO_PASSWORD } from '../lib/server.mjs';
import { expectError, expectOk, landmarks, uniq, freshOtp, totpAt, serverNow, listRoutes, routeFlags, rawHttp, fill } from './helpers.mjs';

let srv, T, adminClient;
const otpUsed = new Map();

// The admin, signed in again when a clock move ended the session.
async function admin() {
  if (!adminClient || (await adminClient.get('/api/v1/me')).status !== 200) adminClient = await as(srv, 'admin');
  return adminClient;
}

// A new villager account (its own lockout counter, sessions and 2FA).
async function newUser(password = DEMO_PASSWORD, extra = {}) {
  const login = uniq('auth');
  const u = expectOk(await (await admin()).post('/api/v1/users', {
    login, display_name: login, role: 'villager', org_id: T.group, password, ...extra,
  }), 201);
  return { login, id: u.id, password };
}

async function login(user, password = user.password, otp) {
  const c = new Client(srv);
  const r = await c.login(user.login, password, otp);
  return { c, r };
}

before(async () => {
  srv = await startServer();
  T = await landmarks(await admin());
});

after(() => stopServer(srv));

test('login sets an HttpOnly SameSite=Strict session cookie and returns the user and a CSRF token', async () => {
  const c = new Client(srv);
  const r = await c.login('secretary');
  expectOk(r, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^xc_session=[A-Za-z0-9_-]{20,};/);
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(cookie, /;\s*SameSite=Strict/i);
  assert.match(cookie, /;\s*Path=\//);
  assert.doesNotMatch(cookie, /Secure/, 'no Secure flag over plain HTTP');
  assert.equal(r.json.user.login, 'secretary');
  assert.equal(r.json.user.role, 'secretary');
  assert.equal(r.json.must_enroll_totp, false);
  assert.ok(r.json.csrf.length >= 20);
  assert.equal(r.json.user.password_hash, undefined);
  const me = expectOk(await c.get('/api/v1/me'), 200);
  assert.equal(me.csrf, r.json.csrf);
  assert.equal(me.user.login, 'secretary');
  assert.notEqual(me.user.last_login_at, null);
});

test('wrong password and unknown login both give 401 bad_credentials', async () => {
  const c = new Client(srv);
  expectError(await c.login('secretary', 'Wrong#Pass2026'), 401, 'bad_credentials');
  expectError(await c.login('nobody-here', DEMO_PASSWORD), 401, 'bad_credentials');
  expectError(await new Client(srv, { lang: 'en' }).login('nobody-here', 'x'), 401, 'bad_credentials', { lang: 'en' });
  assert.equal(c.cookie, null, 'no cookie after a failed login');
  expectError(await c.get('/api/v1/me'), 401, 'unauthenticated');
});

test('mutations with the cookie need the X-CSRF-Token; bearer tokens do not', async () => {
  const c = await as(srv, 'cadre');
  const csrf = c.csrf;
  c.csrf = null;
  expectError(await c.post('/api/v1/me/tokens', { name: 'x' }), 403, 'csrf_failed');
  for (const bad of ['wrong', '', csrf.slice(0, -1), csrf + 'x', csrf.toUpperCase() === csrf ? csrf.toLowerCase() : csrf.toUpperCase()]) {
    expectError(await c.post('/api/v1/me/tokens', { name: 'x' }, { headers: { 'X-CSRF-Token': bad } }), 403, 'csrf_failed');
    expectError(await c.del('/api/v1/session', undefined, { headers: { 'X-CSRF-Token': bad } }), 403, 'csrf_failed');
  }
  // Another session's token is no good either.
  const other = await as(srv, 'cadre');
  expectError(await c.post('/api/v1/me/tokens', { name: 'x' }, { headers: { 'X-CSRF-Token': other.csrf } }), 403, 'csrf_failed');
  // Reads need none; the right token works.
  expectOk(await c.get('/api/v1/me'), 200);
  c.csrf = csrf;
  expectOk(await c.post('/api/v1/me/tokens', { name: 'x' }), 201);
  // The session survived all the refused attempts.
  expectOk(await c.get('/api/v1/me'), 200);
});

test('sessions: list with the current one marked, revoke another, which then gets 401', async () => {
  const u = await newUser();
  const { c: a } = await login(u);
  const { c: b } = await login(u);
  const list = expectOk(await a.get('/api/v1/me/sessions'), 200);
  assert.equal(list.total, 2);
  const current = list.items.filter((s) => s.current);
  assert.equal(current.length, 1);
  for (const s of list.items) {
    for (const k of ['id', 'created_at', 'last_seen_at', 'ip', 'user_agent', 'current']) assert.ok(k in s, k);
    assert.equal(s.ip, '127.0.0.1');
  }
  const bId = list.items.find((s) => !s.current).id;
  // Nobody else's session can be revoked (not even seen).
  const stranger = await as(srv, 'cadre');
  expectError(await stranger.del(`/api/v1/me/sessions/${bId}`), 404, 'not_found');
  expectOk(await b.get('/api/v1/me'), 200);
  expectOk(await a.del(`/api/v1/me/sessions/${bId}`), 204);
  expectError(await b.get('/api/v1/me'), 401, 'unauthenticated');
  expectError(await a.del(`/api/v1/me/sessions/${bId}`), 404, 'not_found');
  assert.equal(expectOk(await a.get('/api/v1/me/sessions'), 200).total, 1);
});

test('logout ends the session and clears the cookie', async () => {
  const u = await newUser();
  const { c } = await login(u);
  const cookie = c.cookie;
  const r = await c.del('/api/v1/session');
  expectOk(r, 204);
  assert.match(r.headers.get('set-cookie'), /xc_session=;.*Max-Age=0/);
  assert.equal(c.cookie, null);
  const stale = new Client(srv);
  stale.cookie = cookie;
  expectError(await stale.get('/api/v1/me'), 401, 'unauthenticated');
});

test('API tokens: created once, used as Bearer without CSRF, listed without the secret, revoked', async () => {
  const u = await newUser();
  const { c } = await login(u);
  const created = expectOk(await c.post('/api/v1/me/tokens', { name: '数据同步' }), 201);
  assert.match(created.token, /^xct_[A-Za-z0-9_-]{30,}$/);
  assert.equal(created.name, '数据同步');
  const bearer = new Client(srv);
  bearer.token = created.token;
  assert.equal(expectOk(await bearer.get('/api/v1/me'), 200).user.login, u.login);
  // A mutation with the token needs no CSRF header.
  const second = expectOk(await bearer.post('/api/v1/me/tokens', { name: 'second' }), 201);
  const list = expectOk(await c.get('/api/v1/me/tokens'), 200);
  assert.deepEqual(list.items.map((t) => t.name), ['数据同步', 'second']);
  for (const t of list.items) {
    assert.deepEqual(Object.keys(t).sort(), ['created_at', 'id', 'last_used_at', 'name']);
    assert.ok(!JSON.stringify(t).includes('xct_'));
  }
  assert.equal(typeof list.items[0].last_used_at, 'number', 'last use recorded');
  assert.equal(list.items[1].last_used_at, null);
  // A token of one user is not a cookie, and another's token id cannot be revoked.
  const stranger = await as(srv, 'cadre');
  expectError(await stranger.del(`/api/v1/me/tokens/${created.id}`), 404, 'not_found');
  expectOk(await c.del(`/api/v1/me/tokens/${created.id}`), 204);
  expectError(await bearer.get('/api/v1/me'), 401, 'unauthenticated');
  const other = new Client(srv);
  other.token = second.token;
  expectOk(await other.get('/api/v1/me'), 200);
  // A bearer may revoke itself.
  expectOk(await other.del(`/api/v1/me/tokens/${second.id}`), 204);
  expectError(await other.get('/api/v1/me'), 401, 'unauthenticated');
});

test('password policy: weak passwords are refused everywhere a password is set', async () => {
  const u = await newUser();
  const { c } = await login(u);
  const a = await admin();
  // Changing one's own password costs an argon2id check of the old one first: the brief's three cases.
  for (const weak of ['short1A', 'alllowercase', '12345678'])
    expectError(await c.post('/api/v1/me/password', { old_password: u.password, new_password: weak }), 400, 'weak_password');
  expectError(await c.post('/api/v1/me/password', { old_password: u.password, new_password: '' }), 400, 'invalid_value', { field: 'new_password' });
  for (const weak of ['short1A', 'alllowercase', '12345678', 'ALLUPPERCASE', 'abcdefg1', 'Ab1!', '密码密码密码密码']) {
    expectError(await a.post(`/api/v1/users/${u.id}/password`, { password: weak }), 400, 'weak_password');
    expectError(await a.post('/api/v1/users', { login: uniq('weak'), display_name: 'w', role: 'villager', org_id: T.group, password: weak }),
      400, 'weak_password');
  }
  expectError(await c.post('/api/v1/me/password', { old_password: u.password, new_password: 'short1A' },
    { headers: { 'Accept-Language': 'en' } }), 400, 'weak_password', { lang: 'en' });
  // Three kinds out of four, eight characters (counted as characters, not bytes) are enough.
  expectOk(await c.post('/api/v1/me/password', { old_password: u.password, new_password: '密码密码ab12' }), 204);
});

test('changing my own password needs the old one; the new one works, the old one no longer does', async () => {
  const u = await newUser();
  const { c } = await login(u);
  expectError(await c.post('/api/v1/me/password', { new_password: 'Next#Pass2026' }), 400, 'missing_field', { field: 'old_password' });
  expectError(await c.post('/api/v1/me/password', { old_password: 'Wrong#Pass2026', new_password: 'Next#Pass2026' }), 403, 'reauth_failed');
  expectOk(await c.post('/api/v1/me/password', { old_password: u.password, new_password: 'Next#Pass2026' }), 204);
  expectOk(await c.get('/api/v1/me'), 200);
  expectError((await login(u, u.password)).r, 401, 'bad_credentials');
  expectOk((await login(u, 'Next#Pass2026')).r, 200);
});

test('changing my own password ends my other sessions, not this one nor my API tokens', async () => {
  const u = await newUser();
  const { c } = await login(u);
  const { c: other } = await login(u);
  const tok = expectOk(await c.post('/api/v1/me/tokens', { name: 'script' }), 201).token;
  expectOk(await c.post('/api/v1/me/password', { old_password: u.password, new_password: 'Next#Pass2026' }), 204);
  expectOk(await c.get('/api/v1/me'), 200);
  expectError(await other.get('/api/v1/me'), 401, 'unauthenticated');
  const bearer = new Client(srv);
  bearer.token = tok;
  expectOk(await bearer.get('/api/v1/me'), 200);
});

test('failed re-authentication counts towards the lockout', async () => {
  const u = await newUser();
  const { c } = await login(u);
  for (let i = 0; i < 4; i++)
    expectError(await c.post('/api/v1/me/password', { old_password: 'Wrong#Pass2026', new_password: 'Next#Pass2026' }), 403, 'reauth_failed');
  expectError(await c.post('/api/v1/me/password', { old_password: 'Wrong#Pass2026', new_password: 'Next#Pass2026' }), 423, 'account_locked');
  // Locked: even the right password is refused, here and at sign-in.
  expectError(await c.post('/api/v1/me/password', { old_password: u.password, new_password: 'Next#Pass2026' }), 423, 'account_locked');
  expectError((await login(u)).r, 423, 'account_locked');
  const a = await admin();
  const rec = expectOk(await a.get(`/api/v1/audit?action=session.reauth_failed&actor=${u.login}`), 200);
  assert.equal(rec.total, 5);
});

test('an admin password reset ends every session of the user and revokes their API tokens', async () => {
  const u = await newUser();
  const { c: s1 } = await login(u);
  const { c: s2 } = await login(u);
  const tok = expectOk(await s1.post('/api/v1/me/tokens', { name: 'script' }), 201).token;
  const a = await admin();
  expectOk(await a.post(`/api/v1/users/${u.id}/password`, { password: 'Reset#Pass2026' }), 204);
  expectError(await s1.get('/api/v1/me'), 401, 'unauthenticated');
  expectError(await s2.get('/api/v1/me'), 401, 'unauthenticated');
  const bearer = new Client(srv);
  bearer.token = tok;
  expectError(await bearer.get('/api/v1/me'), 401, 'unauthenticated');
  expectError((await login(u)).r, 401, 'bad_credentials');
  expectOk((await login(u, 'Reset#Pass2026')).r, 200);
  // The admin's own session is untouched.
  expectOk(await a.get('/api/v1/me'), 200);
});

test('a disabled user loses sessions and tokens and cannot sign in; enabling restores sign-in', async () => {
  const u = await newUser();
  const { c } = await login(u);
  const tok = expectOk(await c.post('/api/v1/me/tokens', { name: 't' }), 201);
  const bearer = new Client(srv);
  bearer.token = tok.token;
  const a = await admin();
  const patched = expectOk(await a.patch(`/api/v1/users/${u.id}`, { disabled: true }), 200);
  assert.equal(patched.disabled, true);
  expectError(await c.get('/api/v1/me'), 401, 'unauthenticated');
  expectError(await bearer.get('/api/v1/me'), 401, 'unauthenticated');
  expectError((await login(u)).r, 403, 'account_disabled');
  expectError((await login(u, 'Wrong#Pass2026')).r, 401, 'bad_credentials');
  // An admin cannot disable themselves.
  const me = expectOk(await a.get('/api/v1/me'), 200).user;
  expectError(await a.patch(`/api/v1/users/${me.id}`, { disabled: true }), 403, 'forbidden');
  expectOk(await a.patch(`/api/v1/users/${u.id}`, { disabled: false }), 200);
  expectOk((await login(u)).r, 200);
});

test('TOTP: enrol, then sign-in needs a fresh one-time code', async () => {
  const u = await newUser();
  const { c } = await login(u);
  const begin = expectOk(await c.post('/api/v1/me/totp'), 200);
  assert.match(begin.secret, /^[A-Z2-7]{16,}=*$/);
  assert.ok(begin.uri.startsWith('otpauth://totp/'), begin.uri);
  assert.ok(begin.uri.includes(`secret=${begin.secret}`));
  // Pending until confirmed: sign-in still needs no code.
  expectOk((await login(u)).r, 200);
  expectError(await c.post('/api/v1/me/totp/confirm', { code: '000000' === totpAt(begin.secret, Math.floor(serverNow(srv) / 30)) ? '111111' : '000000' }),
    400, 'otp_invalid');
  expectError(await c.post('/api/v1/me/totp/confirm', { code: 'abcdef' }), 400, 'otp_invalid');
  expectOk(await c.post('/api/v1/me/totp/confirm', { code: freshOtp(srv, begin.secret, otpUsed, u.login) }), 204);
  assert.equal(expectOk(await c.get('/api/v1/me'), 200).user.totp_enabled, true);
  // An enabled secret cannot be replaced by a stolen session.
  expectError(await c.post('/api/v1/me/totp'), 409, 'conflict');

  expectError((await login(u)).r, 401, 'otp_required');
  expectError((await login(u, u.password, '123')).r, 401, 'otp_invalid');
  const now = Math.floor(serverNow(srv) / 30);
  const wrong = ['000000', '999999'].find((x) => ![now - 1, now, now + 1, now + 2].some((s) => totpAt(begin.secret, s) === x));
  expectError((await login(u, u.password, wrong)).r, 401, 'otp_invalid');
  const code = freshOtp(srv, begin.secret, otpUsed, u.login);
  const ok = (await login(u, u.password, code)).r;
  expectOk(ok, 200);
  assert.equal(ok.json.user.totp_enabled, true);
  // The same code again: replay refused.
  expectError((await login(u, u.password, code)).r, 401, 'otp_invalid');
  // A right code with a wrong password is still a wrong password.
  expectError((await login(u, 'Wrong#Pass2026', code)).r, 401, 'bad_credentials');
  // Racing sign-ins with one code: exactly one gets in (RFC 6238 §5.2).
  advanceClock(srv, 30);
  const raced = freshOtp(srv, begin.secret, otpUsed, u.login);
  const results = await Promise.all([0, 1, 2].map(() => login(u, u.password, raced)));
  assert.deepEqual(results.map(({ r }) => r.status).sort(), [200, 401, 401]);
  for (const { r } of results) if (r.status === 401) expectError(r, 401, 'otp_invalid');

  // Turning it off needs the password.
  expectError(await c.del('/api/v1/me/totp', { password: 'Wrong#Pass2026' }), 403, 'reauth_failed');
  expectOk(await c.del('/api/v1/me/totp', { password: u.password }), 204);
  expectOk((await login(u)).r, 200);
});

test('require_totp_admin: admins must enrol before anything else', async () => {
  // Routes a session with pending enrolment may still use: R_ENROLL_OK in routes.c, and public ones.
  const flags = routeFlags();
  const open = Object.keys(flags).filter((r) => flags[r].includes('R_ENROLL_OK') || flags[r].includes('R_PUBLIC'));
  assert.ok(open.includes('POST /api/v1/me/totp/confirm') && open.includes('GET /api/v1/me'));
  const a = await admin();
  const boss = await newUser(DEMO_PASSWORD);
  expectOk(await a.patch(`/api/v1/users/${boss.id}`, { role: 'admin', org_id: T.county }), 200);
  // A session opened before the switch is held to it as well (the switching admin's own is not).
  const early = await login({ login: 'auditor', password: DEMO_PASSWORD });
  expectOk(await early.c.get('/api/v1/audit'), 200);
  expectOk(await a.patch('/api/v1/settings', { require_totp_admin: true }), 200);
  expectError(await early.c.get('/api/v1/audit'), 403, 'totp_enrollment_required');
  assert.equal(expectOk(await early.c.get('/api/v1/me'), 200).must_enroll_totp, true);
  assert.deepEqual(expectOk(await a.get('/api/v1/settings'), 200), { require_totp_admin: true });

  const { c, r } = await login(boss);
  expectOk(r, 200);
  assert.equal(r.json.must_enroll_totp, true);
  const me = expectOk(await c.get('/api/v1/me'), 200);
  assert.equal(me.must_enroll_totp, true);
  for (const route of listRoutes(srv)) {
    if (open.includes(route)) continue;
    const [method, pattern] = route.split(' ');
    const res = await c.req(method, fill(pattern, T.group), method === 'GET' ? undefined : {});
    expectError(res, 403, 'totp_enrollment_required');
  }
  // Self-service on the way to enrolment stays open.
  expectOk(await c.get('/api/v1/me/sessions'), 200);

  // The auditor is held to it as well; other roles are not.
  const aud = await login({ login: 'auditor', password: DEMO_PASSWORD });
  assert.equal(aud.r.json.must_enroll_totp, true);
  expectError(await aud.c.get('/api/v1/audit'), 403, 'totp_enrollment_required');
  assert.equal((await login({ login: 'official', password: DEMO_PASSWORD })).r.json.must_enroll_totp, false);

  const secret = expectOk(await c.post('/api/v1/me/totp'), 200).secret;
  expectOk(await c.post('/api/v1/me/totp/confirm', { code: freshOtp(srv, secret, otpUsed, boss.login) }), 204);
  assert.equal(expectOk(await c.get('/api/v1/me'), 200).must_enroll_totp, false);
  expectOk(await c.get('/api/v1/org'), 200);
  expectOk(await c.get('/api/v1/audit'), 200);
  // With 2FA required, it cannot be switched off.
  expectError(await c.del('/api/v1/me/totp', { password: boss.password }), 403, 'forbidden');
  // Signing in again: the code is required, and no enrolment is pending.
  expectError((await login(boss)).r, 401, 'otp_required');
  const again = (await login(boss, boss.password, freshOtp(srv, secret, otpUsed, boss.login))).r;
  expectOk(again, 200);
  assert.equal(again.json.must_enroll_totp, false);

  expectOk(await c.patch('/api/v1/settings', { require_totp_admin: false }), 200);
  assert.equal((await login({ login: 'auditor', password: DEMO_PASSWORD })).r.json.must_enroll_totp, false);
});

test('headers are not trusted: odd User-Agent bytes are stored cleanly, X-Forwarded-For is ignored', async () => {
  const body = JSON.stringify({ login: 'cadre', password: DEMO_PASSWORD });
  const head = (ua) => Buffer.concat([Buffer.from('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nConnection: close\r\nUser-Agent: `),
  ua, Buffer.from('\r\n\r\n')]);
  const weird = [Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('浏览器/1.0'), Buffer.concat([Buffer.from('x'.repeat(199)), Buffer.from('中')])];
  for (const ua of weird) {
    const r = await rawHttp(srv, head(ua), Buffer.from(body));
    assert.equal(r.status, 200, `User-Agent ${ua.toString('hex').slice(0, 20)}: ${r.body}`);
    assert.doesNotMatch(r.headers['set-cookie'], /Secure/, 'X-Forwarded-Proto from an untrusted peer');
    const c = new Client(srv);
    c.cookie = /xc_session=[^;]*/.exec(r.headers['set-cookie'])[0];
    const list = expectOk(await c.get('/api/v1/me/sessions'), 200);
    const mine = list.items.find((s) => s.current);
    assert.ok(mine, 'the session is listed');
    assert.equal(mine.ip, '127.0.0.1', 'X-Forwarded-For from an untrusted peer');
    assert.ok(mine.user_agent.length > 0 && mine.user_agent.length <= 200);
  }
});

test('behind a trusted proxy: Secure cookie, and the client address the proxy saw', async () => {
  const px = await startServer({ env: { XIANGCUN_TRUST_PROXY: '1' } });
  try {
    const signIn = async (headers) => {
      const res = await fetch(px.base + '/api/v1/session', {
        method: 'POST', headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ login: 'cadre', password: DEMO_PASSWORD }),
      });
      const json = await res.json();
      assert.equal(res.status, 200, JSON.stringify(json));
      const c = new Client(px);
      c.cookie = /xc_session=[^;]*/.exec(res.headers.get('set-cookie'))[0];
      c.csrf = json.csrf;
      return { c, cookie: res.headers.get('set-cookie') };
    };
    const ipOf = async (c) => expectOk(await c.get('/api/v1/me/sessions'), 200).items.find((s) => s.current).ip;
    const https = await signIn({ 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' });
    assert.match(https.cookie, /;\s*Secure/);
    assert.equal(await ipOf(https.c), '203.0.113.7');
    const rec = expectOk(await (await as(px, 'admin')).get('/api/v1/audit?action=session.login&actor=cadre&per_page=1'), 200).items[0];
    assert.equal(rec.ip, '203.0.113.7', 'the audit log records where the user came from');
    assert.doesNotMatch((await signIn({ 'X-Forwarded-For': '203.0.113.7' })).cookie, /Secure/);
    // The proxy appends the address it saw; what the client sent before it proves nothing.
    assert.equal(await ipOf((await signIn({ 'X-Forwarded-For': '198.51.100.66, 203.0.113.8' })).c), '203.0.113.8');
    assert.equal(await ipOf((await signIn({ 'X-Forwarded-For': '2001:db8::1' })).c), '2001:db8::1');
    // Something that is not an address is no address.
    for (const junk of ['unknown', '<script>', '1.2.3.4.5', 'x'.repeat(100)])
      assert.equal(await ipOf((await signIn({ 'X-Forwarded-For': junk })).c), '127.0.0.1', junk);
  } finally {
    await stopServer(px);
  }
});

// ---- tests that move the clock ----

test('five failures lock the account for 15 minutes, even for the right password', async () => {
  const u = await newUser();
  for (let i = 1; i <= 4; i++) expectError((await login(u, 'Wrong#Pass2026')).r, 401, 'bad_credentials');
  expectError((await login(u, 'Wrong#Pass2026')).r, 423, 'account_locked');
  expectError((await login(u)).r, 423, 'account_locked');
  expectError((await login(u, 'Wrong#Pass2026')).r, 423, 'account_locked');
  const en = new Client(srv, { lang: 'en' });
  expectError(await en.login(u.login, u.password), 423, 'account_locked', { lang: 'en' });
  advanceClock(srv, 14 * 60);
  expectError((await login(u)).r, 423, 'account_locked');
  advanceClock(srv, 61);
  expectOk((await login(u)).r, 200);
  // Success resets the counter: four more failures do not lock.
  for (let i = 1; i <= 4; i++) expectError((await login(u, 'Wrong#Pass2026')).r, 401, 'bad_credentials');
  expectOk((await login(u)).r, 200);
});

test('sessions expire after 30 idle minutes, but activity keeps them alive', async () => {
  const u = await newUser();
  const { c: busy } = await login(u);
  const { c: idle } = await login(u);
  const tok = expectOk(await busy.post('/api/v1/me/tokens', { name: 'long-lived' }), 201);
  for (let i = 0; i < 2; i++) {
    advanceClock(srv, 20 * 60);
    expectOk(await busy.get('/api/v1/me'), 200);
  }
  expectError(await idle.get('/api/v1/me'), 401, 'session_expired');
  expectError(await idle.get('/api/v1/me'), 401, 'unauthenticated');
  const { c: fresh } = await login(u);
  advanceClock(srv, 31 * 60);
  expectError(await fresh.get('/api/v1/me'), 401, 'session_expired');
  expectError(await busy.post('/api/v1/me/tokens', { name: 'x' }), 401, 'session_expired');
  // Expired sessions are not listed as live; API tokens have no idle timeout.
  const bearer = new Client(srv);
  bearer.token = tok.token;
  expectOk(await bearer.get('/api/v1/me'), 200);
  const { c: now } = await login(u);
  assert.equal(expectOk(await now.get('/api/v1/me/sessions'), 200).total, 1);
});
