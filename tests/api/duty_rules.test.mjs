// duty_rules.test.mjs: the rules of duty supervision (api/duty_rules.c,
// duty/calendar.c, duty/evaluate.c, duty/ladder.c): county settings, the duty
// calendar, village geofences, leave, the evaluation of windows and days (on
// demand and by the background job), inquiries and the escalation ladder, and
// who sees what. Time is driven through the server's injectable clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startServer, stopServer, stop, launch, as } from '../lib/server.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_PASSWORD, expectError, expectOk, landmarks, orgCode, sql, auditVerify } from './helpers.mjs';

let srv, admin, official, secretary, auditor, T;

// Put the server's clock at local time `iso` (county time, +08:00).
function setClock(s, iso) {
  const target = Math.floor(new Date(iso).getTime() / 1000);
  writeFileSync(s.clockFile, `${target - Math.floor(Date.now() / 1000)}\n`);
}

before(async () => {
  // The background job runs once at start, then not again: the tests drive it.
  // Sessions outlive the clock jumps of the tests.
  srv = await startServer({ env: { XIANGCUN_DUTY_TICK: '86400', XIANGCUN_SESSION_IDLE: '100000000' } });
  admin = await as(srv, 'admin');
  official = await as(srv, 'official');
  secretary = await as(srv, 'secretary');
  auditor = await as(srv, 'auditor');
  T = await landmarks(admin);
  T.hcVillage = T.list.find((o) => o.parent_id === T.hc && o.level === 'village').id;
});

after(() => stopServer(srv));

test('settings: defaults, merge, validation naming the field, audit', async () => {
  const s = expectOk(await secretary.get('/api/v1/duty/settings'), 200);
  assert.deepEqual(s.workdays, [1, 2, 3, 4, 5]);
  assert.deepEqual(s.windows, [{ start: '08:30', end: '09:30' }, { start: '14:30', end: '15:30' }]);
  assert.equal(s.utc_offset_min, 480);
  assert.deepEqual(s.escalation, { notice_misses: 3, notice_days: 30, interview_notices: 2, recall_notices: 3 });
  assert.equal(s.retention_days, 730);
  assert.equal(s.spot_deadline_min, 15);

  const bad = [
    [{ workdays: [1, 7] }, 'invalid_value', 'workdays'], [{ workdays: [1, 1] }, 'invalid_value', 'workdays'],
    [{ workdays: 'mon' }, 'invalid_type', 'workdays'],
    [{ windows: [{ start: '8:30', end: '09:30' }] }, 'invalid_value', 'windows.start'],
    [{ windows: [{ start: '09:30', end: '09:30' }] }, 'invalid_value', 'windows.end'],
    [{ windows: [{ start: '25:00', end: '26:00' }] }, 'invalid_value', 'windows.start'],
    [{ windows: [{ start: '08:00' }] }, 'missing_field', 'windows.end'],
    [{ utc_offset_min: 10000 }, 'invalid_value', 'utc_offset_min'],
    [{ accuracy_max_m: 0 }, 'invalid_value', 'accuracy_max_m'],
    [{ retention_days: 0 }, 'invalid_value', 'retention_days'],
    [{ escalation: { notice_misses: 0 } }, 'invalid_value', 'escalation.notice_misses'],
    [{ escalation: { notice_days: '30' } }, 'invalid_type', 'escalation.notice_days'],
  ];
  for (const [body, code, field] of bad) expectError(await admin.patch('/api/v1/duty/settings', body), 400, code, { field });
  expectError(await admin.patch('/api/v1/duty/settings', { windows: [{ start: '08:00', end: '10:00' }, { start: '09:00', end: '11:00' }] }),
    400, 'duty_windows_overlap');
  expectError(await admin.patch('/api/v1/duty/settings', { windows: Array(7).fill({ start: '08:00', end: '09:00' }) }), 400, 'duty_too_many_windows');
  expectError(await admin.patch('/api/v1/duty/settings', { nonsense: 1 }), 400, 'duty_unknown_field');
  expectError(await official.patch('/api/v1/duty/settings', { retention_days: 10 }), 403, 'forbidden');

  // A merge keeps the other fields; windows come back sorted.
  const m = expectOk(await admin.patch('/api/v1/duty/settings', {
    retention_days: 400, escalation: { notice_days: 20 }, windows: [{ start: '14:30', end: '15:30' }, { start: '08:30', end: '09:30' }],
  }), 200);
  assert.equal(m.retention_days, 400);
  assert.equal(m.escalation.notice_days, 20);
  assert.equal(m.escalation.notice_misses, 3);
  assert.deepEqual(m.windows.map((w) => w.start), ['08:30', '14:30']);
  assert.deepEqual((await auditor.get('/api/v1/duty/settings')).json, m);
  const a = (await admin.get('/api/v1/audit?action=duty.settings.update')).json.items;
  assert.ok(a.length >= 1);
  expectOk(await admin.patch('/api/v1/duty/settings', { retention_days: 730, escalation: { notice_days: 30 } }), 200);
});

test('calendar: exceptions of a year replace the old ones; bad days are refused', async () => {
  const days = [
    { day: '2027-10-01', working: false, name: '国庆节' }, { day: '2027-10-09', working: true, name: '国庆节调休' },
  ];
  expectOk(await admin.put('/api/v1/duty/calendar/2027', { days }), 200);
  let c = expectOk(await secretary.get('/api/v1/duty/calendar?year=2027'), 200);
  assert.deepEqual(c.days, days);
  assert.deepEqual(c.workdays, [1, 2, 3, 4, 5]);
  assert.equal(c.windows.length, 2);
  expectOk(await admin.put('/api/v1/duty/calendar/2027', { days: [days[0]] }), 200);
  c = expectOk(await official.get('/api/v1/duty/calendar?year=2027'), 200);
  assert.deepEqual(c.days, [days[0]]);
  assert.deepEqual(expectOk(await official.get('/api/v1/duty/calendar?year=2028'), 200).days, []);

  for (const [body, code, field] of [
    [{ days: [{ day: '2028-01-01', working: false, name: '元旦' }] }, 'duty_day_outside_year'],
    [{ days: [{ day: '2027-02-30', working: false, name: 'x' }] }, 'invalid_value', 'day'],
    [{ days: [{ day: '2027/10/01', working: false, name: 'x' }] }, 'invalid_value', 'day'],
    [{ days: [{ day: '2027-10-01', working: 'no', name: 'x' }] }, 'invalid_type', 'working'],
    [{ days: [{ day: '2027-10-01', working: false }] }, 'missing_field', 'name'],
    [{ days: [days[0], days[0]] }, 'duty_duplicate_day'],
    [{ days: {} }, 'invalid_type', 'days'],
    [{ days: [1] }, 'invalid_type', 'days'],
  ])
    expectError(await admin.put('/api/v1/duty/calendar/2027', body), 400, code, field ? { field } : {});
  expectError(await admin.get('/api/v1/duty/calendar'), 400, 'missing_field', { field: 'year' });
  expectError(await admin.get('/api/v1/duty/calendar?year=20x7'), 400, 'invalid_value', { field: 'year' });
  // Unchanged by the refused ones.
  assert.deepEqual((await admin.get('/api/v1/duty/calendar?year=2027')).json.days, [days[0]]);
  expectOk(await admin.put('/api/v1/duty/calendar/2027', { days: [] }), 200);
});

test('geofence: a polygon or a circle, only on villages, validated, audited, in scope', async () => {
  // A new village of the official's town, without a fence yet.
  const village = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '围栏村' }), 201).id;
  expectError(await official.get(`/api/v1/org/${village}/geofence`), 404, 'not_found');
  const poly = [[29.9, 103.3], [29.9, 103.4], [30.0, 103.4], [30.0, 103.3]];
  const f = expectOk(await official.put(`/api/v1/org/${village}/geofence`, { polygon: poly }), 200);
  assert.equal(f.kind, 'polygon');
  assert.deepEqual(f.polygon, poly);
  assert.deepEqual(expectOk(await admin.get(`/api/v1/org/${village}/geofence`), 200).polygon, poly);
  // A secretary reads their own village's fence, no other.
  expectError(await secretary.get(`/api/v1/org/${village}/geofence`), 403, 'out_of_scope');
  assert.equal(expectOk(await secretary.get(`/api/v1/org/${T.village}/geofence`), 200).org_id, T.village);
  // Closed rings lose their repeated first point.
  const closed = expectOk(await official.put(`/api/v1/org/${village}/geofence`, { polygon: [...poly, poly[0]] }), 200);
  assert.equal(closed.polygon.length, 4);
  const c = expectOk(await official.put(`/api/v1/org/${village}/geofence`, { center: [29.95, 103.35], radius_m: 800 }), 200);
  assert.equal(c.kind, 'circle');
  assert.deepEqual(c.center, [29.95, 103.35]);
  assert.equal(c.radius_m, 800);
  assert.equal(c.polygon, undefined);

  const bad = [
    [{ polygon: [[29.9, 103.3], [29.9, 103.4]] }, 'duty_polygon_points'],
    [{ polygon: Array.from({ length: 201 }, (_, i) => [29 + Math.cos(i / 32) / 10, 103 + Math.sin(i / 32) / 10]) }, 'duty_polygon_points'],
    [{ polygon: [[29.9, 103.3], [30.0, 103.4], [29.9, 103.4], [30.0, 103.3]] }, 'duty_polygon_self_intersecting'],
    [{ polygon: [[29.9, 103.3], [29.95, 103.35], [30.0, 103.4]] }, 'duty_polygon_self_intersecting'],
    [{ polygon: [[91, 103.3], [29.9, 103.4], [30.0, 103.4]] }, 'invalid_value', 'polygon'],
    [{ polygon: [[29.9, 181], [29.9, 103.4], [30.0, 103.4]] }, 'invalid_value', 'polygon'],
    [{ polygon: [['29.9', 103.3], [29.9, 103.4], [30.0, 103.4]] }, 'invalid_type', 'polygon'],
    [{ polygon: 'x' }, 'invalid_type', 'polygon'],
    [{ center: [29.9, 103.3], radius_m: 49 }, 'invalid_value', 'radius_m'],
    [{ center: [29.9, 103.3], radius_m: 20001 }, 'invalid_value', 'radius_m'],
    [{ center: [29.9, 103.3], radius_m: '100' }, 'invalid_type', 'radius_m'],
    [{ center: [29.9], radius_m: 100 }, 'invalid_type', 'center'],
    [{ center: [-95, 103.3], radius_m: 100 }, 'invalid_value', 'center'],
    [{ center: [29.9, 103.3] }, 'missing_field', 'radius_m'],
    [{}, 'missing_field', 'polygon'],
    [{ polygon: poly, center: [29.9, 103.3], radius_m: 100 }, 'invalid_value', 'center'],
  ];
  for (const [body, code, field] of bad)
    expectError(await official.put(`/api/v1/org/${village}/geofence`, body), 400, code, field ? { field } : {});
  expectError(await official.put(`/api/v1/org/${T.town}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 400, 'duty_not_village');
  expectError(await admin.put(`/api/v1/org/${T.group}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 400, 'duty_not_village');
  expectError(await official.put(`/api/v1/org/${T.hcVillage}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 403, 'out_of_scope');
  expectError(await secretary.put(`/api/v1/org/${village}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 403, 'forbidden');
  assert.equal((await official.get(`/api/v1/org/${village}/geofence`)).json.kind, 'circle');
  const audit = (await admin.get('/api/v1/audit?entity=geofence')).json.items;
  assert.ok(audit.some((x) => x.action === 'duty.geofence.create'));
  assert.ok(audit.some((x) => x.action === 'duty.geofence.update'));
  // Removed: the village then has no fence (every point counts as inside).
  expectError(await official.del(`/api/v1/org/${T.hcVillage}/geofence`), 403, 'out_of_scope');
  expectError(await secretary.del(`/api/v1/org/${village}/geofence`), 403, 'forbidden');
  expectOk(await official.del(`/api/v1/org/${village}/geofence`), 204);
  expectError(await official.get(`/api/v1/org/${village}/geofence`), 404, 'not_found');
  expectError(await official.del(`/api/v1/org/${village}/geofence`), 404, 'not_found');
  const del = (await admin.get(`/api/v1/audit?action=duty.geofence.delete&entity_id=${village}`)).json.items;
  assert.equal(del.length, 1);
  assert.equal(del[0].before.kind, 'circle');
});

// ---- the evaluation -----------------------------------------------------------------------

// A fresh secretary of village org_id, created at the current server clock; a
// client signed in as them.
async function newSecretary(org_id, prefix) {
  const login = `${prefix}${Math.random().toString(36).slice(2, 7)}`;
  const id = expectOk(await admin.post('/api/v1/users', { login, display_name: login, role: 'secretary', org_id, password: DEMO_PASSWORD }), 201).id;
  return { id, login, c: await as(srv, login) };
}

const FENCE = { center: [29.9, 103.3], radius_m: 500 };
const IN = { lat: 29.9005, lon: 103.3005, accuracy: 20 };
const OUT = { lat: 29.95, lon: 103.35, accuracy: 20 };

// A web check-in by client c at local time iso.
async function checkinAt(c, iso, where, extra = {}) {
  setClock(srv, iso);
  return expectOk(await c.post('/api/v1/duty/checkins', { ...where, ...extra }), 201);
}

const rows = (q) => sql(srv, q).trim().split('\n').filter(Boolean).map((l) => l.split('|'));
const windowsOf = (u) => Object.fromEntries(rows(`SELECT day, idx, status, COALESCE(checkin_id, 0) FROM duty_window WHERE user_id = ${u} ORDER BY day, idx`)
  .map(([d, i, s, c]) => [`${d}#${i}`, { status: s, checkin: Number(c) }]));
const daysOf = (u) => Object.fromEntries(rows(`SELECT day, status, checkins, inside, windows_met, windows_total FROM duty_day WHERE user_id = ${u} ORDER BY day`)
  .map(([d, s, n, i, m, t]) => [d, { status: s, checkins: Number(n), inside: Number(i), met: Number(m), total: Number(t) }]));
const inquiriesOf = async (c, user, extra = '') => (await c.get(`/api/v1/duty/inquiries?user_id=${user}&per_page=200${extra}`)).json.items;

let W;   // the week: secretaries and their check-ins

test('a whole week: windows met, missed and excused, a holiday, a worked Saturday, leave, fences and flags', async () => {
  // Sunday before the week: the secretaries start, the fence is drawn, the calendar set, leave filed.
  setClock(srv, '2026-11-29T10:00:00+08:00');
  const s1 = await newSecretary(T.village, 'wk1');
  const s2 = await newSecretary(T.village, 'wk2');
  expectOk(await official.put(`/api/v1/org/${T.village}/geofence`, FENCE), 200);
  expectOk(await admin.put('/api/v1/duty/calendar/2026', {
    days: [{ day: '2026-12-02', working: false, name: '测试假日' }, { day: '2026-12-05', working: true, name: '调休上班' }],
  }), 200);
  const leave = expectOk(await s1.c.post('/api/v1/duty/leaves', { kind: 'trip', start_day: '2026-12-03', end_day: '2026-12-03', reason: '县里开会' }), 201);
  assert.equal(leave.status, 'pending');
  const ok = expectOk(await official.post(`/api/v1/duty/leaves/${leave.id}/decision`, { approve: true, note: '同意' }), 200);
  assert.equal(ok.status, 'approved');
  assert.equal(ok.decided_by, T.user('official').id);

  // Monday: both windows met; an outside point does not count, the inside one does.
  const mon0 = await checkinAt(s1.c, '2026-11-30T08:45:00+08:00', IN);
  assert.equal(mon0.inside, true);
  await checkinAt(s1.c, '2026-11-30T14:35:00+08:00', OUT);
  const mon1 = await checkinAt(s1.c, '2026-11-30T14:40:00+08:00', IN);
  // Tuesday: a point too inaccurate to count, nothing else.
  const tue = await checkinAt(s1.c, '2026-12-01T08:45:00+08:00', { ...IN, accuracy: 900 });
  assert.ok(tue.flags.includes('accuracy'));
  // Wednesday is the holiday; a point then changes nothing.
  await checkinAt(s1.c, '2026-12-02T09:00:00+08:00', IN);
  // Friday: the morning only.
  const fri = await checkinAt(s1.c, '2026-12-04T09:00:00+08:00', IN);
  // Saturday is worked: the afternoon only. Sunday is off.
  const sat = await checkinAt(s1.c, '2026-12-05T15:00:00+08:00', IN);

  // Monday morning of the next week, before its first window ends.
  setClock(srv, '2026-12-07T09:00:00+08:00');
  const run = expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  for (const k of ['windows', 'days', 'inquiries', 'spot_expired', 'purged']) assert.equal(typeof run[k], 'number', k);
  assert.ok(run.days >= 10, JSON.stringify(run));

  const w = windowsOf(s1.id);
  assert.deepEqual(w, {
    '2026-11-30#0': { status: 'met', checkin: mon0.id }, '2026-11-30#1': { status: 'met', checkin: mon1.id },
    '2026-12-01#0': { status: 'missed', checkin: 0 }, '2026-12-01#1': { status: 'missed', checkin: 0 },
    '2026-12-03#0': { status: 'excused', checkin: 0 }, '2026-12-03#1': { status: 'excused', checkin: 0 },
    '2026-12-04#0': { status: 'met', checkin: fri.id }, '2026-12-04#1': { status: 'missed', checkin: 0 },
    '2026-12-05#0': { status: 'missed', checkin: 0 }, '2026-12-05#1': { status: 'met', checkin: sat.id },
  });
  assert.deepEqual(daysOf(s1.id), {
    '2026-11-30': { status: 'present', checkins: 3, inside: 2, met: 2, total: 2 },
    '2026-12-01': { status: 'absent', checkins: 1, inside: 1, met: 0, total: 2 },
    '2026-12-03': { status: 'excused', checkins: 0, inside: 0, met: 0, total: 2 },
    '2026-12-04': { status: 'present', checkins: 1, inside: 1, met: 1, total: 2 },
    '2026-12-05': { status: 'present', checkins: 1, inside: 1, met: 1, total: 2 },
  });
  // One inquiry per missed window, for the town's staff.
  const q = await inquiriesOf(official, s1.id);
  assert.deepEqual(q.map((x) => `${x.day}#${x.window_idx}`).sort(), ['2026-12-01#0', '2026-12-01#1', '2026-12-04#1', '2026-12-05#0']);
  assert.ok(q.every((x) => x.status === 'open' && x.kind === 'window' && x.org_id === T.village && x.call_made === false));
  // s2 did nothing all week: every window of the five working days missed, every day absent.
  assert.equal(Object.values(windowsOf(s2.id)).filter((x) => x.status === 'missed').length, 10);
  assert.deepEqual(Object.keys(daysOf(s2.id)), ['2026-11-30', '2026-12-01', '2026-12-03', '2026-12-04', '2026-12-05']);
  // The evaluation is audited as the system, without positions.
  const audit = (await admin.get(`/api/v1/audit?action=duty.evaluate&entity_id=${s1.id}/2026-12-01`)).json.items;
  assert.equal(audit.length, 1);
  assert.equal(audit[0].actor_login, 'system');
  assert.doesNotMatch(JSON.stringify(audit[0]), /29\.9|103\.3/);
  W = { s1, s2, q };
});

test('approving leave for days already evaluated excuses them and closes their open inquiries', async () => {
  const { s2 } = W;
  const before = await inquiriesOf(official, s2.id, '&from=2026-12-01&to=2026-12-01');
  assert.equal(before.length, 2);
  // Rejected ones stay rejected: decided before the leave.
  expectOk(await official.post(`/api/v1/duty/inquiries/${before[0].id}/decision`, { accepted: false, note: '未说明' }), 200);
  const leave = expectOk(await s2.c.post('/api/v1/duty/leaves', { kind: 'leave', start_day: '2026-12-01', end_day: '2026-12-01', reason: '病假' }), 201);
  const d = expectOk(await official.post(`/api/v1/duty/leaves/${leave.id}/decision`, { approve: true }), 200);
  assert.deepEqual(d.excused, { windows: 2, days: 1, inquiries: 1 });
  assert.equal(daysOf(s2.id)['2026-12-01'].status, 'excused');
  assert.equal(windowsOf(s2.id)['2026-12-01#1'].status, 'excused');
  const after = await inquiriesOf(official, s2.id, '&from=2026-12-01&to=2026-12-01');
  assert.deepEqual(after.map((x) => x.status).sort(), ['accepted', 'rejected']);
  // Decided leave cannot be decided again or cancelled; a rejection excuses nothing.
  expectError(await official.post(`/api/v1/duty/leaves/${leave.id}/decision`, { approve: false }), 409, 'duty_already_decided');
  expectError(await s2.c.del(`/api/v1/duty/leaves/${leave.id}`), 409, 'duty_already_decided');
  const l2 = expectOk(await s2.c.post('/api/v1/duty/leaves', { kind: 'leave', start_day: '2026-12-04', end_day: '2026-12-04', reason: '事假' }), 201);
  const rj = expectOk(await official.post(`/api/v1/duty/leaves/${l2.id}/decision`, { approve: false, note: '不批' }), 200);
  assert.equal(rj.status, 'rejected');
  assert.equal(rj.excused, undefined);
  assert.equal(daysOf(s2.id)['2026-12-04'].status, 'absent');
});

test('leave: validation, overlap, own cancellation, lists by scope', async () => {
  const { s1, s2 } = W;
  const bad = [
    [{ kind: 'holiday', start_day: '2027-01-04', end_day: '2027-01-04', reason: 'x' }, 400, 'invalid_value', 'kind'],
    [{ kind: 'leave', start_day: '2027-02-30', end_day: '2027-03-01', reason: 'x' }, 400, 'invalid_value', 'start_day'],
    [{ kind: 'leave', start_day: '2027-01-04', end_day: '04/01/2027', reason: 'x' }, 400, 'invalid_value', 'end_day'],
    [{ kind: 'leave', start_day: '2027-01-05', end_day: '2027-01-04', reason: 'x' }, 400, 'duty_leave_order'],
    [{ kind: 'leave', start_day: '2027-01-01', end_day: '2027-03-02', reason: 'x' }, 400, 'duty_leave_too_long'],
    [{ kind: 'leave', start_day: '2027-01-04', end_day: '2027-01-04' }, 400, 'missing_field', 'reason'],
  ];
  for (const [body, status, code, field] of bad) expectError(await s1.c.post('/api/v1/duty/leaves', body), status, code, field ? { field } : {});
  const a = expectOk(await s1.c.post('/api/v1/duty/leaves', { kind: 'leave', start_day: '2027-01-04', end_day: '2027-01-08', reason: '探亲' }), 201);
  const e = expectError(await s1.c.post('/api/v1/duty/leaves', { kind: 'trip', start_day: '2027-01-08', end_day: '2027-01-09', reason: '出差' }), 409, 'duty_leave_overlap');
  assert.match(e.message, new RegExp(String(a.id)));
  // Another secretary cannot cancel it; its owner can, once.
  expectError(await s2.c.del(`/api/v1/duty/leaves/${a.id}`), 403, 'out_of_scope');
  expectError(await official.del(`/api/v1/duty/leaves/${a.id}`), 403, 'forbidden');
  expectOk(await s1.c.del(`/api/v1/duty/leaves/${a.id}`), 204);
  expectError(await s1.c.del(`/api/v1/duty/leaves/${a.id}`), 409, 'duty_already_decided');
  // Cancelled leave no longer blocks the days.
  expectOk(await s1.c.post('/api/v1/duty/leaves', { kind: 'trip', start_day: '2027-01-08', end_day: '2027-01-09', reason: '出差' }), 201);
  // Lists: a secretary sees only their own, whatever they ask for.
  const own = (await s1.c.get('/api/v1/duty/leaves')).json;
  assert.ok(own.total >= 3 && own.items.every((x) => x.user_id === s1.id));
  assert.equal((await s1.c.get(`/api/v1/duty/leaves?user_id=${s2.id}`)).json.total, 0);
  const pend = (await official.get(`/api/v1/duty/leaves?status=pending&org_id=${T.village}`)).json.items;
  assert.ok(pend.length >= 1 && pend.every((x) => x.status === 'pending'));
  expectError(await official.get('/api/v1/duty/leaves?status=maybe'), 400, 'invalid_value', { field: 'status' });
  expectError(await official.get(`/api/v1/duty/leaves?org_id=${T.hc}`), 403, 'out_of_scope');
});

test('the evaluation is idempotent: twice, and again after a restart, no duplicate windows or inquiries', async () => {
  const { s1 } = W;
  const count = () => rows(`SELECT COUNT(*) FROM inquiry`)[0][0] + '/' + rows(`SELECT COUNT(*) FROM duty_window`)[0][0] + '/' + rows(`SELECT COUNT(*) FROM duty_day`)[0][0];
  const first = count();
  const again = expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.deepEqual([again.windows, again.days, again.inquiries], [0, 0, 0]);
  assert.equal(count(), first);
  await stop(srv);
  await launch(srv);
  await admin.login('admin');
  const after = expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.deepEqual([after.windows, after.days, after.inquiries], [0, 0, 0]);
  assert.equal(count(), first);
  assert.equal((await inquiriesOf(admin, s1.id)).length, W.q.length);
  // Later the same day: the morning window of today, then the day itself.
  setClock(srv, '2026-12-07T09:40:00+08:00');
  const m = expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.ok(m.windows >= 2 && m.days === 0, JSON.stringify(m));
  assert.equal(windowsOf(s1.id)['2026-12-07#0'].status, 'missed');
  assert.equal(windowsOf(s1.id)['2026-12-07#1'], undefined);
  setClock(srv, '2026-12-08T00:10:00+08:00');
  expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.equal(daysOf(s1.id)['2026-12-07'].status, 'absent');
  assert.equal(daysOf(s1.id)['2026-12-07'].total, 2);
  // Restore the official's login (the restart kept sessions in the database).
  assert.equal((await official.get('/api/v1/duty/settings')).status, 200);
  assert.equal(auditVerify(srv).status, 0);
});

// ---- the ladder -----------------------------------------------------------------------------

const decideInquiry = async (id, accepted) => expectOk(await official.post(`/api/v1/duty/inquiries/${id}/decision`, { accepted, note: accepted ? '理由成立' : '理由不成立' }), 200);
const sanctionsOf = async (user, extra = '') => (await official.get(`/api/v1/duty/sanctions?user_id=${user}&per_page=200${extra}`)).json.items;

test('inquiries: the call and the reason are recorded; accepting excuses the window', async () => {
  const { s1, q } = W;
  const one = q.find((x) => x.day === '2026-12-04');
  const u = expectOk(await official.patch(`/api/v1/duty/inquiries/${one.id}`, { call_made: true, reason_category: 'no_signal', reason: '山里没有信号' }), 200);
  assert.equal(u.call_made, true);
  assert.equal(typeof u.called_at, 'number');
  assert.equal(u.reason_category, 'no_signal');
  assert.equal(u.reason, '山里没有信号');
  expectError(await official.patch(`/api/v1/duty/inquiries/${one.id}`, { reason_category: 'weather' }), 400, 'invalid_value', { field: 'reason_category' });
  expectError(await official.patch(`/api/v1/duty/inquiries/${one.id}`, { call_made: 'yes' }), 400, 'invalid_type', { field: 'call_made' });
  const a = await decideInquiry(one.id, true);
  assert.equal(a.status, 'accepted');
  assert.equal(a.drafted, null);
  assert.equal(a.decided_by, T.user('official').id);
  assert.equal(a.decision_note, '理由成立', 'the decision note is kept on the inquiry');
  assert.equal((await inquiriesOf(official, s1.id)).find((x) => x.id === one.id).decision_note, '理由成立');
  assert.equal(windowsOf(s1.id)['2026-12-04#1'].status, 'excused');
  expectError(await official.post(`/api/v1/duty/inquiries/${one.id}/decision`, { accepted: false }), 409, 'duty_already_decided');
  expectError(await official.patch(`/api/v1/duty/inquiries/${one.id}`, { reason: '改' }), 409, 'duty_already_decided');
  expectError(await s1.c.post(`/api/v1/duty/inquiries/${one.id}/decision`, { accepted: true }), 403, 'forbidden');
  const audit = (await admin.get(`/api/v1/audit?entity=inquiry&entity_id=${one.id}`)).json.items.map((x) => x.action);
  assert.deepEqual(audit.sort(), ['duty.inquiry.accept', 'duty.inquiry.open', 'duty.inquiry.update']);
});

test('escalation: 3 rejected misses draft a notice, 2 approved notices an interview, 3 a recall; accepted ones never count', async () => {
  setClock(srv, '2026-11-29T10:00:00+08:00');
  const s3 = await newSecretary(T.village, 'esc');
  setClock(srv, '2026-12-07T09:00:00+08:00');
  expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  const q = (await inquiriesOf(official, s3.id)).sort((a, b) => a.id - b.id);
  assert.equal(q.length, 10);
  // Two rejections and an acceptance: nothing yet.
  assert.equal((await decideInquiry(q[0].id, false)).drafted, null);
  assert.equal((await decideInquiry(q[1].id, true)).drafted, null);
  assert.equal((await decideInquiry(q[2].id, false)).drafted, null);
  assert.equal((await sanctionsOf(s3.id)).length, 0);
  // The third rejection drafts a notice of criticism based on the three.
  const r3 = await decideInquiry(q[3].id, false);
  assert.equal(typeof r3.drafted, 'number');
  let s = await sanctionsOf(s3.id);
  assert.equal(s.length, 1);
  assert.deepEqual([s[0].kind, s[0].status, s[0].id], ['notice', 'draft', r3.drafted]);
  assert.deepEqual(s[0].basis.inquiries, [q[0].id, q[2].id, q[3].id]);
  const linked = await inquiriesOf(official, s3.id);
  assert.deepEqual(linked.filter((x) => x.sanction_id === r3.drafted).map((x) => x.id).sort((a, b) => a - b), [q[0].id, q[2].id, q[3].id]);
  assert.equal(linked.find((x) => x.id === q[1].id).sanction_id, null);
  // Used inquiries are not counted twice: two more rejections draft nothing.
  assert.equal((await decideInquiry(q[4].id, false)).drafted, null);
  assert.equal((await decideInquiry(q[5].id, false)).drafted, null);
  const n2 = (await decideInquiry(q[6].id, false)).drafted;
  assert.equal(typeof n2, 'number');
  // Approving the first notice: one approved notice this year, no interview.
  const ap1 = expectOk(await official.post(`/api/v1/duty/sanctions/${r3.drafted}/decision`, { approve: true, note: '通报批评' }), 200);
  assert.deepEqual([ap1.status, ap1.drafted, ap1.decided_by], ['approved', null, T.user('official').id]);
  expectError(await official.post(`/api/v1/duty/sanctions/${r3.drafted}/decision`, { approve: true }), 409, 'duty_already_decided');
  expectError(await official.post(`/api/v1/duty/sanctions/${n2}/decision`, { approve: true, scheduled_at: '2026-12-10T09:00' }), 400, 'invalid_value', { field: 'scheduled_at' });
  // The second approved notice drafts an admonition interview.
  const ap2 = expectOk(await official.post(`/api/v1/duty/sanctions/${n2}/decision`, { approve: true }), 200);
  assert.equal(typeof ap2.drafted, 'number');
  s = await sanctionsOf(s3.id, '&kind=interview');
  assert.equal(s.length, 1);
  assert.deepEqual(s[0].basis, { notices: [r3.drafted, n2], year: 2026 });
  for (const bad of ['2026-12-10', '2026-12-10T25:00', '2026-13-10T09:00', 'soon', true, -5])
    expectError(await official.post(`/api/v1/duty/sanctions/${ap2.drafted}/decision`, { approve: true, scheduled_at: bad }), 400,
      typeof bad === 'boolean' ? 'invalid_type' : 'invalid_value', { field: 'scheduled_at' });
  const iv = expectOk(await official.post(`/api/v1/duty/sanctions/${ap2.drafted}/decision`, { approve: true, scheduled_at: '2026-12-10T09:00' }), 200);
  assert.equal(iv.scheduled_at, Date.parse('2026-12-10T09:00:00+08:00') / 1000);
  // Three more misses, a third notice: a recall recommendation, and no second interview.
  for (const i of [7, 8]) assert.equal((await decideInquiry(q[i].id, false)).drafted, null);
  const n3 = (await decideInquiry(q[9].id, false)).drafted;
  const ap3 = expectOk(await official.post(`/api/v1/duty/sanctions/${n3}/decision`, { approve: true }), 200);
  const recall = (await sanctionsOf(s3.id, '&kind=recall'))[0];
  assert.equal(recall.id, ap3.drafted);
  assert.equal(recall.status, 'draft');
  assert.equal((await sanctionsOf(s3.id, '&kind=interview')).length, 1);
  assert.equal((await sanctionsOf(s3.id, '&kind=notice&status=approved&year=2026')).length, 3);
  assert.equal((await sanctionsOf(s3.id, '&year=2025')).length, 0);
  const dis = expectOk(await official.post(`/api/v1/duty/sanctions/${recall.id}/decision`, { approve: false, note: '暂不召回' }), 200);
  assert.equal(dis.status, 'dismissed');
  // Every step is in the audit log with who decided.
  const acts = (await admin.get(`/api/v1/audit?entity=sanction&per_page=200`)).json.items.filter((x) => [r3.drafted, n2, ap2.drafted, n3, recall.id].map(String).includes(x.entity_id));
  assert.ok(acts.filter((x) => x.action === 'duty.sanction.draft').every((x) => x.actor_login === 'official'));
  assert.equal(acts.filter((x) => x.action === 'duty.sanction.approve').length, 4);
  assert.equal(acts.filter((x) => x.action === 'duty.sanction.dismiss').length, 1);
  expectError(await official.get('/api/v1/duty/sanctions?kind=fine'), 400, 'invalid_value', { field: 'kind' });
  expectError(await official.get('/api/v1/duty/inquiries?from=2026-1-1'), 400, 'invalid_value', { field: 'from' });
  W.s3 = s3;
});

test('scope: a secretary sees only their own, a town official their town, 洪川镇 is out of scope', async () => {
  setClock(srv, '2026-11-29T10:00:00+08:00');
  const out = await newSecretary(T.hcVillage, 'hc');
  setClock(srv, '2026-12-08T09:00:00+08:00');
  expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  const hcq = await inquiriesOf(admin, out.id);
  assert.ok(hcq.length >= 10);
  // The town official: nothing of 洪川镇, and no way to reach it.
  assert.equal((await inquiriesOf(official, out.id)).length, 0);
  expectError(await official.get(`/api/v1/duty/inquiries?org_id=${T.hc}`), 403, 'out_of_scope');
  expectError(await official.post(`/api/v1/duty/inquiries/${hcq[0].id}/decision`, { accepted: true }), 403, 'out_of_scope');
  expectError(await official.patch(`/api/v1/duty/inquiries/${hcq[0].id}`, { call_made: true }), 403, 'out_of_scope');
  const all = (await official.get('/api/v1/duty/inquiries?per_page=200')).json.items;
  assert.ok(all.length > 0 && all.every((x) => x.org_id === T.village || T.list.find((o) => o.id === x.org_id)?.parent_id === T.town));
  // A secretary: only their own, even when asking for someone else's.
  const mine = (await W.s1.c.get('/api/v1/duty/inquiries?per_page=200')).json.items;
  assert.ok(mine.length > 0 && mine.every((x) => x.user_id === W.s1.id));
  assert.equal((await W.s1.c.get(`/api/v1/duty/inquiries?user_id=${W.s3.id}`)).json.total, 0);
  assert.equal((await W.s1.c.get('/api/v1/duty/sanctions')).json.total, 0);
  assert.ok((await W.s3.c.get('/api/v1/duty/sanctions')).json.total >= 5);
  expectError(await W.s1.c.get(`/api/v1/duty/inquiries?org_id=${T.hc}`), 403, 'out_of_scope');
  expectError(await W.s1.c.patch(`/api/v1/duty/inquiries/${mine[0].id}`, { call_made: true }), 403, 'forbidden');
  // The county sees everything; the auditor reads but decides nothing.
  assert.ok((await inquiriesOf(auditor, out.id)).length >= 10);
  expectError(await auditor.post(`/api/v1/duty/inquiries/${hcq[0].id}/decision`, { accepted: true }), 403, 'forbidden');
  expectOk(await admin.post(`/api/v1/duty/inquiries/${hcq[0].id}/decision`, { accepted: true }), 200);
});

test('check-ins past the retention period are purged with their photos; the outcomes stay; one audit record, no positions', async () => {
  const { s1 } = W;
  const mine = () => Number(sql(srv, `SELECT COUNT(*) FROM checkin WHERE user_id = ${s1.id}`).trim());
  assert.equal(mine(), 7);
  expectOk(await admin.patch('/api/v1/duty/settings', { retention_days: 3 }), 200);
  setClock(srv, '2026-12-08T09:00:00+08:00');
  // Kept: Saturday 15:00 is within three days of now.
  const r = expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
  assert.ok(r.purged >= 6, JSON.stringify(r));
  assert.equal(mine(), 1);
  const w = windowsOf(s1.id);
  assert.deepEqual(w['2026-11-30#0'], { status: 'met', checkin: 0 });
  assert.equal(w['2026-12-05#1'].status, 'met');
  assert.notEqual(w['2026-12-05#1'].checkin, 0);
  assert.equal(daysOf(s1.id)['2026-11-30'].status, 'present');
  const a = (await admin.get('/api/v1/audit?action=duty.checkin.purge')).json.items;
  assert.equal(a.length, 1);
  assert.equal(a[0].actor_login, 'system');
  assert.equal(a[0].after.checkins, r.purged);
  assert.doesNotMatch(JSON.stringify(a[0]), /29\.9|103\.3/);
  assert.equal(expectOk(await admin.post('/api/v1/duty/evaluate'), 200).purged, 0);
  expectOk(await admin.patch('/api/v1/duty/settings', { retention_days: 730 }), 200);
});

test('the background job evaluates on its own every XIANGCUN_DUTY_TICK seconds and stops cleanly', async () => {
  const s = await startServer({ env: { XIANGCUN_DUTY_TICK: '1', XIANGCUN_SESSION_IDLE: '100000000' } });
  try {
    const a = await as(s, 'admin');
    setClock(s, '2026-11-29T10:00:00+08:00');
    const login = 'jobsec';
    const id = expectOk(await a.post('/api/v1/users', { login, display_name: login, role: 'secretary', org_id: T.village, password: DEMO_PASSWORD }), 201).id;
    setClock(s, '2026-12-02T10:00:00+08:00');
    let items = [];
    for (let i = 0; i < 100 && items.length < 5; i++) {
      await sleep(100);
      items = (await a.get(`/api/v1/duty/inquiries?user_id=${id}`)).json.items;
    }
    // Monday and Tuesday missed, Wednesday's morning window too.
    assert.deepEqual(items.map((x) => `${x.day}#${x.window_idx}`).sort(), ['2026-11-30#0', '2026-11-30#1', '2026-12-01#0', '2026-12-01#1', '2026-12-02#0']);
    assert.equal(sql(s, `SELECT COUNT(*) FROM duty_day WHERE user_id = ${id}`).trim(), '2');
  } finally {
    await stopServer(s);
  }
});
