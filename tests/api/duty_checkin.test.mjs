// duty_checkin.test.mjs: check-ins (签到) of first secretaries (api/duty_checkins.c,
// duty/checkin.c, duty/osmand.c): the web button, the three OsmAnd forms on
// /api/v1/osmand and on the listener of XIANGCUN_OSMAND_LISTEN, devices
// (registration, hashing, revocation), bad coordinates and timestamps, every
// flag, geofence inside/outside, photos, who sees whose points, and that
// positions are stored encrypted and never audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { startServer, stopServer, as } from '../lib/server.mjs';
import { DEMO_PASSWORD, expectError, expectOk, landmarks, sql, serverNow, auditVerify } from './helpers.mjs';

let srv, admin, official, secretary, auditor, secOut, T, oport;

function freePort() {
  return new Promise((ok, bad) => {
    const s = net.createServer();
    s.on('error', bad);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

// Put the server's clock at county local time `iso` (+08:00), then step it with later().
let offset = 0;
function setClock(iso) {
  offset = Math.floor(new Date(iso).getTime() / 1000) - Math.floor(Date.now() / 1000);
  writeFileSync(srv.clockFile, `${offset}\n`);
}
function later(seconds) {
  offset += seconds;
  writeFileSync(srv.clockFile, `${offset}\n`);
}

// 明月村's fence for these tests: a box around (29.75, 103.25).
const FENCE = [[29.70, 103.20], [29.70, 103.30], [29.80, 103.30], [29.80, 103.20]];
const INSIDE = [29.75, 103.25], OUTSIDE = [29.95, 103.25];

// A request to the OsmAnd listener's own port (any path).
async function listener(method, path, body, type) {
  const res = await fetch(`http://127.0.0.1:${oport}${path}`, {
    method, body, headers: type ? { 'Content-Type': type, 'Accept-Language': 'zh-CN' } : { 'Accept-Language': 'zh-CN' },
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: text && (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : null };
}
const qs = (o) => new URLSearchParams(o).toString();
// The newest check-in of the demo secretary, as they see it.
async function newest(c = secretary) {
  return expectOk(await c.get('/api/v1/duty/checkins?per_page=1'), 200).items[0];
}
async function device(c, identifier) {
  return expectOk(await c.post('/api/v1/duty/devices', identifier ? { label: '工作手机', identifier } : { label: '工作手机' }), 201);
}
const count = () => Number(sql(srv, 'SELECT COUNT(*) FROM checkin').trim());

// A body as Traccar Client 9 posts it (the Transistorsoft location, as documented by the plugin).
function traccar9(deviceId, { lat, lon, iso, level = 0.76 }) {
  return JSON.stringify({
    location: {
      event: 'motionchange', is_moving: false, uuid: '2f4c8b6e-51a0-4d7a-9a6e-0c3b8e1d2f10', timestamp: iso, odometer: 1523.7,
      coords: {
        latitude: lat, longitude: lon, accuracy: 12.5, speed: 1.25, speed_accuracy: -1, heading: 181.5, heading_accuracy: -1,
        altitude: 431.2, altitude_accuracy: 3.6, ellipsoidal_altitude: 460.9, floor: null,
      },
      activity: { type: 'still', confidence: 100 },
      battery: { is_charging: false, level },
      extras: {},
    },
    device_id: deviceId,
  });
}

before(async () => {
  oport = await freePort();
  // Sessions outlive the clock jumps of these tests.
  srv = await startServer({ env: { XIANGCUN_OSMAND_LISTEN: `127.0.0.1:${oport}`, XIANGCUN_SESSION_IDLE: '100000000' } });
  [admin, official, secretary, auditor] = await Promise.all(['admin', 'official', 'secretary', 'auditor'].map((l) => as(srv, l)));
  T = await landmarks(admin);
  T.secretary = T.user('secretary').id;
  T.hcVillage = T.list.find((o) => o.parent_id === T.hc && o.level === 'village').id;
  T.secOut = expectOk(await admin.post('/api/v1/users', {
    login: 'ck-sec-out', display_name: '洪川镇第一书记', role: 'secretary', org_id: T.hcVillage, password: DEMO_PASSWORD,
  }), 201).id;
  secOut = await as(srv, 'ck-sec-out');
  // A Monday after the demo's check-in history, so the newest points are these tests'.
  setClock('2027-03-01T10:00:00+08:00');
  // The demo draws fences; these tests start without one.
  sql(srv, `DELETE FROM geofence WHERE org_id IN (${T.village}, ${T.hcVillage})`);
});

after(() => stopServer(srv));

test('web button: 201 with the stored point; no fence means inside null and no outside flag', async () => {
  const now = serverNow(srv);
  const c = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: 29.7512345, lon: 103.2498765, accuracy: 18, note: '村委会' }), 201);
  assert.equal(c.source, 'web');
  assert.equal(c.user_id, T.secretary);
  assert.equal(c.org_id, T.village);
  assert.equal(c.device_time, null);
  assert.equal(c.device_id, null);
  assert.ok(Math.abs(c.received_at - now) <= 2, `received_at ${c.received_at} vs ${now}`);
  assert.equal(c.at, c.received_at);
  assert.equal(c.lat, 29.7512345);
  assert.equal(c.lon, 103.2498765);
  assert.equal(c.accuracy, 18);
  assert.equal(c.inside, null);
  assert.deepEqual(c.flags, []);
  assert.deepEqual(c.spot_checks, []);
  assert.deepEqual(c.photos, []);
  assert.equal(c.note, '村委会');
  const listed = await newest();
  assert.equal(listed.id, c.id);
  assert.equal(listed.lat, c.lat);
  // Only the secretaries check in; the body is validated naming the field.
  expectError(await official.post('/api/v1/duty/checkins', { lat: 29.75, lon: 103.25 }), 403, 'forbidden');
  const before_ = count();
  for (const [body, code, field] of [
    [{ lon: 103.25 }, 'missing_field', 'lat'], [{ lat: 29.75 }, 'missing_field', 'lon'],
    [{ lat: 91, lon: 103.25 }, 'invalid_value', 'lat'], [{ lat: 29.75, lon: -180.01 }, 'invalid_value', 'lon'],
    [{ lat: '29.75', lon: 103.25 }, 'invalid_type', 'lat'], [{ lat: 29.75, lon: 103.25, accuracy: -1 }, 'invalid_value', 'accuracy'],
    [{ lat: 29.75, lon: 103.25, note: 'x'.repeat(501) }, 'too_long', 'note'],
  ])
    expectError(await secretary.post('/api/v1/duty/checkins', body), 400, code, { field });
  assert.equal(count(), before_, 'nothing stored from bad input');
});

test('geofence: a polygon and a circle give inside/outside and the outside flag', async () => {
  expectOk(await official.put(`/api/v1/org/${T.village}/geofence`, { polygon: FENCE }), 200);
  later(3600);
  let c = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0], lon: INSIDE[1], accuracy: 10 }), 201);
  assert.equal(c.inside, true);
  assert.deepEqual(c.flags, []);
  later(3600);
  c = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: OUTSIDE[0], lon: OUTSIDE[1], accuracy: 10 }), 201);
  assert.equal(c.inside, false);
  assert.deepEqual(c.flags, ['outside']);
  assert.equal(Number(sql(srv, `SELECT inside FROM checkin WHERE id = ${c.id}`).trim()), 0);
  assert.equal(sql(srv, `SELECT flags FROM checkin WHERE id = ${c.id}`).trim(), 'outside');

  // A circle of 500 m around the village office.
  expectOk(await official.put(`/api/v1/org/${T.village}/geofence`, { center: INSIDE, radius_m: 500 }), 200);
  later(3600);
  c = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0] + 0.003, lon: INSIDE[1], accuracy: 10 }), 201);
  assert.equal(c.inside, true, '333 m from the centre');
  later(3600);
  c = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0] + 0.006, lon: INSIDE[1], accuracy: 10 }), 201);
  assert.equal(c.inside, false, '667 m from the centre');
  assert.deepEqual(c.flags, ['outside']);
  // The 洪川镇 secretary's village has no fence: inside null.
  c = expectOk(await secOut.post('/api/v1/duty/checkins', { lat: INSIDE[0], lon: INSIDE[1] }), 201);
  assert.equal(c.inside, null);
  assert.deepEqual(c.flags, []);
  expectOk(await official.put(`/api/v1/org/${T.village}/geofence`, { polygon: FENCE }), 200);
});

test('flags: accuracy, speed from the previous point by time (equal times too), device clock', async () => {
  const dev = await device(secretary);
  const send = (o) => fetch(`${srv.base}/api/v1/osmand?${qs({ id: dev.identifier, accuracy: 5, ...o })}`).then((r) => r.status);
  later(3600);
  let now = serverNow(srv);

  // accuracy: worse than accuracy_max_m (default 200)
  assert.equal(await send({ lat: INSIDE[0], lon: INSIDE[1], accuracy: 200, timestamp: now }), 200);
  assert.deepEqual((await newest()).flags, []);
  later(600);
  now = serverNow(srv);
  assert.equal(await send({ lat: INSIDE[0], lon: INSIDE[1], accuracy: 250, timestamp: now }), 200);
  assert.deepEqual((await newest()).flags, ['accuracy']);

  // speed: 10 km in 60 s is 600 km/h
  later(600);
  now = serverNow(srv);
  assert.equal(await send({ lat: 29.71, lon: 103.21, timestamp: now - 60 }), 200);
  assert.equal(await send({ lat: 29.79, lon: 103.25, timestamp: now }), 200);
  let c = await newest();
  assert.deepEqual(c.flags, ['speed']);
  // The same second and place again (a duplicate): no flag; the same second 300 m away: a jump.
  assert.equal(await send({ lat: 29.79, lon: 103.25, timestamp: now }), 200);
  assert.deepEqual((await newest()).flags, []);
  assert.equal(await send({ lat: 29.793, lon: 103.25, timestamp: now }), 200);
  assert.deepEqual((await newest()).flags, ['speed']);

  // The previous point is the one before by device time, not the last received:
  // a buffered point sent late is compared with what came before it in time.
  later(3600);
  now = serverNow(srv);
  assert.equal(await send({ lat: 29.71, lon: 103.21, timestamp: now - 550 }), 200);     // A
  assert.equal(await send({ lat: 29.77, lon: 103.29, timestamp: now - 50 }), 200);      // B: 9.8 km in 500 s, 71 km/h
  assert.equal(await send({ lat: 29.77, lon: 103.29, timestamp: now - 300 }), 200);     // C, buffered: 9.8 km from A in 250 s, 141 km/h
  const all = expectOk(await secretary.get('/api/v1/duty/checkins?per_page=3'), 200).items;
  assert.deepEqual(all.map((x) => x.at), [now - 50, now - 300, now - 550], 'listed by device time');
  assert.ok(all.every((x) => !x.flags.includes('speed')), JSON.stringify(all.map((x) => x.flags)));
  // ... while a point 1 s after A, 9.8 km away, is impossible.
  assert.equal(await send({ lat: 29.77, lon: 103.29, timestamp: now - 549 }), 200);
  const d = expectOk(await secretary.get('/api/v1/duty/checkins?per_page=10'), 200).items.find((x) => x.at === now - 549);
  assert.deepEqual(d.flags, ['speed']);

  // clock: device time further than clock_skew_s (600) from receive time is not trusted
  later(3600);
  now = serverNow(srv);
  assert.equal(await send({ lat: INSIDE[0], lon: INSIDE[1], timestamp: now - 500 }), 200);
  c = await newest();
  assert.deepEqual(c.flags, []);
  assert.equal(c.at, now - 500, 'a buffered point keeps its device time');
  assert.equal(c.device_time, now - 500);
  later(60);
  now = serverNow(srv);
  assert.equal(await send({ lat: INSIDE[0], lon: INSIDE[1], timestamp: now - 3600 }), 200);
  c = expectOk(await secretary.get('/api/v1/duty/checkins?per_page=50'), 200).items.find((x) => x.device_time === now - 3600);
  assert.deepEqual(c.flags, ['clock']);
  assert.ok(Math.abs(c.at - now) <= 2, 'placed at the receive time');
  assert.equal(c.at, c.received_at);
  later(3600);
  now = serverNow(srv);
  assert.equal(await send({ lat: OUTSIDE[0], lon: OUTSIDE[1], accuracy: 900, timestamp: now + 700 }), 200);
  c = await newest();
  assert.deepEqual(c.flags, ['outside', 'accuracy', 'clock']);
  assert.equal(c.device_time, now + 700);
});

test('OsmAnd: GET query, form POST and the Traccar Client 9 JSON, on /api/v1/osmand and on the listener', async () => {
  const dev = await device(secretary, 'ck-phone-01');
  assert.equal(dev.identifier, 'ck-phone-01');
  assert.equal(dev.hint, 'e-01');
  later(3600);
  let now = serverNow(srv);

  // 1. GET with a query string, seconds, speed in knots
  let r = await fetch(`${srv.base}/api/v1/osmand?${qs({
    id: 'ck-phone-01', lat: 29.7511, lon: 103.2522, timestamp: now - 30, speed: 10, bearing: 45.5, altitude: 430, accuracy: 8, hdop: 0.9, batt: 66,
  })}`);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '');
  let c = await newest();
  assert.equal(c.source, 'osmand');
  assert.equal(c.device_id, dev.id);
  assert.equal(c.device_time, now - 30);
  assert.equal(c.at, now - 30);
  assert.equal(c.lat, 29.7511);
  assert.equal(c.lon, 103.2522);
  assert.ok(Math.abs(c.speed - 5.144444) < 1e-5, `10 kn is 5.14 m/s, got ${c.speed}`);
  assert.equal(c.bearing, 45.5);
  assert.equal(c.altitude, 430);
  assert.equal(c.accuracy, 8);
  assert.equal(c.battery, 66);
  assert.equal(c.inside, true);

  // 2. Form POST to the listener's "/" (as Traccar posts), location=, ISO time with an offset
  later(3600);
  now = serverNow(srv);
  const local = new Date((now + 8 * 3600 - 20) * 1000).toISOString().replace('Z', '+08:00');
  r = await listener('POST', '/', qs({ deviceid: 'ck-phone-01', location: `${OUTSIDE[0]},${OUTSIDE[1]}`, timestamp: local, heading: 90 }),
    'application/x-www-form-urlencoded');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, '');
  c = await newest();
  assert.equal(c.source, 'osmand');
  assert.equal(c.device_time, now - 20);
  assert.equal(c.lat, OUTSIDE[0]);
  assert.equal(c.bearing, 90);
  assert.equal(c.inside, false);
  assert.deepEqual(c.flags, ['outside']);

  // 3. The full JSON body of Traccar Client 9 to the listener; time with milliseconds
  later(3600);
  now = serverNow(srv);
  const iso = new Date((now - 10) * 1000 + 456).toISOString();
  r = await listener('POST', '/', traccar9('ck-phone-01', { lat: INSIDE[0], lon: INSIDE[1], iso, level: 0.87 }), 'application/json');
  assert.equal(r.status, 200, r.text);
  c = await newest();
  assert.equal(c.source, 'traccar');
  assert.equal(c.device_time, now - 10);
  assert.equal(c.speed, 1.25, 'm/s as sent');
  assert.equal(c.bearing, 181.5);
  assert.equal(c.accuracy, 12.5);
  assert.equal(c.altitude, 431.2);
  assert.equal(c.battery, 87, 'a fraction 0..1 as a percentage');
  assert.equal(c.inside, true);

  // 4. Milliseconds on a GET to any other path of the listener; the same JSON on the main address
  later(120);
  now = serverNow(srv);
  r = await listener('GET', `/some/path?${qs({ id: 'ck-phone-01', lat: INSIDE[0], lon: INSIDE[1], timestamp: (now - 5) * 1000 + 999 })}`);
  assert.equal(r.status, 200, r.text);
  assert.equal((await newest()).device_time, now - 5);
  r = await fetch(`${srv.base}/api/v1/osmand`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: traccar9('ck-phone-01', { lat: INSIDE[0], lon: INSIDE[1], iso: new Date(now * 1000).toISOString() }),
  });
  assert.equal(r.status, 200, await r.text());
  assert.equal((await newest()).source, 'traccar');

  // The listener answers every path with the OsmAnd route, never the API.
  r = await listener('GET', '/api/v1/me');
  expectError(r, 400, 'missing_field', { field: 'id' });
  // The device was seen.
  const listed = expectOk(await secretary.get('/api/v1/duty/devices'), 200).items.find((x) => x.id === dev.id);
  assert.ok(Math.abs(listed.last_seen_at - now) <= 2);
  assert.equal(listed.identifier, undefined, 'the identifier is shown only once');
});

test('devices: unknown and revoked get 400 unknown_device; identifiers generated, validated, hashed, unique', async () => {
  const point = (id) => ({ id, lat: INSIDE[0], lon: INSIDE[1] });
  const n = count();
  expectError(await listener('GET', `/?${qs(point('no-such-device'))}`), 400, 'unknown_device');
  const r = await fetch(`${srv.base}/api/v1/osmand`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: traccar9('0000000000', { lat: INSIDE[0], lon: INSIDE[1], iso: new Date().toISOString() }) });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'unknown_device');

  const gen = await device(secretary);
  assert.match(gen.identifier, /^[0-9]{10}$/);
  assert.equal(gen.hint, gen.identifier.slice(-4));
  assert.equal(gen.revoked_at, null);
  assert.equal(gen.last_seen_at, null);
  // Only a keyed hash is stored.
  assert.equal(sql(srv, `SELECT COUNT(*) FROM duty_device WHERE ident_hash = '${gen.identifier}' OR ident_hint = '${gen.identifier}'`).trim(), '0');
  assert.equal((await listener('GET', `/?${qs(point(gen.identifier))}`)).status, 200);

  expectError(await secretary.post('/api/v1/duty/devices', { label: '又一台', identifier: gen.identifier }), 409, 'conflict');
  expectError(await secOut.post('/api/v1/duty/devices', { label: '抢注', identifier: 'ck-phone-01' }), 409, 'conflict');
  for (const identifier of ['abc', 'has space', 'a'.repeat(65), '设备一二三四', 'x/y/z/w'])
    expectError(await secretary.post('/api/v1/duty/devices', { label: '坏', identifier }), 400,
      identifier.length > 64 ? 'too_long' : 'invalid_value', { field: 'identifier' });

  // Revoked: refused from then on, and the identifier is never taken again.
  expectError(await secOut.del(`/api/v1/duty/devices/${gen.id}`), 403, 'out_of_scope');
  assert.equal((await secretary.del(`/api/v1/duty/devices/${gen.id}`)).status, 204);
  expectError(await secretary.del(`/api/v1/duty/devices/${gen.id}`), 404, 'not_found');
  expectError(await listener('GET', `/?${qs(point(gen.identifier))}`), 400, 'unknown_device');
  expectError(await secretary.post('/api/v1/duty/devices', { label: '重新登记', identifier: gen.identifier }), 409, 'conflict');
  const mine = expectOk(await secretary.get('/api/v1/duty/devices'), 200).items;
  assert.ok(mine.find((x) => x.id === gen.id).revoked_at > 0);
  assert.ok(!(expectOk(await secOut.get('/api/v1/duty/devices'), 200).items.some((x) => x.id === gen.id)));

  // A disabled secretary's device is unknown too.
  const d = await device(secOut);
  assert.equal((await listener('GET', `/?${qs(point(d.identifier))}`)).status, 200);
  expectOk(await admin.patch(`/api/v1/users/${T.secOut}`, { disabled: true }), 200);
  expectError(await listener('GET', `/?${qs(point(d.identifier))}`), 400, 'unknown_device');
  expectOk(await admin.patch(`/api/v1/users/${T.secOut}`, { disabled: false }), 200);
  secOut = await as(srv, 'ck-sec-out');
  assert.equal(count(), n + 2, 'only the two known devices stored points');

  const audit = expectOk(await admin.get(`/api/v1/audit?entity=user&entity_id=${T.secretary}`), 200).items;
  assert.ok(audit.some((x) => x.action === 'duty.device.add'));
  assert.ok(audit.some((x) => x.action === 'duty.device.revoke'));
  assert.ok(!JSON.stringify(audit).includes(gen.identifier), 'the identifier is never audited');
});

test('bad coordinates and timestamps: 400 naming the field, nothing stored', async () => {
  await device(secretary, 'ck-phone-bad');
  const n = count();
  const ok = { id: 'ck-phone-bad', lat: '29.75', lon: '103.25' };
  for (const [params, code, field] of [
    [{ lat: '91' }, 'invalid_value', 'lat'], [{ lat: '-90.5' }, 'invalid_value', 'lat'], [{ lat: 'north' }, 'invalid_value', 'lat'],
    [{ lon: '181' }, 'invalid_value', 'lon'], [{ lon: '' }, 'invalid_value', 'lon'], [{ lat: '0', lon: '0' }, 'invalid_value', 'lat'],
    [{ lat: undefined }, 'missing_field', 'lat'], [{ lon: undefined }, 'missing_field', 'lon'],
    [{ timestamp: 'yesterday' }, 'invalid_value', 'timestamp'], [{ timestamp: '2026-02-30T10:00:00Z' }, 'invalid_value', 'timestamp'],
    [{ timestamp: '2026-03-02T10:00:00+25:00' }, 'invalid_value', 'timestamp'], [{ timestamp: '-5' }, 'invalid_value', 'timestamp'],
    [{ speed: '-1' }, 'invalid_value', 'speed'], [{ bearing: '400' }, 'invalid_value', 'bearing'], [{ batt: '150' }, 'invalid_value', 'batt'],
    [{ accuracy: 'good' }, 'invalid_value', 'accuracy'],
    [{ lat: undefined, lon: undefined, location: '29.75' }, 'invalid_value', 'location'],
    [{ id: undefined }, 'missing_field', 'id'],
  ]) {
    const p = { ...ok, ...params };
    for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
    expectError(await listener('GET', `/?${qs(p)}`), 400, code, { field });
    expectError(await listener('POST', '/', qs(p), 'application/x-www-form-urlencoded'), 400, code, { field });
  }
  expectError(await listener('POST', '/', 'id=ck-phone-bad&lat=29.7%ZZ&lon=103.2', 'application/x-www-form-urlencoded'), 400, 'invalid_value', { field: 'lat' });
  const json = (loc) => JSON.stringify({ device_id: 'ck-phone-bad', location: loc });
  for (const [body, code, field] of [
    [json({ timestamp: 'now', coords: { latitude: 29.75, longitude: 103.25 } }), 'invalid_value', 'timestamp'],
    [json({ coords: { latitude: 95, longitude: 103.25 } }), 'invalid_value', 'latitude'],
    [json({ coords: { latitude: '29.75', longitude: 103.25 } }), 'invalid_type', 'latitude'],
    [json({ coords: { latitude: 29.75 } }), 'missing_field', 'longitude'],
    [json({}), 'missing_field', 'coords'],
    [JSON.stringify({ location: {} }), 'missing_field', 'device_id'],
  ])
    expectError(await listener('POST', '/', body, 'application/json'), 400, code, { field });
  expectError(await listener('POST', '/', '{"device_id":', 'application/json'), 400, 'bad_json');
  expectError(await listener('POST', '/', '', 'application/json'), 400, 'missing_field', { field: 'id' });
  assert.equal(count(), n);
  // English on request.
  const r = await fetch(`http://127.0.0.1:${oport}/?${qs({ ...ok, lat: '99' })}`, { headers: { 'Accept-Language': 'en' } });
  expectError({ status: r.status, headers: r.headers, text: await r.clone().text(), json: await r.json() }, 400, 'invalid_value', { lang: 'en', field: 'lat' });
});

// Magic bytes of the photo types taken, padded.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 7)]);
const WEBP = Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'), Buffer.alloc(40, 1)]);

async function upload(c, id, data, type = 'image/png') {
  const res = await fetch(`${srv.base}/api/v1/duty/checkins/${id}/photos`, {
    method: 'POST', body: data, headers: { 'Content-Type': type, Cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Accept-Language': 'zh-CN' },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
}

test('photos: checked by magic bytes and size, added by the own secretary, read back in scope', async () => {
  later(3600);
  const c = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0], lon: INSIDE[1], note: '带照片' }), 201);
  const p = expectOk(await upload(secretary, c.id, PNG), 201);
  assert.equal(p.checkin_id, c.id);
  assert.equal(p.content_type, 'image/png');
  assert.equal(p.bytes, PNG.length);
  assert.equal(p.url, `/api/v1/duty/checkin-photos/${p.id}`);
  // Told by the bytes, whatever the request says.
  assert.equal(expectOk(await upload(secretary, c.id, JPEG, 'image/png'), 201).content_type, 'image/jpeg');
  assert.equal(expectOk(await upload(secretary, c.id, WEBP, 'application/octet-stream'), 201).content_type, 'image/webp');
  expectError(await upload(secretary, c.id, Buffer.from('GIF89a' + 'x'.repeat(50)), 'image/gif'), 400, 'photo_unsupported_type');
  expectError(await upload(secretary, c.id, Buffer.alloc(0)), 400, 'photo_unsupported_type');
  expectError(await upload(secretary, c.id, Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024)]), 'image/jpeg'), 413, 'photo_too_large');
  expectError(await upload(secOut, c.id, PNG), 403, 'out_of_scope');
  expectError(await upload(secretary, 99999999, PNG), 404, 'not_found');

  for (const who of [secretary, official, admin, auditor]) {
    const res = await fetch(`${srv.base}${p.url}`, { headers: { Cookie: who.cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
  }
  expectError(await secOut.get(p.url), 403, 'out_of_scope');
  expectError(await secretary.get('/api/v1/duty/checkin-photos/99999999'), 404, 'not_found');
  const listed = expectOk(await official.get(`/api/v1/duty/checkins?user_id=${T.secretary}&per_page=200`), 200).items.find((x) => x.id === c.id);
  assert.equal(listed.photos.length, 3);
  assert.equal(listed.photos[0].url, p.url);
  const audit = expectOk(await admin.get(`/api/v1/audit?action=duty.checkin.photo&entity_id=${c.id}`), 200).items;
  assert.equal(audit.length, 3);
  assert.match(audit[0].after.sha256, /^[0-9a-f]{64}$/);
});

test('a check-in the page queued offline: age_s places it when taken (within clock_skew_s); client_ref stores a resend once', async () => {
  later(3600);
  writeFileSync(srv.clockFile, `=${serverNow(srv)}\n`);   // stopped: exact times below
  const now = serverNow(srv);
  const post = (body) => secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0], lon: INSIDE[1], accuracy: 15, ...body });
  // Sent 5 minutes after the fix: placed when taken, no flag (the phone's own clock does not matter).
  const a = expectOk(await post({ age_s: 300, client_ref: 'queued-0001-abcdef' }), 201);
  assert.equal(a.at, now - 300);
  assert.equal(a.device_time, now - 300);
  assert.equal(a.received_at, now);
  assert.deepEqual(a.flags, []);
  // The supervisors' ledger marks it sent late, with its receive time (county time, UTC+8), in the export too.
  const localDay = (t) => new Date((t + 8 * 3600) * 1000).toISOString().slice(0, 10);
  const localTime = (t) => new Date((t + 8 * 3600) * 1000).toISOString().slice(11, 19);
  const range = `user_id=${T.secretary}&from=${localDay(a.at)}&to=${localDay(now)}`;
  const row = expectOk(await official.get(`/api/v1/duty/ledger?${range}`), 200).items.flatMap((x) => x.checkins).find((x) => x.id === a.id);
  assert.equal(row.sent_late, true);
  assert.equal(row.received_at, now);
  const csv = await official.get(`/api/v1/duty/ledger.csv?${range}`);
  assert.equal(csv.status, 200);
  assert.ok(csv.text.includes(`补发 ${localTime(now)}`), csv.text.slice(0, 600));
  // The answer was lost: the page sends the same check-in again and gets the stored one, with its photo.
  expectOk(await upload(secretary, a.id, PNG), 201);
  const before_ = count();
  const again = expectOk(await post({ age_s: 420, client_ref: 'queued-0001-abcdef' }), 200);
  assert.equal(again.id, a.id);
  assert.equal(again.at, now - 300);
  assert.equal(again.photos.length, 1);
  assert.equal(count(), before_, 'nothing new stored');
  // Another secretary's key of the same text is theirs.
  expectOk(await secOut.post('/api/v1/duty/checkins', { lat: 29.6, lon: 103.4, client_ref: 'queued-0001-abcdef' }), 201);
  // Sent an hour after the fix: beyond clock_skew_s (600), so placed at the receive time and flagged.
  const b = expectOk(await post({ age_s: 3600, client_ref: 'queued-0002-abcdef' }), 201);
  assert.equal(b.at, now);
  assert.equal(b.device_time, now - 3600);
  assert.deepEqual(b.flags, ['clock']);
  // Bad input names the field; nothing stored.
  const n = count();
  for (const [body, code, field] of [
    [{ age_s: -1 }, 'invalid_value', 'age_s'], [{ age_s: '60' }, 'invalid_type', 'age_s'], [{ age_s: 1.5 }, 'invalid_type', 'age_s'],
    [{ age_s: 30 * 86400 + 1 }, 'invalid_value', 'age_s'], [{ client_ref: 'short' }, 'invalid_value', 'client_ref'],
    [{ client_ref: 'has space inside' }, 'invalid_value', 'client_ref'], [{ client_ref: 'x'.repeat(65) }, 'too_long', 'client_ref'],
    [{ client_ref: 12345678 }, 'invalid_type', 'client_ref'],
  ])
    expectError(await post(body), 400, code, { field });
  assert.equal(count(), n);
  writeFileSync(srv.clockFile, `${offset}\n`);   // running again, from no earlier than the stop
});

test('scope: a secretary sees only themselves, a town official their town, 洪川镇 invisible to the official', async () => {
  later(3600);
  const mineOut = expectOk(await secOut.post('/api/v1/duty/checkins', { lat: 29.6, lon: 103.1 }), 201);
  const mine = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0], lon: INSIDE[1] }), 201);

  const own = expectOk(await secretary.get('/api/v1/duty/checkins?per_page=200'), 200);
  assert.ok(own.items.length > 0 && own.items.every((x) => x.user_id === T.secretary));
  assert.equal(own.total, Number(sql(srv, `SELECT COUNT(*) FROM checkin WHERE user_id = ${T.secretary}`).trim()));
  expectOk(await secretary.get(`/api/v1/duty/checkins?user_id=${T.secretary}`), 200);
  expectError(await secretary.get(`/api/v1/duty/checkins?user_id=${T.secOut}`), 403, 'out_of_scope');
  expectError(await secretary.get(`/api/v1/duty/checkins?user_id=${T.user('official').id}`), 403, 'out_of_scope');
  expectError(await secOut.get(`/api/v1/duty/checkins?user_id=${T.secretary}`), 403, 'out_of_scope');
  assert.ok(expectOk(await secOut.get('/api/v1/duty/checkins?per_page=200'), 200).items.every((x) => x.user_id === T.secOut));

  const town = expectOk(await official.get('/api/v1/duty/checkins?per_page=200'), 200).items;
  assert.ok(town.some((x) => x.id === mine.id));
  assert.ok(!town.some((x) => x.id === mineOut.id), 'a 洪川镇 point is not the official\'s');
  expectError(await official.get(`/api/v1/duty/checkins?user_id=${T.secOut}`), 403, 'out_of_scope');
  expectError(await official.get(`/api/v1/duty/checkins?org_id=${T.hc}`), 403, 'out_of_scope');
  expectError(await official.get('/api/v1/duty/checkins?user_id=99999999'), 404, 'not_found');
  for (const who of [admin, auditor]) {
    const all = expectOk(await who.get('/api/v1/duty/checkins?per_page=200'), 200).items;
    assert.ok(all.some((x) => x.id === mine.id) && all.some((x) => x.id === mineOut.id));
    const hc = expectOk(await who.get(`/api/v1/duty/checkins?org_id=${T.hc}&per_page=200`), 200).items;
    const hcVillages = T.list.filter((o) => o.parent_id === T.hc).map((o) => o.id);
    assert.ok(hc.some((x) => x.id === mineOut.id) && hc.every((x) => hcVillages.includes(x.org_id)));
  }
  const cadre = await as(srv, 'cadre');
  expectError(await cadre.get('/api/v1/duty/checkins'), 403, 'forbidden');
});

test('list: local days from/to, paging, newest first', async () => {
  setClock('2027-03-10T23:30:00+08:00');   // late on the 10th local, the 10th 15:30 UTC
  const a = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0], lon: INSIDE[1] }), 201);
  later(3600);                              // 00:30 on the 11th local, still the 10th UTC
  const b = expectOk(await secretary.post('/api/v1/duty/checkins', { lat: INSIDE[0], lon: INSIDE[1] }), 201);
  const day = async (from, to) => expectOk(await secretary.get(`/api/v1/duty/checkins?from=${from}&to=${to}&per_page=200`), 200).items.map((x) => x.id);
  assert.deepEqual(await day('2027-03-10', '2027-03-10'), [a.id]);
  assert.deepEqual(await day('2027-03-11', '2027-03-11'), [b.id]);
  assert.deepEqual(await day('2027-03-10', '2027-03-11'), [b.id, a.id]);
  assert.deepEqual(await day('2027-03-12', '2027-03-20'), []);
  const p1 = expectOk(await official.get(`/api/v1/duty/checkins?user_id=${T.secretary}&from=2027-03-10&to=2027-03-11&per_page=1`), 200);
  assert.equal(p1.total, 2);
  assert.deepEqual(p1.items.map((x) => x.id), [b.id]);
  const p2 = expectOk(await official.get(`/api/v1/duty/checkins?user_id=${T.secretary}&from=2027-03-10&to=2027-03-11&per_page=1&page=2`), 200);
  assert.deepEqual(p2.items.map((x) => x.id), [a.id]);
  for (const q of ['from=2026-02-30', 'to=2026-13-01', 'from=yesterday', 'per_page=0', 'user_id=abc'])
    expectError(await secretary.get(`/api/v1/duty/checkins?${q}`), 400, 'invalid_value');
});

test('positions are stored encrypted, never audited; the audit chain holds', async () => {
  const rows = sql(srv, 'SELECT pos FROM checkin').trim().split('\n');
  assert.ok(rows.length > 10);
  assert.ok(rows.every((p) => !/29\.|103\./.test(p)), 'no plain coordinates in checkin.pos');
  // The points of these tests only (29.7512345 of the web button, 29.7511 of the OsmAnd GET; fences are no one's track).
  assert.equal(sql(srv, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%29.751%' OR after_json LIKE '%103.2498765%'"
    + " OR after_json LIKE '%103.2522%' OR action = 'duty.checkin' OR action LIKE 'checkin%'").trim(), '0');
  const v = auditVerify(srv);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  // The listener stops with the server: nothing answers on its port afterwards (checked in after()).
});
