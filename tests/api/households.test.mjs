// Households: registry, members with ID numbers, scope rules, status history,
// indicators, income, help pairs, located visits, overdue lists, the map layer,
// exit targets and the timeline, against a real server (SQLite or PostgreSQL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { startServer, stopServer, as, Client } from '../lib/server.mjs';
import { expectError, expectOk, DEMO_PASSWORD } from './helpers.mjs';

let srv, admin, official, secretary, cadre, villager;
const ids = {};

// A valid GB 11643 number for a birth date and sequence.
function idNumber(ymd, seq) {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const body = `511421${ymd}${String(seq).padStart(3, '0')}`;   // never the demo's 511423
  const sum = [...body].reduce((s, c, i) => s + Number(c) * W[i], 0);
  return body + '10X98765432'[sum % 11];
}

async function orgId(client, code) {
  const r = expectOk(await client.get('/api/v1/org'), 200);
  const node = r.items.find((o) => o.code === code);
  assert.ok(node, `org ${code} visible`);
  return node.id;
}

before(async () => {
  srv = await startServer();
  [admin, official, secretary, cadre, villager] = await Promise.all(
    ['admin', 'official', 'secretary', 'cadre', 'villager'].map((l) => as(srv, l)));
  ids.group1 = await orgId(admin, '511423105701');     // 明月村一组
  ids.village = await orgId(admin, '511423105201');    // 明月村
  ids.otherTownGroup = await orgId(admin, '511423100701'); // 洪川镇 桥溪村一组
  ids.cadreUser = (await cadre.get('/api/v1/me')).json.user.id;
});
after(() => stopServer(srv));

test('the demo county has households in scope, with summaries and totals', async () => {
  const all = expectOk(await admin.get('/api/v1/households?per_page=200'), 200);
  assert.ok(all.total >= 50, `demo households: ${all.total}`);
  const town = expectOk(await official.get('/api/v1/households?per_page=200'), 200);
  assert.ok(town.total > 0 && town.total < all.total);
  for (const h of town.items) assert.match(h.number, /^HY105/, 'an official sees only their town');
  const h = town.items[0];
  for (const k of ['id', 'number', 'org_name', 'village_name', 'head_name', 'status', 'causes', 'unmet', 'members', 'next_visit_due'])
    assert.ok(k in h, `summary has ${k}`);
  const page2 = expectOk(await admin.get('/api/v1/households?per_page=10&page=2'), 200);
  assert.equal(page2.items.length, 10);
  const page1 = expectOk(await admin.get('/api/v1/households?per_page=10&page=1'), 200);
  assert.ok(page1.items[9].number < page2.items[0].number, 'stable order by number');
});

test('create a household, validate its fields, refuse duplicates and wrong levels', async () => {
  const r = await official.post('/api/v1/households', {
    number: 'T-100', org_id: ids.group1, address: '一组8号', lat: 29.7361, lon: 103.2705,
    causes: ['illness', 'schooling'], notes: '新识别',
  });
  const h = expectOk(r, 201);
  ids.hh = h.id;
  assert.equal(h.status, 'poor');
  assert.deepEqual(h.causes, ['illness', 'schooling']);
  assert.equal(h.status_history.length, 1);
  expectError(await official.post('/api/v1/households', { number: 'T-100', org_id: ids.group1 }), 409, 'conflict');
  expectError(await official.post('/api/v1/households', { number: 'T-101', org_id: ids.otherTownGroup }), 403, 'out_of_scope');
  const town = await orgId(admin, '511423105000');
  expectError(await admin.post('/api/v1/households', { number: 'T-102', org_id: town }), 400, 'invalid_value', { field: 'org_id' });
  expectError(await official.post('/api/v1/households', { number: 'bad number!', org_id: ids.group1 }), 400, 'invalid_value', { field: 'number' });
  expectError(await official.post('/api/v1/households', { number: 'T-103', org_id: ids.group1, lat: 95, lon: 103 }), 400, 'invalid_value');
  expectError(await official.post('/api/v1/households', { number: 'T-104', org_id: ids.group1, lat: 29.7 }), 400, 'missing_field', { field: 'lon' });
  expectError(await official.post('/api/v1/households', { number: 'T-105', org_id: ids.group1, causes: ['bad luck'] }), 400, 'invalid_value', { field: 'causes' });
  expectError(await villager.post('/api/v1/households', { number: 'T-106', org_id: ids.group1 }), 403, 'forbidden');
  const upd = expectOk(await official.patch(`/api/v1/households/${ids.hh}`, { address: '一组9号', visit_interval_days: 14 }), 200);
  assert.equal(upd.address, '一组9号');
  assert.equal(upd.visit_interval_days, 14);
});

test('members: ID numbers checked, masked, unique county-wide; reveal asks the password and is audited', async () => {
  const id = idNumber('19800512', 123);
  const bad = id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
  expectError(await official.post(`/api/v1/households/${ids.hh}/members`, { name: '王五', id_number: bad, relation: 'self' }), 400, 'invalid_id_number');
  expectError(await official.post(`/api/v1/households/${ids.hh}/members`, { name: '王五', id_number: '511423198002301234', relation: 'self' }), 400, 'invalid_id_number');
  const m = expectOk(await official.post(`/api/v1/households/${ids.hh}/members`,
    { name: '王五', id_number: id, relation: 'self', phone: '13712345678', health: 'chronic' }), 201);
  ids.member = m.id;
  assert.equal(m.id_number, `511***********${id.slice(14)}`);
  assert.equal(m.phone, '137****5678');
  assert.equal(m.birth_date, '1980-05-12');
  assert.equal(m.sex, Number(id[16]) % 2 ? 'M' : 'F');
  expectError(await official.post(`/api/v1/households/${ids.hh}/members`, { name: '重复', id_number: id, relation: 'child' }), 409, 'duplicate_id_number');
  const h = expectOk(await official.get(`/api/v1/households/${ids.hh}`), 200);
  assert.equal(h.head_name, '王五');
  const found = expectOk(await official.get(`/api/v1/households?id_number=${id}`), 200);
  assert.deepEqual(found.items.map((x) => x.id), [ids.hh]);
  expectError(await official.post(`/api/v1/members/${ids.member}/reveal`, { password: 'wrong', field: 'id_number' }), 403, 'reauth_failed');
  const rev = expectOk(await official.post(`/api/v1/members/${ids.member}/reveal`, { password: DEMO_PASSWORD, field: 'id_number' }), 200);
  assert.equal(rev.value, id);
  expectError(await cadre.post(`/api/v1/members/${ids.member}/reveal`, { password: DEMO_PASSWORD, field: 'id_number' }), 403, 'forbidden');
  const audit = expectOk(await admin.get('/api/v1/audit?action=member.reveal'), 200);
  assert.equal(audit.items[0].actor_login, 'official');
  const csv = await admin.get('/api/v1/audit.csv', { raw: true });
  assert.ok(!csv.text.includes(id), 'the full ID number never reaches the audit log');
  assert.ok(!csv.text.includes('13712345678'), 'nor the phone');
  const upd = expectOk(await official.patch(`/api/v1/members/${ids.member}`, { phone: null, labour: 'partial' }), 200);
  assert.equal(upd.phone, null);
  expectError(await official.patch(`/api/v1/members/${ids.member}`, { id_number: id }), 400, 'invalid_value');
});

test('scope: villagers see their own household only; cadres see full files of the households they help', async () => {
  const mine = expectOk(await villager.get('/api/v1/households'), 200);
  assert.equal(mine.total, 1);
  const own = mine.items[0].id;
  expectOk(await villager.get(`/api/v1/households/${own}`), 200);
  expectError(await villager.get(`/api/v1/households/${ids.hh}`), 403, 'out_of_scope');
  const helped = expectOk(await cadre.get('/api/v1/me/households'), 200);
  assert.ok(helped.items.length > 0);
  const full = expectOk(await cadre.get(`/api/v1/households/${helped.items[0].id}`), 200);
  assert.equal(full.full, true);
  assert.ok(Array.isArray(full.members));
  const other = expectOk(await cadre.get(`/api/v1/households/${ids.hh}`), 200);
  assert.equal(other.full, false, 'not helped: summary only');
  const anon = new Client(srv);
  expectError(await anon.get('/api/v1/households'), 401, 'unauthenticated');
  const auditor = await as(srv, 'auditor');
  expectError(await auditor.get('/api/v1/households'), 403, 'forbidden');
});

test('status history, indicators, income and per-capita figures', async () => {
  expectError(await official.post(`/api/v1/households/${ids.hh}/status`, { status: 'exited', effective_date: '2026-02-30', reason: 'x' }), 400, 'invalid_value', { field: 'effective_date' });
  const h = expectOk(await official.post(`/api/v1/households/${ids.hh}/status`,
    { status: 'monitored', effective_date: '2026-05-01', reason: '大病风险' }), 200);
  assert.equal(h.status, 'monitored');
  assert.equal(h.status_history[0].reason, '大病风险');
  assert.equal(h.status_history[0].effective_date, '2026-05-01');
  assert.equal(typeof h.status_history[0].changed_at, 'number');
  assert.equal(typeof h.status_history[0].changed_by, 'string');
  const g = expectOk(await official.put(`/api/v1/households/${ids.hh}/guarantees`, {
    items: [{ indicator: 'water', met: false, note: '水窖未通' }, { indicator: 'food', met: true }] }), 200);
  assert.deepEqual(g.unmet, ['water']);
  assert.deepEqual(g.guarantees.find((x) => x.indicator === 'water'), { indicator: 'water', met: false, note: '水窖未通' });
  assert.equal(g.guarantees.find((x) => x.indicator === 'food').met, true);
  const unmet = expectOk(await official.get('/api/v1/households?unmet=water&per_page=200'), 200);
  assert.ok(unmet.items.some((x) => x.id === ids.hh));
  expectError(await official.put(`/api/v1/households/${ids.hh}/guarantees`, { items: [{ indicator: 'wifi', met: true }] }), 400, 'invalid_value');
  const inc = expectOk(await official.put(`/api/v1/households/${ids.hh}/income/2026`,
    { wages: 6000, farming: 2000, business: 0, property: 0, transfers: 1000, expenses: 1000 }), 200);
  assert.equal(inc.incomes[0].net, 8000);
  assert.equal(inc.incomes[0].per_capita, 8000);
  assert.deepEqual(inc.per_capita_income, { year: 2026, yuan: 8000 });
  expectError(await official.put(`/api/v1/households/${ids.hh}/income/2026`,
    { wages: -1, farming: 0, business: 0, property: 0, transfers: 0, expenses: 0 }), 400, 'invalid_value', { field: 'wages' });
});

test('help pairs and located visits: far visits are flagged, overdue lists per cadre and village', async () => {
  // dates must exist: no 30 February, no 29 February outside leap years, no 31 April
  for (const [start_date, end_date, field] of [['2026-02-30', undefined, 'start_date'], ['2026-02-29', undefined, 'start_date'],
    ['2026-01-01', '2026-04-31', 'end_date'], ['2026-1-01', undefined, 'start_date'], ['2026-03-01', '2026-02-28', 'end_date']]) {
    expectError(await official.post(`/api/v1/households/${ids.hh}/helpers`,
      { cadre_id: ids.cadreUser, unit: '县农业农村局', start_date, end_date }), 400, 'invalid_value', { field });
  }
  const pair = expectOk(await official.post(`/api/v1/households/${ids.hh}/helpers`,
    { cadre_id: ids.cadreUser, unit: '县农业农村局', start_date: '2026-01-01' }), 201);
  const file = expectOk(await official.get(`/api/v1/households/${ids.hh}`), 200);
  const listed = file.help_pairs.find((x) => x.id === pair.id);
  assert.equal(listed.cadre_id, ids.cadreUser);
  assert.equal(listed.unit, '县农业农村局');
  assert.equal(listed.start_date, '2026-01-01');
  assert.equal(listed.end_date, null);
  assert.ok(file.helpers.some((x) => x.id === ids.cadreUser && typeof x.name === 'string'));
  const near = expectOk(await cadre.post(`/api/v1/households/${ids.hh}/visits`,
    { lat: 29.7362, lon: 103.2706, accuracy: 8, notes: '入户走访' }), 201);
  assert.equal(near.flagged, false);
  assert.ok(near.distance_m < 50, `distance ${near.distance_m}`);
  const far = expectOk(await cadre.post(`/api/v1/households/${ids.hh}/visits`,
    { lat: 29.75, lon: 103.2705, notes: '电话回访' }), 201);
  assert.equal(far.flagged, true);
  assert.ok(far.distance_m > 1400 && far.distance_m < 1600, `distance ${far.distance_m}`);
  expectError(await cadre.post(`/api/v1/households/${ids.hh}/visits`, { lat: 29.75, notes: 'x' }), 400, 'missing_field');
  const visits = expectOk(await official.get(`/api/v1/households/${ids.hh}/visits`), 200);
  assert.equal(visits.items.length, 2);
  const overdue = expectOk(await official.get('/api/v1/visits/overdue'), 200);
  assert.ok(overdue.total > 0);
  assert.ok(overdue.by_cadre.some((c) => c.cadre_id === ids.cadreUser));
  assert.ok(!overdue.items.some((i) => i.household.id === ids.hh), 'just visited: not overdue');
  for (const i of overdue.items) assert.ok(i.days_overdue >= 0);
  expectOk(await official.del(`/api/v1/help-pairs/${pair.id}`), 204);
  expectError(await official.del(`/api/v1/help-pairs/${pair.id}`), 404, 'not_found');
});

test('the map layer: bounding box through the spatial index, filters and scope', async () => {
  const box = expectOk(await official.get('/api/v1/map/households?bbox=103.26,29.72,103.28,29.75'), 200);
  assert.equal(box.type, 'FeatureCollection');
  assert.ok(box.features.some((f) => f.properties.id === ids.hh));
  for (const f of box.features) {
    const [lon, lat] = f.geometry.coordinates;
    assert.ok(lon >= 103.26 && lon <= 103.28 && lat >= 29.72 && lat <= 29.75);
  }
  const empty = expectOk(await official.get('/api/v1/map/households?bbox=100,20,100.1,20.1'), 200);
  assert.equal(empty.features.length, 0);
  const monitored = expectOk(await official.get('/api/v1/map/households?status=monitored'), 200);
  assert.ok(monitored.features.every((f) => f.properties.status === 'monitored'));
  const all = expectOk(await admin.get('/api/v1/map/households'), 200);
  const town = expectOk(await official.get('/api/v1/map/households'), 200);
  assert.ok(town.features.length < all.features.length, 'scope bounds the layer');
  expectError(await official.get('/api/v1/map/households?bbox=1,2,3'), 400, 'invalid_value', { field: 'bbox' });
  expectError(await official.get('/api/v1/map/households?bbox=5,2,3,4'), 400, 'invalid_value');
  const outlines = expectOk(await official.get('/api/v1/map/boundaries'), 200);
  assert.ok(outlines.features.some((f) => f.properties.name === '明月村'));
});

test('exit targets roll up county → town → village', async () => {
  const t = expectOk(await admin.get('/api/v1/targets?year=2026'), 200);
  const county = t.nodes.find((n) => n.level === 'county');
  assert.deepEqual(county.target, { households: 187, people: 498 });
  const towns = t.nodes.filter((n) => n.level === 'town');
  const sum = towns.reduce((s, n) => s + n.exited.households, 0);
  assert.equal(county.exited.households, sum, 'the county is the sum of its towns');
  expectOk(await official.put(`/api/v1/targets/${ids.village}/2027`, { households: 5, people: 12 }), 200);
  const t2 = expectOk(await official.get('/api/v1/targets?year=2027'), 200);
  assert.deepEqual(t2.nodes.find((n) => n.id === ids.village).target, { households: 5, people: 12 });
  expectError(await secretary.put(`/api/v1/targets/${ids.village}/2027`, { households: 5, people: 12 }), 403, 'forbidden');
  expectError(await official.put(`/api/v1/targets/${ids.otherTownGroup}/2027`, { households: 1, people: 1 }), 403, 'out_of_scope');
  // An exit this year counts in the household's village, town and county.
  const before = county.exited.households;
  expectOk(await official.post(`/api/v1/households/${ids.hh}/status`, { status: 'exited', effective_date: '2026-11-01', reason: '稳定脱贫' }), 200);
  const t3 = expectOk(await admin.get('/api/v1/targets?year=2026'), 200);
  assert.equal(t3.nodes.find((n) => n.level === 'county').exited.households, before + 1);
});

// A valid 2x2 RGB PNG, chunk CRCs and all.
function tinyPng() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

// A raw (non-JSON) body as client: the Client helper sends JSON only.
async function upload(client, path, data, type = 'image/png') {
  const headers = { 'Accept-Language': 'zh-CN', 'Content-Type': type };
  if (client) Object.assign(headers, { Cookie: client.cookie, 'X-CSRF-Token': client.csrf });
  const res = await fetch(srv.base + path, { method: 'POST', headers, body: data });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : null };
}

test('visit photos: uploaded by the cadre, read back byte-identical, checked by magic, size and scope', async () => {
  const visit = expectOk(await cadre.post(`/api/v1/households/${ids.hh}/visits`,
    { lat: 29.7362, lon: 103.2706, accuracy: 8, notes: '拍照走访' }), 201);
  assert.deepEqual(visit.photos, []);
  const png = tinyPng();
  const path = `/api/v1/visits/${visit.id}/photos`;
  const up = expectOk(await upload(cadre, path, png), 201);
  assert.equal(up.visit_id, visit.id);
  assert.equal(up.content_type, 'image/png');
  assert.equal(up.bytes, png.length);
  assert.equal(up.url, `/api/v1/visit-photos/${up.id}`);

  const res = await fetch(srv.base + up.url, { headers: { Cookie: official.cookie } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(png), 'the photo reads back byte-identical');

  const visits = expectOk(await official.get(`/api/v1/households/${ids.hh}/visits`), 200);
  const listed = visits.items.find((v) => v.id === visit.id);
  assert.deepEqual(listed.photos, [{ id: up.id, url: up.url }]);
  for (const v of visits.items) assert.ok(Array.isArray(v.photos));

  // Magic bytes decide, not the Content-Type; too large is 413.
  expectError(await upload(cadre, path, Buffer.from('GIF89a not a photo we take'), 'image/png'), 400, 'photo_unsupported_type');
  expectError(await upload(cadre, path, Buffer.alloc(0)), 400, 'photo_unsupported_type');
  const big = Buffer.alloc(5 * 1024 * 1024 + 1);
  png.copy(big);
  expectError(await upload(cadre, path, big), 413, 'photo_too_large');
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
  const j = expectOk(await upload(official, path, jpeg, 'application/octet-stream'), 201);
  assert.equal(j.content_type, 'image/jpeg');

  // A villager of another household may neither add nor see it; anonymous callers are asked to sign in.
  expectError(await upload(villager, path, png), 403, 'forbidden');
  expectError(await villager.get(up.url), 403, 'out_of_scope');
  expectError(await upload(null, path, png), 401, 'unauthenticated');
  const anon = await fetch(srv.base + up.url);
  assert.equal(anon.status, 401);
  expectError(await upload(cadre, '/api/v1/visits/999999/photos', png), 404, 'not_found');
  expectError(await official.get('/api/v1/visit-photos/999999'), 404, 'not_found');

  // Audited with size and hash, never the bytes.
  const log = expectOk(await admin.get('/api/v1/audit?action=visit.photo'), 200);
  const rec = log.items.find((i) => JSON.stringify(i).includes(`"photo_id":${up.id}`) || i.after?.photo_id === up.id);
  assert.ok(rec, 'visit.photo audited');
  const after = typeof rec.after === 'string' ? JSON.parse(rec.after) : rec.after;
  assert.equal(after.bytes, png.length);
  assert.match(after.sha256, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(rec).includes(png.toString('base64')), 'no image bytes in the audit log');
});

test('the timeline shows changes, status, help and visits with who did them', async () => {
  const t = expectOk(await official.get(`/api/v1/households/${ids.hh}/timeline`), 200);
  const kinds = new Set(t.items.map((i) => i.kind));
  for (const k of ['change', 'status', 'help', 'visit']) assert.ok(kinds.has(k), `timeline has ${k}`);
  assert.ok(t.items.every((i) => i.actor));
  assert.ok(t.items[0].ts >= t.items[t.items.length - 1].ts, 'newest first');
  expectError(await villager.get(`/api/v1/households/${ids.hh}/timeline`), 403, 'out_of_scope');
});
