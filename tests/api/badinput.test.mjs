// badinput.test.mjs: bad input gets a clear 4xx error, never a crash. Every
// route taking a JSON body (flag R_JSON in src/api/routes.c) is fed malformed
// JSON, non-objects, missing fields, wrong types, oversized and deeply nested
// bodies and the wrong content type; then odd paths, ids, query parameters,
// methods and bytes. Every error must be {"error":{"code","message"}} in the
// caller's language, and the server must still be healthy afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, as, Client } from '../lib/server.mjs';
import { DEMO_PASSWORD, expectError, expectOk, landmarks, rawHttp, routeFlags, listRoutes, fill, idNumber, serverNow } from './helpers.mjs';

let srv, admin, adminEn, anon, anonEn, T;
const AS = {};           // "login:lang" -> client, for routes whose spec names `as` (a role admin does not hold)

// Field kinds: str (string), text (string that may be empty), id (integer >= 1),
// int (integer >= 0), num (any number), bool, arr (array), phone (string or
// null). `!` marks a required
// field. `ok` is a valid value, so a body with every other field valid isolates
// the field under test.
// A spec's `as` names the demo login that sends its bodies (default: admin;
// `anon: true` for none), for routes needing a permission admin lacks.
const JSON_ROUTES = {
  'POST /api/v1/session': { anon: true, fields: { login: ['str!', 'admin'], password: ['str!', DEMO_PASSWORD], otp: ['str', '123456'] } },
  'POST /api/v1/me/password': { fields: { old_password: ['str!', DEMO_PASSWORD], new_password: ['str!', 'New#Pass2026'] } },
  'POST /api/v1/me/tokens': { fields: { name: ['str!', 'ci'] } },
  'POST /api/v1/me/totp/confirm': { fields: { code: ['str!', '123456'] } },
  'DELETE /api/v1/me/totp': { fields: { password: ['str!', DEMO_PASSWORD] } },
  'POST /api/v1/org': { fields: { parent_id: ['id!', () => T.village], code: ['str!', '511423999999'], name: ['str!', '新组'] } },
  'PATCH /api/v1/org/{id}': { id: () => T.group, fields: { name: ['str', '新名'], code: ['str', '511423999998'], parent_id: ['id', () => T.village] } },
  'POST /api/v1/users': {
    fields: {
      login: ['str!', 'newbie'], display_name: ['str!', '新人'], role: ['str!', 'villager'],
      org_id: ['id!', () => T.group], password: ['str!', 'Good#Pass2026'], phone: ['phone', '13800001111'],
    },
  },
  'PATCH /api/v1/users/{id}': {
    id: () => T.target,
    fields: { display_name: ['str', '改'], role: ['str', 'cadre'], org_id: ['id', () => T.group], phone: ['phone', '13800002222'], disabled: ['bool', false] },
  },
  'POST /api/v1/users/{id}/password': { id: () => T.target, fields: { password: ['str!', 'Good#Pass2026'] } },
  'POST /api/v1/users/{id}/reveal': { id: () => T.target, fields: { password: ['str!', DEMO_PASSWORD] } },
  'POST /api/v1/households': {
    fields: {
      number: ['str!', 'BI-1'], org_id: ['id!', () => T.group], address: ['text', '一组1号'], lat: ['num', 29.7], lon: ['num', 103.2],
      status: ['str', 'poor'], causes: ['arr', ['illness']], notes: ['text', '备注'], visit_interval_days: ['id', 30],
    },
  },
  'PATCH /api/v1/households/{id}': {
    id: () => T.household,
    fields: { number: ['str', 'BI-2'], org_id: ['id', () => T.group], address: ['text', '二号'], lat: ['num', 29.7], lon: ['num', 103.2],
      causes: ['arr', ['funds']], notes: ['text', '备注'], visit_interval_days: ['id', 14] },
  },
  'POST /api/v1/households/{id}/status': {
    id: () => T.household, fields: { status: ['str!', 'exited'], effective_date: ['str!', '2026-01-01'], reason: ['str!', '达标'] },
  },
  'PUT /api/v1/households/{id}/guarantees': { id: () => T.household, fields: { items: ['arr!', [{ indicator: 'food', met: true }]] } },
  'PUT /api/v1/households/{id}/income/{year}': {
    id: () => T.household,
    fields: { wages: ['int!', 1], farming: ['int!', 1], business: ['int!', 1], property: ['int!', 1], transfers: ['int!', 1], expenses: ['int!', 1] },
  },
  'POST /api/v1/households/{id}/members': {
    id: () => T.household,
    fields: { name: ['str!', '新'], id_number: ['str!', '511423198001010010'], relation: ['str!', 'child'], health: ['str', 'healthy'],
      education: ['str', 'primary'], labour: ['str', 'full'], phone: ['phone', '13800003333'], joined: ['bool', true] },
  },
  'PATCH /api/v1/members/{id}': {
    id: () => T.member,
    fields: { name: ['str', '改'], relation: ['str', 'spouse'], health: ['str', 'healthy'], education: ['str', 'primary'],
      labour: ['str', 'full'], phone: ['phone', '13800003333'], joined: ['bool', true] },
  },
  'POST /api/v1/members/{id}/reveal': { id: () => T.member, fields: { password: ['str!', DEMO_PASSWORD], field: ['str!', 'phone'] } },
  'POST /api/v1/households/{id}/helpers': {
    id: () => T.household,
    fields: { cadre_id: ['id!', () => T.user('cadre').id], unit: ['str!', '县局'], start_date: ['str!', '2026-01-01'], end_date: ['phone', '2026-12-31'] },
  },
  'POST /api/v1/households/{id}/visits': {
    id: () => T.household,
    fields: { visited_at: ['int', () => serverNow(srv) - 3600], notes: ['text!', '走访'], lat: ['num', 29.7], lon: ['num', 103.2], accuracy: ['num', 10] },
  },
  'PUT /api/v1/targets/{id}/{year}': { id: () => T.village, fields: { households: ['int!', 10], people: ['int!', 30] } },
  'PATCH /api/v1/settings': { fields: { require_totp_admin: ['bool!', false] } },
  // ---- duty (one block per api/duty_*.c file) ----
  // duty_checkins
  'POST /api/v1/duty/checkins': {
    as: 'secretary',
    fields: { lat: ['num!', 29.73], lon: ['num!', 103.27], accuracy: ['num', 12], note: ['text', '在村委会'], age_s: ['int', 60], client_ref: ['str', 'bi-ref-00001'] },
  },
  'POST /api/v1/duty/devices': { as: 'secretary', fields: { label: ['str!', '手机'], identifier: ['str', 'bi-device-01'] } },
  // duty_spot (user_ids or town_id + count: a body holds one of the two forms, the second is in duty_spot.test.mjs)
  'POST /api/v1/duty/spot-checks': {
    fields: { user_ids: ['arr!', () => [T.user('secretary').id]], deadline_minutes: ['int', 10], note: ['text', '请共享位置'] },
  },
  // duty_rules (records to decide are written straight into the database on first use)
  ...((h, sv) => {
    const row = (key, q) => (T[key] ??= Number(h.sql(srv, (sv.BACKEND === 'pg' ? '' : 'PRAGMA busy_timeout = 10000; ') + q).trim().split('\n').pop()));
    const sec = () => T.user('secretary').id;
    const leave = () => row('dutyLeave', `INSERT INTO duty_leave (user_id, kind, start_day, end_day, reason, status, created_at) VALUES (${sec()}, 'leave', '2032-01-05', '2032-01-05', 'x', 'pending', 0) RETURNING id`);
    const inquiry = () => row('dutyInquiry', `INSERT INTO inquiry (user_id, org_id, kind, day, window_idx, opened_at, status) VALUES (${sec()}, ${T.village}, 'window', '2020-01-01', 0, 0, 'open') RETURNING id`);
    const sanction = () => row('dutySanction', `INSERT INTO sanction (user_id, org_id, kind, status, basis, created_at) VALUES (${sec()}, ${T.village}, 'notice', 'draft', '{}', 0) RETURNING id`);
    return {
      'PATCH /api/v1/duty/settings': {
        fields: { workdays: ['arr', [1, 2, 3, 4, 5]], windows: ['arr', [{ start: '08:30', end: '09:30' }]], utc_offset_min: ['num', 480],
          accuracy_max_m: ['num', 200], speed_max_kmh: ['num', 150], clock_skew_s: ['id', 600], retention_days: ['id', 730], spot_deadline_min: ['id', 15] },
      },
      'PUT /api/v1/duty/calendar/{year}': { id: () => 0, fields: { days: ['arr!', [{ day: '2025-10-01', working: false, name: '国庆节' }]] } },
      'PUT /api/v1/org/{id}/geofence': { id: () => T.village, fields: { center: ['arr!', [29.73, 103.27]], radius_m: ['num!', 800] } },
      'POST /api/v1/duty/leaves': {
        as: 'secretary', fields: { kind: ['str!', 'leave'], start_day: ['str!', '2032-02-02'], end_day: ['str!', '2032-02-03'], reason: ['str!', '事假'] },
      },
      'POST /api/v1/duty/leaves/{id}/decision': { id: leave, fields: { approve: ['bool!', true], note: ['text', '同意'] } },
      'PATCH /api/v1/duty/inquiries/{id}': { id: inquiry, fields: { call_made: ['bool', true], reason_category: ['str', 'sick'], reason: ['text', '病假'] } },
      'POST /api/v1/duty/inquiries/{id}/decision': { id: inquiry, fields: { accepted: ['bool!', true], note: ['text', '理由成立'] } },
      'POST /api/v1/duty/sanctions/{id}/decision': { id: sanction, fields: { approve: ['bool!', false], note: ['text', '撤销'] } },
    };
  })(await import('./helpers.mjs'), await import('../lib/server.mjs')),

};

const WRONG = {
  str: [123, true, null, [], {}, 1.5],
  text: [123, true, null, [], {}],
  id: ['12', 1.5, true, null, [], {}],
  int: ['12', 1.5, true, null, [], {}],
  num: ['29.7', true, [], {}],
  bool: ['true', 1, null, [], {}],
  arr: ['illness', 1, true, null, {}],
  phone: [13800001111, true, [], {}],
};

function validBody(spec) {
  const b = {};
  for (const [k, [, v]] of Object.entries(spec.fields)) b[k] = typeof v === 'function' ? v() : v;
  return b;
}

function target(route) {
  const [method, pattern] = route.split(' ');
  const spec = JSON_ROUTES[route];
  return { method, path: spec.id ? fill(pattern, spec.id()) : pattern, spec };
}

function clientFor(spec, lang = 'zh') {
  if (spec.anon) return lang === 'en' ? anonEn : anon;
  if (spec.as) return AS[`${spec.as}:${lang}`];
  return lang === 'en' ? adminEn : admin;
}

before(async () => {
  srv = await startServer();
  admin = await as(srv, 'admin');
  adminEn = await as(srv, 'admin', { lang: 'en' });
  anon = new Client(srv);
  anonEn = new Client(srv, { lang: 'en' });
  for (const login of new Set(Object.values(JSON_ROUTES).map((s) => s.as).filter(Boolean))) {
    AS[`${login}:zh`] = await as(srv, login);
    AS[`${login}:en`] = await as(srv, login, { lang: 'en' });
  }
  T = await landmarks(admin);
  T.target = expectOk(await admin.post('/api/v1/users', {
    login: 'target', display_name: '目标', role: 'villager', org_id: T.group, password: DEMO_PASSWORD, phone: '13812345678',
  }), 201).id;
  T.household = expectOk(await admin.post('/api/v1/households', { number: 'BI-0', org_id: T.group }), 201).id;
  T.member = expectOk(await admin.post(`/api/v1/households/${T.household}/members`,
    { name: '成员', id_number: idNumber(), relation: 'self', phone: '13800004444' }), 201).id;
});

after(() => stopServer(srv));

test('the table below covers exactly the R_JSON routes of routes.c', () => {
  const flags = routeFlags();
  assert.equal(Object.keys(flags).length, listRoutes(srv).length, 'every route of routes.c parsed');
  assert.deepEqual(Object.keys(flags).filter((r) => flags[r].includes('R_JSON')).sort(), Object.keys(JSON_ROUTES).sort(),
    'every R_JSON route needs its fields in JSON_ROUTES of tests/api/badinput.test.mjs');
});

for (const route of Object.keys(JSON_ROUTES)) {
  test(`bad JSON bodies: ${route}`, async () => {
    const { method, path, spec } = target(route);
    const c = clientFor(spec), en = clientFor(spec, 'en');

    for (const bad of ['', '{', '{"a":}', 'nul', '{"a":1,}', '{"a":1}{"b":2}', '{"a":1,"a":2}', "{'a':1}", '{"a":"\t"}'])
      expectError(await c.req(method, path, bad), 400, 'bad_json');
    expectError(await en.req(method, path, '{'), 400, 'bad_json', { lang: 'en' });

    for (const notObject of ['[]', '[{"login":"admin"}]', '"a string"', '42', 'true', 'null'])
      expectError(await c.req(method, path, notObject), 400, 'expected_object');
    expectError(await en.req(method, path, '[]'), 400, 'expected_object', { lang: 'en' });

    const valid = validBody(spec);
    for (const [field, [kind]] of Object.entries(spec.fields)) {
      if (kind.endsWith('!')) {
        const body = { ...valid };
        delete body[field];
        expectError(await c.req(method, path, body), 400, 'missing_field', { field });
        expectError(await en.req(method, path, body), 400, 'missing_field', { lang: 'en', field });
      }
      for (const wrong of WRONG[kind.replace('!', '')])
        expectError(await c.req(method, path, { ...valid, [field]: wrong }), 400, 'invalid_type', { field });
      expectError(await en.req(method, path, { ...valid, [field]: WRONG[kind.replace('!', '')][0] }), 400,
        'invalid_type', { lang: 'en', field });
      if (kind.startsWith('str') || kind.startsWith('text') || kind === 'phone')
        expectError(await c.req(method, path, { ...valid, [field]: 'x'.repeat(5000) }), 400, 'too_long', { field });
      if (kind.startsWith('str') || kind === 'phone')
        expectError(await c.req(method, path, { ...valid, [field]: '' }), 400, 'invalid_value', { field });
      if (kind.startsWith('id') || kind.startsWith('int'))
        for (const v of [...(kind.startsWith('id') ? ['0'] : []), '-1', '-9223372036854775807'])
          expectError(await c.req(method, path, JSON.stringify({ ...valid, [field]: '@N@' }).replace('"@N@"', v)),
            400, 'invalid_value', { field });
    }
  });

  test(`oversized, deep and mistyped bodies: ${route}`, async () => {
    const { method, path, spec } = target(route);
    const c = clientFor(spec);
    const big = JSON.stringify({ ...validBody(spec), pad: 'x'.repeat(1100 * 1024) });
    expectError(await c.req(method, path, big), 413, 'body_too_large');

    // The same without a Content-Length: chunked transfer encoding.
    const headers = { 'Content-Type': 'application/json', 'Accept-Language': 'zh-CN' };
    if (c.cookie) Object.assign(headers, { Cookie: c.cookie, 'X-CSRF-Token': c.csrf });
    const enc = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(ctl) {
        for (let i = 0; i < enc.length; i += 65536) ctl.enqueue(enc.subarray(i, i + 65536));
        ctl.close();
      },
    });
    const res = await fetch(srv.base + path, { method, headers, body: stream, duplex: 'half' });
    const text = await res.text();
    expectError({ status: res.status, headers: res.headers, text, json: JSON.parse(text) }, 413, 'body_too_large');

    let deep = '1';
    for (let i = 0; i < 100; i++) deep = `{"a":${deep}}`;
    expectError(await c.req(method, path, deep), 400, 'json_too_deep');
    // Far deeper than any sane parser recursion: still a clean 400.
    const abyss = '{"a":' + '['.repeat(100000) + ']'.repeat(100000) + '}';
    const r = await c.req(method, path, abyss);
    assert.equal(r.status, 400, r.text);
    assert.ok(['bad_json', 'json_too_deep'].includes(r.json.error.code), r.text);

    const body = JSON.stringify(validBody(spec));
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp'])
      expectError(await c.req(method, path, body, { headers: { 'Content-Type': ct } }), 415, 'unsupported_media_type');
  });
}

test('bytes that are not valid JSON text: bad UTF-8, NUL, control characters', async () => {
  const send = (bytes) => fetch(srv.base + '/api/v1/me/tokens', {
    method: 'POST', body: bytes,
    headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf, 'Accept-Language': 'zh-CN' },
  }).then(async (res) => { const text = await res.text(); return { status: res.status, headers: res.headers, text, json: JSON.parse(text) }; });
  for (const bytes of [
    Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),         // {"name":"\xff\xfe"}
    Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),              // truncated sequence
    Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),        // UTF-16 surrogate
    Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),              // overlong "/"
    Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0x00]), Buffer.from('b"}')]),                  // raw NUL
    Buffer.from('{"name":"\\ud800"}'),                                                                     // lone surrogate escape
  ])
    expectError(await send(bytes), 400, 'bad_json');
  // An escaped NUL is valid JSON but must not reach C strings.
  for (const body of ['{"name":"a\\u0000b"}', '{"login":"admin\\u0000x","password":"x"}']) {
    const r = body.includes('login') ? await anon.post('/api/v1/session', body) : await admin.post('/api/v1/me/tokens', body);
    assert.equal(r.status, 400, r.text);
    assert.ok(['bad_json', 'invalid_value'].includes(r.json.error.code), r.text);
  }
  // Valid multi-byte text is fine.
  expectOk(await admin.post('/api/v1/me/tokens', { name: '令牌😀' }), 201);
});

test('huge and negative numbers', async () => {
  for (const n of ['99999999999999999999', '-99999999999999999999', '1e400', '-1e400'])
    expectError(await admin.post('/api/v1/org', `{"parent_id":${n},"code":"511423999999","name":"x"}`), 400, 'bad_json');
  expectError(await admin.post('/api/v1/org', { parent_id: 1e300, code: '511423999999', name: 'x' }), 400, 'invalid_type', { field: 'parent_id' });
  expectError(await admin.post('/api/v1/org', '{"parent_id":9223372036854775807,"code":"511423999999","name":"x"}'), 404, 'not_found');
  expectError(await admin.patch(`/api/v1/users/${T.target}`, '{"org_id":9223372036854775807}'), 404, 'not_found');
  expectError(await admin.post('/api/v1/users', { login: 'x1', display_name: 'x', role: 'villager', org_id: -5, password: 'Good#Pass2026' }),
    400, 'invalid_value', { field: 'org_id' });
  expectError(await admin.post('/api/v1/me/tokens', { name: 1e300 }), 400, 'invalid_type', { field: 'name' });
});

test('ids in paths: negative, non-numeric, too long or unknown give 404', async () => {
  for (const id of ['-1', 'abc', '1abc', '1.5', '0x10', '%31%32a', '1%2F', '9999999999999999999', '00000000000000000001', ''])
    for (const base of ['/api/v1/users/', '/api/v1/org/'])
      expectError(await admin.get(base + id), 404, 'not_found');
  for (const base of ['/api/v1/users/', '/api/v1/org/'])
    for (const id of ['0', '999999999999999999', '424242'])
      expectError(await admin.get(base + id), 404, 'not_found');
  expectError(await admin.patch('/api/v1/users/-1', { display_name: 'x' }), 404, 'not_found');
  expectError(await admin.post('/api/v1/users/abc/reveal', { password: DEMO_PASSWORD }), 404, 'not_found');
  expectError(await admin.del('/api/v1/me/tokens/424242'), 404, 'not_found');
  expectError(await admin.del('/api/v1/me/sessions/0'), 404, 'not_found');
});

test('query parameters out of range give 400 naming the field', async () => {
  const cases = [
    ['/api/v1/users?page=0', 'page'], ['/api/v1/users?page=-1', 'page'], ['/api/v1/users?page=abc', 'page'],
    ['/api/v1/users?page=1.5', 'page'], ['/api/v1/users?page=99999999999999999999', 'page'],
    ['/api/v1/users?per_page=0', 'per_page'], ['/api/v1/users?per_page=201', 'per_page'],
    ['/api/v1/users?per_page=100000', 'per_page'], ['/api/v1/users?org_id=-1', 'org_id'],
    ['/api/v1/users?org_id=x', 'org_id'], ['/api/v1/audit?page=0', 'page'], ['/api/v1/audit?per_page=100000', 'per_page'],
    ['/api/v1/audit?from=-1', 'from'], ['/api/v1/audit?to=yesterday', 'to'], ['/api/v1/audit.csv?from=x', 'from'],
  ];
  for (const [path, field] of cases) {
    expectError(await admin.get(path), 400, 'invalid_value', { field });
    expectError(await adminEn.get(path), 400, 'invalid_value', { field, lang: 'en' });
  }
  // Query text must be UTF-8 (PostgreSQL refuses other bytes; they must not become a 500).
  for (const [path, field] of [['/api/v1/users?q=%ff', 'q'], ['/api/v1/users?role=%c3%28', 'role'],
    ['/api/v1/audit?actor=%ed%a0%80', 'actor'], ['/api/v1/audit.csv?entity=%80', 'entity'],
    ['/api/v1/audit?entity_id=%c0%af', 'entity_id'], ['/api/v1/org?unused=%fe', 'unused']])
    expectError(await admin.get(path), 400, 'invalid_value', { field });
  const county = expectOk(await admin.get('/api/v1/users?q=%E5%8E%BF'), 200);
  assert.ok(county.total >= 2 && county.items.every((u) => u.display_name.includes('县')), 'q=县 finds the county staff');
  expectError(await admin.get('/api/v1/users?q=' + 'x'.repeat(101)), 400, 'too_long', { field: 'q' });
  expectError(await admin.get('/api/v1/audit?actor=' + 'x'.repeat(101)), 400, 'too_long', { field: 'actor' });
  // Limits themselves are fine, and LIKE wildcards are plain text.
  expectOk(await admin.get('/api/v1/users?page=1&per_page=200'), 200);
  expectOk(await admin.get('/api/v1/users?page=&per_page='), 200);
  assert.equal((await admin.get('/api/v1/users?q=%25')).json.total, 0);
  assert.equal((await admin.get('/api/v1/users?q=_')).json.total, 0);
  assert.equal((await admin.get("/api/v1/users?q=%27%20OR%201%3D1%20--")).json.total, 0);
});

test('unknown routes give a JSON 404, wrong methods a 405 with Allow', async () => {
  for (const p of ['/api/v1/nope', '/api/v2/org', '/api/v1/org/1/extra', '/api/v1/', '/api/v1/users/1/reveal/x', '/api/v1/ME'])
    expectError(await admin.get(p), 404, 'not_found');
  expectError(await adminEn.get('/api/v1/nope'), 404, 'not_found', { lang: 'en' });
  const allow = [
    ['PUT', '/api/v1/org', 'GET, POST'], ['DELETE', '/api/v1/org/1', 'GET, PATCH'], ['POST', '/healthz', 'GET'],
    ['PATCH', '/api/v1/session', 'POST, DELETE'], ['GET', '/api/v1/me/totp/confirm', 'POST'],
    ['PUT', '/api/v1/users/1', 'GET, PATCH'], ['DELETE', '/api/v1/audit', 'GET'], ['OPTIONS', '/api/v1/me', 'GET'],
    ['POST', '/', 'GET, HEAD'], ['DELETE', '/app/main.js', 'GET, HEAD'],
  ];
  for (const [m, p, want] of allow) {
    const r = await admin.req(m, p, m === 'GET' ? undefined : {});
    expectError(r, 405, 'method_not_allowed');
    const got = (r.headers.get('allow') || '').split(',').map((s) => s.trim()).sort();
    assert.deepEqual(got, want.split(', ').sort(), `${m} ${p}: Allow ${r.headers.get('allow')}`);
  }
});

test('messages are Chinese without Accept-Language, English with en, Chinese for other languages', async () => {
  const get = async (lang) => {
    const res = await fetch(srv.base + '/api/v1/me', { headers: lang ? { 'Accept-Language': lang } : {} });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
  };
  expectError(await get(null), 401, 'unauthenticated');
  expectError(await get('zh-CN,zh;q=0.9'), 401, 'unauthenticated');
  expectError(await get('fr-FR'), 401, 'unauthenticated');
  expectError(await get('en-US,en;q=0.9'), 401, 'unauthenticated', { lang: 'en' });
  expectError(await get('en'), 401, 'unauthenticated', { lang: 'en' });
  // Field errors carry "field"; other errors do not.
  const e = expectError(await admin.post('/api/v1/me/tokens', {}), 400, 'missing_field', { field: 'name' });
  assert.match(e.message, /name/);
  const nf = expectError(await admin.get('/api/v1/users/424242'), 404, 'not_found');
  assert.equal(nf.field, undefined);
});

test('malformed requests at the HTTP level do not hurt the server', async () => {
  // [request head, whether an HTTP answer must come back (a 4xx) or the server may just close]
  const heads = [
    ['GET /api/v1/me HTTP/1.1\nHost: x\nCookie: xc_session=' + 'a'.repeat(4000) + '\nConnection: close\n', true],
    ['GET /api/v1/users?page=' + '9'.repeat(3000) + ' HTTP/1.1\nHost: x\nConnection: close\n', true],
    ['GET /api/v1/org HTTP/1.1\nHost: x\nAuthorization: Bearer \nConnection: close\n', true],
    ['GET /api/v1/org HTTP/1.1\nHost: x\nAuthorization: Bearer xct_' + 'z'.repeat(5000) + '\nConnection: close\n', true],
    ['GET /api/v1/org HTTP/1.1\nHost: x\nAuthorization: Basic YWRtaW46eA==\nConnection: close\n', true],
    ['POST /api/v1/session HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 999999999999999999999\nConnection: close\n', false],
    ['POST /api/v1/session HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 5\nConnection: close\n', false],
    ['POST /api/v1/session HTTP/1.1\nHost: x\nContent-Type: application/json\nTransfer-Encoding: chunked\nConnection: close\n', false],
    ['GARBAGE\n', false],
  ];
  for (const [h, answers] of heads) {
    // A body promised but never sent: the server may wait for it (until its
    // connection timeout), so the client gives up after a while.
    const r = await rawHttp(srv, h, undefined, answers ? {} : { timeout: 1000 });
    if (answers || r.status) assert.ok(r.status >= 400 && r.status < 500, `${h.slice(0, 60)} -> ${r.status}`);
  }
  // A declared body over the limit with Expect: 100-continue is refused before it is sent.
  const r = await rawHttp(srv, 'POST /api/v1/session HTTP/1.1\nHost: x\nContent-Type: application/json\n' +
    'Content-Length: 2000000\nExpect: 100-continue\nConnection: close\n');
  assert.equal(r.status, 413, JSON.stringify(r));
  assert.equal(JSON.parse(r.body).error.code, 'body_too_large');
  expectOk(await anon.get('/healthz'), 200);
});

test('the server is still healthy after all of it', async () => {
  expectOk(await anon.get('/healthz'), 200);
  expectOk(await admin.get('/api/v1/me'), 200);
  assert.doesNotMatch(srv.log, /AddressSanitizer|runtime error|LeakSanitizer/);
});
