// duty_rules.test.mjs: the rules of duty supervision (api/duty_rules.c,
// duty/calendar.c, duty/evaluate.c, duty/ladder.c): county settings, the duty
// calendar, village geofences, leave, the evaluation of windows and days (on
// demand and by the background job), inquiries and the escalation ladder, and
// who sees what. Time is driven through the server's injectable clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startServer, stopServer, stop, launch, as } from '../lib/server.mjs';
import { DEMO_PASSWORD, expectError, expectOk, landmarks, sql, auditVerify } from './helpers.mjs';

let srv, admin, official, secretary, auditor, T;

// Put the server's clock at local time `iso` (county time, +08:00).
function setClock(s, iso) {
  const target = Math.floor(new Date(iso).getTime() / 1000);
  writeFileSync(s.clockFile, `${target - Math.floor(Date.now() / 1000)}\n`);
}

before(async () => {
  srv = await startServer();
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
  expectError(await official.get(`/api/v1/org/${T.village}/geofence`), 404, 'not_found');
  const poly = [[29.9, 103.3], [29.9, 103.4], [30.0, 103.4], [30.0, 103.3]];
  const f = expectOk(await official.put(`/api/v1/org/${T.village}/geofence`, { polygon: poly }), 200);
  assert.equal(f.kind, 'polygon');
  assert.deepEqual(f.polygon, poly);
  assert.deepEqual(expectOk(await secretary.get(`/api/v1/org/${T.village}/geofence`), 200).polygon, poly);
  // Closed rings lose their repeated first point.
  const closed = expectOk(await official.put(`/api/v1/org/${T.village}/geofence`, { polygon: [...poly, poly[0]] }), 200);
  assert.equal(closed.polygon.length, 4);
  const c = expectOk(await official.put(`/api/v1/org/${T.village}/geofence`, { center: [29.95, 103.35], radius_m: 800 }), 200);
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
    expectError(await official.put(`/api/v1/org/${T.village}/geofence`, body), 400, code, field ? { field } : {});
  expectError(await official.put(`/api/v1/org/${T.town}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 400, 'duty_not_village');
  expectError(await admin.put(`/api/v1/org/${T.group}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 400, 'duty_not_village');
  expectError(await official.put(`/api/v1/org/${T.hcVillage}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 403, 'out_of_scope');
  expectError(await secretary.put(`/api/v1/org/${T.village}/geofence`, { center: [29.9, 103.3], radius_m: 100 }), 403, 'forbidden');
  assert.equal((await official.get(`/api/v1/org/${T.village}/geofence`)).json.kind, 'circle');
  const audit = (await admin.get('/api/v1/audit?entity=geofence')).json.items;
  assert.ok(audit.some((x) => x.action === 'duty.geofence.create'));
  assert.ok(audit.some((x) => x.action === 'duty.geofence.update'));
  // Cleanup: the evaluation tests below count a fence-less village as inside.
  sql(srv, `DELETE FROM geofence WHERE org_id = ${T.village}`);
});
