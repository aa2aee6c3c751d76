// duty_spot.test.mjs: spot checks (约请) over the API on a real server:
// creating them for named secretaries or N at random under a node, bad bodies,
// the outcomes with the injectable clock (in time inside: ok; in time outside
// the fence: outside; after the deadline: late; nothing by the deadline: no_answer
// once the duty job runs, turned late by a check-in the same local day but not
// the next), their inquiries, cancelling, scope rules and the audit trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startServer, stopServer, as, DEMO_PASSWORD } from '../lib/server.mjs';
import { expectOk, expectError, landmarks, sql } from './helpers.mjs';

let srv, T, admin, official, hcOfficial, sec, sec2, auditor;
let offset = 0;

const CENTER = [29.58, 103.47];
const INSIDE = { lat: 29.5801, lon: 103.4702, accuracy: 12 };
const OUTSIDE = { lat: 29.62, lon: 103.52, accuracy: 12 };

// The server's clock stands still at BASE + `offset` seconds, so a deadline
// compared to the second is not moved by a second that passes during a request.
const BASE = Math.floor(Date.now() / 1000);
function setClock(seconds) {
  offset = seconds;
  writeFileSync(srv.clockFile, `=${BASE + offset}\n`);
}
const serverNow = () => BASE + offset;
// The offset that puts the server at local (UTC+8) hh:mm, `days` days after BASE's local date.
function localOffset(days, hh, mm = 0) {
  const t = BASE, local = t + 8 * 3600;
  return local - (local % 86400) + days * 86400 + hh * 3600 + mm * 60 - 8 * 3600 - t;
}

async function mkUser(login, role, org_id) {
  return expectOk(await admin.post('/api/v1/users', { login, display_name: login, role, org_id, password: DEMO_PASSWORD }), 201).id;
}
async function ask(who, body) {
  return expectOk(await who.post('/api/v1/duty/spot-checks', body), 201).items;
}
async function checkin(who, point) {
  return expectOk(await who.post('/api/v1/duty/checkins', point), 201);
}
async function spot(who, id) {
  const list = expectOk(await who.get('/api/v1/duty/spot-checks?per_page=200'), 200);
  return list.items.find((s) => s.id === id);
}
const inquiries = (id) => Number(sql(srv, `SELECT COUNT(*) FROM inquiry WHERE kind = 'spot_check' AND spot_check_id = ${id}`).trim());
const cancelAll = async () => {
  const open = expectOk(await admin.get('/api/v1/duty/spot-checks?status=open&per_page=200'), 200);
  for (const s of open.items) expectOk(await admin.post(`/api/v1/duty/spot-checks/${s.id}/cancel`), 200);
};

// Sign everyone in again (after the clock jumped past the session idle limit).
async function signIn() {
  [admin, official, hcOfficial, sec, sec2, auditor] = await Promise.all(
    ['admin', 'official', 'sp-official-hc', 'secretary', 'sp-sec2', 'auditor'].map((l) => as(srv, l)));
}

before(async () => {
  srv = await startServer({ env: { XIANGCUN_DUTY_TICK: '86400' } });
  setClock(localOffset(1, 10));   // tomorrow 10:00 local: no midnight inside a test
  admin = await as(srv, 'admin');
  T = await landmarks(admin);
  const hcVillage = T.list.find((o) => o.parent_id === T.hc).id;
  T.hcVillage = hcVillage;
  T.sec = T.user('secretary').id;
  [T.sec2, T.secHc, T.secOff, T.villager] = await Promise.all([
    mkUser('sp-sec2', 'secretary', T.village),
    mkUser('sp-sec-hc', 'secretary', hcVillage),
    mkUser('sp-sec-off', 'secretary', T.village),
    Promise.resolve(T.user('villager').id),
    mkUser('sp-official-hc', 'official', T.hc),
  ]);
  expectOk(await admin.patch(`/api/v1/users/${T.secOff}`, { disabled: true }), 200);
  expectOk(await admin.put(`/api/v1/org/${T.village}/geofence`, { center: CENTER, radius_m: 500 }), 200);
  await signIn();
});

after(() => stopServer(srv));

test('a supervisor asks named secretaries: 201 with the items, the default deadline, audited', async () => {
  const t = serverNow();
  const items = await ask(official, { user_ids: [T.sec, T.sec2], note: '请立即共享位置' });
  assert.equal(items.length, 2);
  assert.deepEqual(items.map((s) => s.user_id).sort(), [T.sec, T.sec2].sort());
  for (const s of items) {
    assert.equal(s.status, 'open');
    assert.equal(s.org_id, T.village);
    assert.equal(s.requested_by, T.user('official').id);
    assert.equal(s.note, '请立即共享位置');
    assert.ok(Math.abs(s.requested_at - t) <= 5, `requested_at ${s.requested_at} vs ${t}`);
    assert.equal(s.deadline_at - s.requested_at, 15 * 60, 'the county default, 15 minutes');
    assert.equal(s.checkin_id, null);
    assert.equal(s.answered_at, null);
  }
  const audit = expectOk(await admin.get('/api/v1/audit?per_page=200'), 200).items;
  for (const s of items)
    assert.ok(audit.some((a) => a.action === 'spot_check.create' && a.entity === 'spot_check' && a.entity_id === String(s.id)),
      `audit of ${s.id}`);
  // A second one while the first is open: 409.
  expectError(await official.post('/api/v1/duty/spot-checks', { user_ids: [T.sec] }), 409, 'spot_check_open');
  // Eight supervisors' requests at once for a secretary with none open: exactly one is asked.
  await cancelAll();
  const race = await Promise.all(Array.from({ length: 8 }, () => official.post('/api/v1/duty/spot-checks', { user_ids: [T.sec] })));
  assert.equal(race.filter((x) => x.status === 201).length, 1, race.map((x) => x.status).join(' '));
  for (const x of race.filter((y) => y.status !== 201)) expectError(x, 409, 'spot_check_open');
  const open = (await official.get(`/api/v1/duty/spot-checks?user_id=${T.sec}&status=open`)).json.items;
  assert.equal(open.length, 1, 'one open spot check');
  // The deadline follows the county setting.
  expectOk(await admin.patch('/api/v1/duty/settings', { spot_deadline_min: 30 }), 200);
  await cancelAll();
  const [s30] = await ask(official, { user_ids: [T.sec] });
  assert.equal(s30.deadline_at - s30.requested_at, 30 * 60);
  expectOk(await admin.patch('/api/v1/duty/settings', { spot_deadline_min: 15 }), 200);
  await cancelAll();
  const [s5] = await ask(official, { user_ids: [T.sec], deadline_minutes: 5 });
  assert.equal(s5.deadline_at - s5.requested_at, 5 * 60);
  await cancelAll();
});

test('N at random under a node: enabled secretaries in it without an open spot check', async () => {
  const users = expectOk(await admin.get(`/api/v1/users?role=secretary&org_id=${T.town}&per_page=200`), 200).items;
  const townSecs = users.filter((u) => !u.disabled).map((u) => u.id).sort();
  assert.ok(townSecs.includes(T.sec) && townSecs.includes(T.sec2) && !townSecs.includes(T.secOff));
  const items = await ask(official, { town_id: T.town, count: 1 });
  assert.equal(items.length, 1);
  assert.ok(townSecs.includes(items[0].user_id), 'an enabled secretary of the town');
  // More than there are: everyone who can be asked, each once.
  const rest = await ask(official, { town_id: T.town, count: 50 });
  assert.deepEqual([...items, ...rest].map((s) => s.user_id).sort(), townSecs);
  // Nobody left: 400.
  expectError(await official.post('/api/v1/duty/spot-checks', { town_id: T.town, count: 1 }), 400, 'spot_no_secretaries');
  await cancelAll();
  // A village works as the node too; over many draws both secretaries come up.
  const seen = new Set();
  for (let i = 0; i < 30 && seen.size < 2; i++) {
    const [s] = await ask(official, { town_id: T.village });
    seen.add(s.user_id);
    expectOk(await official.post(`/api/v1/duty/spot-checks/${s.id}/cancel`), 200);
  }
  assert.deepEqual([...seen].sort(), [T.sec, T.sec2].sort());
  // A secretary on approved leave today is not picked (named, they still may be asked).
  const today = new Date((serverNow() + 8 * 3600) * 1000).toISOString().slice(0, 10);
  const leave = expectOk(await sec2.post('/api/v1/duty/leaves', { kind: 'leave', start_day: today, end_day: today, reason: '病假' }), 201);
  expectOk(await official.post(`/api/v1/duty/leaves/${leave.id}/decision`, { approve: true }), 200);
  const picked = await ask(official, { town_id: T.village, count: 5 });
  assert.deepEqual(picked.map((s) => s.user_id), [T.sec], 'only the one not on leave');
  await cancelAll();
  // A node outside the caller's town: 403; unknown: 404.
  expectError(await official.post('/api/v1/duty/spot-checks', { town_id: T.hc, count: 1 }), 403, 'out_of_scope');
  expectError(await official.post('/api/v1/duty/spot-checks', { town_id: 999999, count: 1 }), 404, 'not_found');
});

test('bad bodies and bad targets', async () => {
  const bad = [
    [{}, 400, 'missing_field', 'user_ids'],
    [{ user_ids: [T.sec], town_id: T.town }, 400, 'invalid_value', 'town_id'],
    [{ user_ids: [T.sec], count: 2 }, 400, 'invalid_value', 'count'],
    [{ user_ids: [] }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: [T.sec, T.sec] }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: Array.from({ length: 51 }, (_, i) => i + 1) }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: [0] }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: ['1'] }, 400, 'invalid_type', 'user_ids'],
    [{ user_ids: T.sec }, 400, 'invalid_type', 'user_ids'],
    [{ user_ids: [T.villager] }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: [T.secOff] }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: [999999] }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: [T.user('official').id] }, 400, 'invalid_value', 'user_ids'],
    [{ user_ids: [T.sec], deadline_minutes: 0 }, 400, 'invalid_value', 'deadline_minutes'],
    [{ user_ids: [T.sec], deadline_minutes: 241 }, 400, 'invalid_value', 'deadline_minutes'],
    [{ user_ids: [T.sec], deadline_minutes: 1.5 }, 400, 'invalid_type', 'deadline_minutes'],
    [{ user_ids: [T.sec], note: 'x'.repeat(501) }, 400, 'too_long', 'note'],
    [{ town_id: T.town, count: 0 }, 400, 'invalid_value', 'count'],
    [{ town_id: T.town, count: 51 }, 400, 'invalid_value', 'count'],
    [{ town_id: 'x' }, 400, 'invalid_type', 'town_id'],
  ];
  for (const [body, status, code, field] of bad)
    expectError(await official.post('/api/v1/duty/spot-checks', body), status, code, { field });
  // Out of scope: 403, and nothing of the batch is kept.
  expectError(await official.post('/api/v1/duty/spot-checks', { user_ids: [T.secHc] }), 403, 'out_of_scope');
  expectError(await official.post('/api/v1/duty/spot-checks', { user_ids: [T.sec, T.secHc] }), 403, 'out_of_scope');
  assert.equal(expectOk(await admin.get('/api/v1/duty/spot-checks?status=open'), 200).total, 0);
  // Who may ask at all: supervisors (admin, official), not secretaries nor auditors.
  expectError(await sec.post('/api/v1/duty/spot-checks', { user_ids: [T.sec2] }), 403, 'forbidden');
  expectError(await auditor.post('/api/v1/duty/spot-checks', { user_ids: [T.sec] }), 403, 'forbidden');
});

test('answered in time inside the fence: ok, with the check-in and its time', async () => {
  const [s] = await ask(official, { user_ids: [T.sec] });
  setClock(offset + 120);
  const c = await checkin(sec, INSIDE);
  assert.deepEqual(c.spot_checks, [s.id]);
  const got = await spot(official, s.id);
  assert.equal(got.status, 'ok');
  assert.equal(got.checkin_id, c.id);
  assert.ok(got.answered_at >= s.requested_at + 120 && got.answered_at <= got.deadline_at, JSON.stringify(got));
  assert.equal(inquiries(s.id), 0);
  // Already answered: the next check-in answers nothing.
  const next = await checkin(sec, INSIDE);
  assert.deepEqual(next.spot_checks, []);
  // The check-in lists say which spot check each check-in answered (the secretary's, the supervisor's).
  for (const who of [sec, official]) {
    const items = expectOk(await who.get(`/api/v1/duty/checkins?user_id=${T.sec}&per_page=50`), 200).items;
    assert.deepEqual(items.find((x) => x.id === c.id).spot_checks, [s.id]);
    assert.deepEqual(items.find((x) => x.id === next.id).spot_checks, []);
  }
});

test('answered in time but outside the fence: outside, and an inquiry opens', async () => {
  const [s] = await ask(official, { user_ids: [T.sec] });
  const c = await checkin(sec, OUTSIDE);
  assert.deepEqual(c.spot_checks, [s.id]);
  const got = await spot(official, s.id);
  assert.equal(got.status, 'outside');
  assert.equal(got.checkin_id, c.id);
  assert.equal(inquiries(s.id), 1);
});

test('a point taken before the request does not answer it: a check-in queued offline, a device\'s old buffered point', async () => {
  const [s] = await ask(official, { user_ids: [T.sec] });
  setClock(offset + 60);
  // The web page sends a check-in it kept while offline, located 2 minutes before the request.
  const queued = await checkin(sec, { ...INSIDE, age_s: 180, client_ref: 'spot-queued-0001' });
  assert.deepEqual(queued.spot_checks, []);
  assert.equal(queued.at, s.requested_at - 120);
  // Traccar Client sends a point it buffered an hour ago (placed at the receive time, flagged clock).
  const res = await fetch(`${srv.base}/api/v1/osmand?id=hongya-demo-secretary&lat=${INSIDE.lat}&lon=${INSIDE.lon}&timestamp=${serverNow() - 3600}`);
  assert.equal(res.status, 200);
  assert.equal((await spot(official, s.id)).status, 'open', 'neither says where the secretary is now');
  // Within a minute before the request (a device clock a little behind) and after it: answered.
  const fresh = await checkin(sec, { ...INSIDE, age_s: 90 });
  assert.deepEqual(fresh.spot_checks, [s.id]);
  assert.equal((await spot(official, s.id)).status, 'ok');
});

test('a check-in after the deadline, before the job ran: late, and an inquiry opens', async () => {
  const [s] = await ask(official, { user_ids: [T.sec], deadline_minutes: 1 });
  setClock(offset + 61);
  const c = await checkin(sec, INSIDE);
  assert.deepEqual(c.spot_checks, [s.id]);
  const got = await spot(official, s.id);
  assert.equal(got.status, 'late');
  assert.equal(inquiries(s.id), 1);
});

test('nothing by the deadline: no_answer when the duty job runs; a check-in later that day turns it late', async () => {
  const [s] = await ask(official, { user_ids: [T.sec2], deadline_minutes: 2 });
  // Not yet past the deadline: the job leaves it open.
  setClock(offset + 120);
  expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.equal((await spot(official, s.id)).status, 'open');
  setClock(offset + 1);
  const run = expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.ok(run.spot_expired >= 1, JSON.stringify(run));
  const expired = await spot(official, s.id);
  assert.equal(expired.status, 'no_answer');
  assert.equal(expired.checkin_id, null);
  assert.equal(inquiries(s.id), 1);
  const audit = expectOk(await admin.get('/api/v1/audit?per_page=200'), 200).items;
  assert.ok(audit.some((a) => a.action === 'spot_check.expire' && a.entity_id === String(s.id)));
  // Idempotent: a second run finds nothing more to expire.
  assert.equal(expectOk(await admin.post('/api/v1/duty/evaluate'), 200).spot_expired, 0);
  setClock(offset + 600);
  await signIn();
  const c = await checkin(sec2, INSIDE);
  assert.deepEqual(c.spot_checks, [s.id]);
  const late = await spot(official, s.id);
  assert.equal(late.status, 'late');
  assert.equal(late.checkin_id, c.id);
  assert.equal(inquiries(s.id), 1, 'still the one inquiry');
});

test('a no_answer from an earlier day stays no_answer', async () => {
  const [s] = await ask(official, { user_ids: [T.sec2], deadline_minutes: 1 });
  setClock(offset + 120);
  expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.equal((await spot(official, s.id)).status, 'no_answer');
  setClock(localOffset(2, 9));   // the next local day, 09:00
  await signIn();
  assert.deepEqual((await checkin(sec2, INSIDE)).spot_checks, []);
  assert.equal((await spot(official, s.id)).status, 'no_answer');
});

test('cancel: open ones only, by a supervisor whose scope holds the village; audited', async () => {
  const [s] = await ask(official, { user_ids: [T.sec] });
  expectError(await hcOfficial.post(`/api/v1/duty/spot-checks/${s.id}/cancel`), 403, 'out_of_scope');
  expectError(await sec.post(`/api/v1/duty/spot-checks/${s.id}/cancel`), 403, 'forbidden');
  expectError(await official.post('/api/v1/duty/spot-checks/999999/cancel'), 404, 'not_found');
  const done = expectOk(await official.post(`/api/v1/duty/spot-checks/${s.id}/cancel`), 200);
  assert.equal(done.status, 'cancelled');
  expectError(await official.post(`/api/v1/duty/spot-checks/${s.id}/cancel`), 409, 'spot_check_closed');
  // A cancelled one is not answered by a check-in.
  assert.deepEqual((await checkin(sec, INSIDE)).spot_checks, []);
  assert.equal((await spot(official, s.id)).status, 'cancelled');
  const audit = expectOk(await admin.get('/api/v1/audit?per_page=200'), 200).items;
  assert.ok(audit.some((a) => a.action === 'spot_check.cancel' && a.entity_id === String(s.id) && a.actor_id === T.user('official').id));
});

test('the list: a secretary sees their own; a town official their town; filters', async () => {
  const [hc] = await ask(admin, { user_ids: [T.secHc] });
  const [mine] = await ask(official, { user_ids: [T.sec] });
  const [other] = await ask(official, { user_ids: [T.sec2] });
  const ids = async (who, q = '') => expectOk(await who.get(`/api/v1/duty/spot-checks?per_page=200${q}`), 200).items.map((s) => s.id);

  const own = await ids(sec);
  assert.ok(own.includes(mine.id) && !own.includes(other.id) && !own.includes(hc.id), 'a secretary: their own only');
  assert.deepEqual(await ids(sec, `&user_id=${T.sec2}`), [], 'not even when asking for another');
  const town = await ids(official);
  assert.ok(town.includes(mine.id) && town.includes(other.id) && !town.includes(hc.id), 'the official: the town');
  const hcList = await ids(hcOfficial);
  assert.ok(hcList.includes(hc.id) && !hcList.includes(mine.id));
  const county = await ids(auditor);
  assert.ok([hc.id, mine.id, other.id].every((id) => county.includes(id)), 'the auditor: the county');

  assert.deepEqual(await ids(official, `&user_id=${T.sec2}&status=open`), [other.id]);
  assert.ok((await ids(official, '&status=ok')).every((id) => id !== other.id));
  const byOrg = await ids(admin, `&org_id=${T.hcVillage}`);
  assert.ok(byOrg.includes(hc.id) && !byOrg.includes(mine.id));
  expectError(await official.get(`/api/v1/duty/spot-checks?org_id=${T.hc}`), 403, 'out_of_scope');
  expectError(await official.get('/api/v1/duty/spot-checks?status=maybe'), 400, 'invalid_value', { field: 'status' });
  expectError(await official.get('/api/v1/duty/spot-checks?user_id=x'), 400, 'invalid_value', { field: 'user_id' });
  const page = expectOk(await auditor.get('/api/v1/duty/spot-checks?per_page=2&page=1'), 200);
  assert.equal(page.items.length, 2);
  assert.ok(page.total >= 3);
  // Newest first.
  assert.ok(page.items[0].requested_at >= page.items[1].requested_at);
  await cancelAll();
});
