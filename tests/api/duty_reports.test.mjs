// duty_reports.test.mjs: what supervisors read about first secretaries' duty
// (api/duty_reports.c): the location ledger and its CSV and XLSX exports, the
// today view, the annual evaluation and its exports, the published figures,
// scope, and bad query parameters; plus the demo county's duty data.
//
// The fixture is one controlled week (Mon 2027-03-01 .. Fri 03-05, county time
// UTC+8) of two fresh secretaries in a fresh village of the official's town
// (secA, secB) and one in 洪川镇 (secC), driven through the real routes with
// the server's injectable clock; every figure is computed by hand below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startServer, stopServer, as } from '../lib/server.mjs';
import { DEMO_PASSWORD, expectError, expectOk, landmarks, orgCode, uniq, serverNow } from './helpers.mjs';
import { unzip, XLSX_TYPE } from '../lib/xlsx.mjs';
import { parseCsv } from '../../web/app/csv.js';

let srv, admin, adminEn, official, T;
const S = {};            // secA, secB, secC: {id, login, client}
const CENTRE = [29.6, 103.1];

// Unix time of county local time "YYYY-MM-DD HH:MM".
const local = (s) => Date.parse(s.replace(' ', 'T') + ':00+08:00') / 1000;

// Stop the server's clock at county local time s (the times it records are compared exactly).
function setClock(s) {
  writeFileSync(srv.clockFile, `=${local(s)}\n`);
}

// A check-in of secretary who at local time s, dlat degrees north of the village centre.
async function checkin(who, s, { dlat = 0.001, accuracy = 15 } = {}) {
  setClock(s);
  return expectOk(await S[who].client.post('/api/v1/duty/checkins', { lat: CENTRE[0] + dlat, lon: CENTRE[1], accuracy }), 201).id;
}

async function spotCheck(who, s) {
  setClock(s);
  const r = expectOk(await official.post('/api/v1/duty/spot-checks', { user_ids: [S[who].id], deadline_minutes: 15 }), 201);
  return (r.items || r)[0].id;
}

async function evaluate(s) {
  setClock(s);
  return expectOk(await admin.post('/api/v1/duty/evaluate'), 200);
}

async function newSecretary(name, org_id) {
  const login = uniq('sec');
  const id = expectOk(await admin.post('/api/v1/users', { login, display_name: name, role: 'secretary', org_id, password: DEMO_PASSWORD }), 201).id;
  return { id, login, name, client: await as(srv, login) };
}

// ---- a small reader of the workbooks libxlsxwriter writes (inline strings, numbers) ----
const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
function sheetRows(xml) {
  const rows = [];
  for (const [, body] of xml.matchAll(/<row [^>]*>(.*?)<\/row>/g)) {
    const row = [];
    for (const [, col, inner] of body.matchAll(/<c r="([A-Z]+)\d+"[^>]*?(?:\/>|>(.*?)<\/c>)/g)) {
      const idx = [...col].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const t = /<t[^>]*>(.*?)<\/t>/.exec(inner || ''), v = /<v>(.*?)<\/v>/.exec(inner || '');
      row[idx] = t ? unescape(t[1]) : v ? Number(v[1]) : '';
    }
    rows.push(Array.from(row, (x) => (x === undefined ? '' : x)));
  }
  return rows;
}
// {sheet name: rows} of a workbook, in workbook order.
function workbook(buf) {
  const parts = unzip(buf);
  const names = [...parts['xl/workbook.xml'].toString().matchAll(/<sheet name="([^"]*)"/g)].map((m) => unescape(m[1]));
  return Object.fromEntries(names.map((n, i) => [n, sheetRows(parts[`xl/worksheets/sheet${i + 1}.xml`].toString())]));
}
async function download(client, path) {
  const res = await fetch(srv.base + path, { headers: { Cookie: client.cookie, 'Accept-Language': client.lang } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return { type: res.headers.get('content-type'), disp: res.headers.get('content-disposition'), buf: Buffer.from(await res.arrayBuffer()) };
}

before(async () => {
  // The background job runs once at start, then the tests drive it; sessions outlive the clock jumps.
  srv = await startServer({ env: { XIANGCUN_DUTY_TICK: '86400', XIANGCUN_SESSION_IDLE: '100000000' } });
  admin = await as(srv, 'admin');
  adminEn = await as(srv, 'admin', { lang: 'en' });
  official = await as(srv, 'official');
  T = await landmarks(admin);
  setClock('2027-02-27 12:00');
  T.va = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '考核村' }), 201).id;
  T.vb = expectOk(await admin.post('/api/v1/org', { parent_id: T.hc, code: orgCode(), name: '对照村' }), 201).id;
  for (const v of [T.va, T.vb])
    expectOk(await admin.put(`/api/v1/org/${v}/geofence`, { center: CENTRE, radius_m: 1000 }), 200);
  S.secA = await newSecretary('甲书记', T.va);
  S.secB = await newSecretary('乙书记', T.va);
  S.secC = await newSecretary('丙书记', T.vb);

  // Mon: both windows met by secA and secB; a spot check answered in 5 minutes; secA files leave for Thu.
  await checkin('secA', '2027-03-01 08:40');
  await checkin('secB', '2027-03-01 08:35');
  T.spot1 = await spotCheck('secA', '2027-03-01 10:00');
  await checkin('secA', '2027-03-01 10:05');
  await checkin('secA', '2027-03-01 14:35');
  await checkin('secB', '2027-03-01 14:45');
  const leave = expectOk(await S.secA.client.post('/api/v1/duty/leaves', { kind: 'leave', start_day: '2027-03-04', end_day: '2027-03-04', reason: '就医' }), 201);
  expectOk(await official.post(`/api/v1/duty/leaves/${leave.id}/decision`, { approve: true }), 200);
  await checkin('secC', '2027-03-01 08:45');
  // Tue: secA morning met, a spot check answered 40 minutes late, the afternoon point after the window.
  await checkin('secA', '2027-03-02 08:50');
  T.spot2 = await spotCheck('secA', '2027-03-02 10:00');
  await checkin('secA', '2027-03-02 10:40');
  await checkin('secA', '2027-03-02 16:10');
  // Wed: secA reports once, 22 km away; a spot check nobody answers.
  await checkin('secA', '2027-03-03 09:00', { dlat: 0.2 });
  T.spot3 = await spotCheck('secA', '2027-03-03 11:00');
  T.wed = await evaluate('2027-03-03 11:05');
});

after(() => stopServer(srv));

test('today view: last positions, who has not checked in, window states, open spot checks and inquiries', async () => {
  setClock('2027-03-03 11:05');
  const t = expectOk(await official.get(`/api/v1/duty/today?org_id=${T.va}`), 200);
  assert.equal(t.day, '2027-03-03');
  assert.equal(t.working, true);
  assert.deepEqual(t.windows.map((w) => [w.start, w.end, w.state]), [['08:30', '09:30', 'closed'], ['14:30', '15:30', 'upcoming']]);
  assert.equal(t.windows[0].start_at, local('2027-03-03 08:30'));
  assert.deepEqual(t.secretaries.map((s) => s.id), [S.secA.id, S.secB.id]);
  const [a, b] = t.secretaries;
  assert.equal(a.name, '甲书记');
  assert.equal(a.village, '考核村');
  assert.equal(a.last.at, local('2027-03-03 09:00'));
  assert.ok(Math.abs(a.last.lat - (CENTRE[0] + 0.2)) < 1e-6);
  assert.equal(a.last.inside, false);
  assert.deepEqual(a.last.flags, ['outside']);
  assert.equal(a.checked_in_today, true);
  assert.deepEqual(a.windows, ['missed', 'pending'], 'the morning window was evaluated, the afternoon one not yet');
  assert.equal(b.checked_in_today, false);
  assert.equal(b.last.at, local('2027-03-01 14:45'), 'the last position is the last ever, not only today');
  assert.deepEqual(t.not_checked_in, [S.secB.id]);
  assert.deepEqual(t.open_spot_checks.map((s) => [s.id, s.user_id, s.deadline_at]), [[T.spot3, S.secA.id, local('2027-03-03 11:15')]]);
  const kinds = t.open_inquiries.filter((i) => i.user_id === S.secA.id).map((i) => `${i.kind}:${i.day}:${i.window_idx ?? i.spot_check_id}`).sort();
  assert.deepEqual(kinds, ['spot_check:2027-03-02:' + T.spot2, 'window:2027-03-02:1', 'window:2027-03-03:0']);
  assert.ok(t.open_inquiries.every((i) => [S.secA.id, S.secB.id].includes(i.user_id)));

  // The county sees secC too; the official's whole town holds the demo secretaries as well.
  const county = expectOk(await admin.get('/api/v1/duty/today'), 200);
  assert.ok(county.secretaries.some((s) => s.id === S.secC.id));
  // The server's own time, so pages count down on the server clock (here moved by the test).
  assert.ok(Math.abs(county.now - serverNow(srv)) <= 5, `now ${county.now} vs ${serverNow(srv)}`);
  const town = expectOk(await official.get('/api/v1/duty/today'), 200);
  const ids = town.secretaries.map((s) => s.id);
  assert.ok(ids.includes(S.secA.id) && ids.includes(T.user('secretary').id) && !ids.includes(S.secC.id));
  // A secretary sees only themselves.
  const own = expectOk(await S.secB.client.get('/api/v1/duty/today'), 200);
  assert.deepEqual(own.secretaries.map((s) => s.id), [S.secB.id]);
  assert.deepEqual(own.open_spot_checks, []);
});

// The rest of the week, evaluated on Saturday, then inquiries decided.
async function finishWeek() {
  if (T.week) return;
  T.week = true;
  // Thu: secA on leave. Fri: morning met; the afternoon fix is too inaccurate to count.
  await checkin('secA', '2027-03-05 08:31');
  await checkin('secA', '2027-03-05 14:31', { accuracy: 500 });
  // Sat: secB reports on a day off.
  await checkin('secB', '2027-03-06 10:00');
  await evaluate('2027-03-06 12:00');
  setClock('2027-03-06 12:10');
  const inq = expectOk(await admin.get(`/api/v1/duty/inquiries?user_id=${S.secA.id}&per_page=100`), 200).items;
  const find = (day, idx) => inq.find((i) => i.kind === 'window' && i.day === day && i.window_idx === idx).id;
  expectOk(await official.post(`/api/v1/duty/inquiries/${find('2027-03-02', 1)}/decision`, { accepted: true }), 200);
  let drafted = null;
  for (const [day, idx] of [['2027-03-03', 0], ['2027-03-03', 1], ['2027-03-05', 1]]) {
    const r = expectOk(await official.post(`/api/v1/duty/inquiries/${find(day, idx)}/decision`, { accepted: false }), 200);
    drafted = r.drafted ?? drafted;
  }
  assert.ok(drafted, 'three rejected inquiries draft a notice of criticism');
  expectOk(await official.post(`/api/v1/duty/sanctions/${drafted}/decision`, { approve: true }), 200);
}

test('ledger: one item per secretary per working day or day with check-ins, with windows, status and check-ins', async () => {
  await finishWeek();
  const l = expectOk(await official.get(`/api/v1/duty/ledger?org_id=${T.va}&from=2027-03-01&to=2027-03-07`), 200);
  assert.equal(l.total, 11, 'Mon-Fri for two secretaries, and secB on Saturday');
  const key = (i) => `${i.day} ${i.user_id === S.secA.id ? 'A' : 'B'}`;
  assert.deepEqual(l.items.map(key), [
    '2027-03-01 A', '2027-03-01 B', '2027-03-02 A', '2027-03-02 B', '2027-03-03 A', '2027-03-03 B',
    '2027-03-04 A', '2027-03-04 B', '2027-03-05 A', '2027-03-05 B', '2027-03-06 B']);
  const item = (day, who) => l.items.find((i) => i.day === day && i.user_id === S[who].id);
  const mon = item('2027-03-01', 'secA');
  assert.deepEqual([mon.name, mon.village, mon.town, mon.working, mon.status], ['甲书记', '考核村', T.list.find((o) => o.id === T.town).name, true, 'present']);
  assert.deepEqual(mon.checkins.map((c) => c.at), ['08:40', '10:05', '14:35'].map((h) => local(`2027-03-01 ${h}`)));
  assert.deepEqual(mon.checkins.map((c) => [c.inside, c.flags, c.source, c.has_photo]), Array(3).fill([true, [], 'web', false]));
  assert.ok(Math.abs(mon.checkins[0].lat - (CENTRE[0] + 0.001)) < 1e-6 && Math.abs(mon.checkins[0].lon - CENTRE[1]) < 1e-6);
  assert.equal(mon.checkins[0].accuracy, 15);
  assert.equal(mon.checkins[0].received_at, mon.checkins[0].at, 'sent at once');
  assert.equal(mon.checkins[0].sent_late, false);
  assert.deepEqual(mon.windows.map((w) => [w.idx, w.status, w.checkin_id]), [[0, 'met', mon.checkins[0].id], [1, 'met', mon.checkins[2].id]]);
  assert.equal(mon.windows[1].start, local('2027-03-01 14:30'));
  assert.deepEqual(item('2027-03-02', 'secA').windows.map((w) => w.status), ['met', 'excused'], 'the accepted inquiry excused the window');
  const wed = item('2027-03-03', 'secA');
  assert.deepEqual([wed.status, wed.windows.map((w) => w.status), wed.checkins.map((c) => [c.inside, c.flags])],
    ['absent', ['missed', 'missed'], [[false, ['outside']]]]);
  const thu = item('2027-03-04', 'secA');
  assert.deepEqual([thu.status, thu.windows.map((w) => w.status), thu.checkins], ['excused', ['excused', 'excused'], []]);
  const fri = item('2027-03-05', 'secA');
  assert.deepEqual([fri.status, fri.windows.map((w) => w.status), fri.checkins.map((c) => c.flags)], ['present', ['met', 'missed'], [[], ['accuracy']]]);
  assert.deepEqual([item('2027-03-02', 'secB').status, item('2027-03-02', 'secB').checkins], ['absent', []]);
  const sat = item('2027-03-06', 'secB');
  assert.deepEqual([sat.working, sat.status, sat.windows, sat.checkins.length], [false, null, [], 1]);

  // Filters: one secretary; pages cover the same items in the same order.
  const b = expectOk(await official.get(`/api/v1/duty/ledger?org_id=${T.va}&from=2027-03-01&to=2027-03-07&user_id=${S.secB.id}`), 200);
  assert.deepEqual(b.items.map(key), l.items.map(key).filter((k) => k.endsWith('B')));
  const paged = [];
  for (let page = 1; page <= 3; page++) {
    const p = expectOk(await official.get(`/api/v1/duty/ledger?org_id=${T.va}&from=2027-03-01&to=2027-03-07&per_page=4&page=${page}`), 200);
    assert.deepEqual([p.total, p.page, p.per_page], [11, page, 4]);
    paged.push(...p.items);
  }
  assert.deepEqual(paged, l.items);
  // Days before the secretaries existed are working days like any other; a weekend without check-ins has no item.
  const sun = expectOk(await official.get(`/api/v1/duty/ledger?org_id=${T.va}&from=2027-03-07&to=2027-03-07`), 200);
  assert.deepEqual([sun.total, sun.items], [0, []]);
  // Default range: the last 7 days up to today.
  setClock('2027-03-06 12:10');
  const def = expectOk(await official.get(`/api/v1/duty/ledger?org_id=${T.va}`), 200);
  assert.deepEqual([...new Set(def.items.map((i) => i.day))], ['2027-03-01', '2027-03-02', '2027-03-03', '2027-03-04', '2027-03-05', '2027-03-06']);
});

test('ledger scope: a secretary sees only themselves, an official only their town', async () => {
  await finishWeek();
  const q = 'from=2027-03-01&to=2027-03-07';
  const a = expectOk(await S.secA.client.get(`/api/v1/duty/ledger?${q}`), 200);
  assert.equal(a.total, 5);
  assert.ok(a.items.every((i) => i.user_id === S.secA.id));
  expectError(await S.secA.client.get(`/api/v1/duty/ledger?${q}&user_id=${S.secB.id}`), 403, 'out_of_scope');
  expectError(await S.secA.client.get(`/api/v1/duty/ledger?${q}&org_id=${T.vb}`), 403, 'out_of_scope');
  expectError(await official.get(`/api/v1/duty/ledger?${q}&org_id=${T.vb}`), 403, 'out_of_scope');
  expectError(await official.get(`/api/v1/duty/ledger?${q}&user_id=${S.secC.id}`), 403, 'out_of_scope');
  expectError(await official.get(`/api/v1/duty/ledger?${q}&user_id=${T.user('cadre').id}`), 404, 'not_found');
  const town = expectOk(await official.get(`/api/v1/duty/ledger?${q}&per_page=200`), 200);
  assert.ok(!town.items.some((i) => i.user_id === S.secC.id));
  assert.ok(town.items.some((i) => i.user_id === S.secA.id));
  const county = expectOk(await admin.get(`/api/v1/duty/ledger?${q}&user_id=${S.secC.id}`), 200);
  assert.deepEqual(county.items.map((i) => [i.day, i.checkins.length]).slice(0, 1), [['2027-03-01', 1]]);
  for (const who of ['cadre', 'villager']) expectError(await (await as(srv, who)).get('/api/v1/duty/ledger'), 403, 'forbidden');
});

test('ledger exports: CSV with a BOM and XLSX with a sheet per month, a row per check-in or per day without', async () => {
  await finishWeek();
  const q = `org_id=${T.va}&from=2027-02-25&to=2027-03-07`;
  const csv = await download(official, `/api/v1/duty/ledger.csv?${q}`);
  assert.match(csv.type, /^text\/csv/);
  assert.match(csv.disp, /attachment; filename="xiangcun-ledger-\d{8}\.csv"/);
  const text = csv.buf.toString('utf8');
  assert.ok(text.startsWith('\ufeff'), 'a BOM, so Excel reads UTF-8');
  const rows = parseCsv(text);
  assert.deepEqual(rows[0], ['日期', '乡镇', '村', '姓名', '时间', '纬度', '经度', '精度(米)', '是否在村', '标记', '来源', '备注']);
  // Feb 25-26: 2 days x 2 without check-ins; March: secA 3+3+1+1(leave day)+2, secB 2+1+1+1+1+1 (Sat).
  assert.equal(rows.length - 1, 4 + 10 + 7);
  const wed = rows.find((r) => r[0] === '2027-03-03' && r[3] === '甲书记');
  assert.deepEqual([wed[4], wed[5], wed[6], wed[7], wed[8], wed[9], wed[10]], ['09:00:00', (CENTRE[0] + 0.2).toFixed(6), CENTRE[1].toFixed(6), '15', '否', '村外', '网页']);
  const thu = rows.find((r) => r[0] === '2027-03-04' && r[3] === '甲书记');
  assert.deepEqual([thu[4], thu[11]], ['', '无签到']);
  assert.equal(rows.filter((r) => r[9] === '精度差').length, 1);

  const en = parseCsv((await download(adminEn, `/api/v1/duty/ledger.csv?${q}`)).buf.toString('utf8'));
  assert.deepEqual(en[0], ['date', 'town', 'village', 'name', 'time', 'lat', 'lon', 'accuracy_m', 'inside', 'flags', 'source', 'note']);
  assert.equal(en.find((r) => r[0] === '2027-03-03' && r[3] === '甲书记')[9], 'outside');

  const x = await download(official, `/api/v1/duty/ledger.xlsx?${q}`);
  assert.equal(x.type, XLSX_TYPE);
  const wb = workbook(x.buf);
  assert.deepEqual(Object.keys(wb), ['2027-02', '2027-03']);
  assert.deepEqual(wb['2027-03'][0], rows[0]);
  assert.equal(wb['2027-02'].length - 1, 4);
  assert.equal(wb['2027-03'].length - 1, 17);
  const xwed = wb['2027-03'].find((r) => r[0] === '2027-03-03' && r[3] === '甲书记');
  assert.equal(xwed[5], Number((CENTRE[0] + 0.2).toFixed(6)), 'coordinates are numbers');
  assert.equal(xwed[8], '否');
  // Each export is audited, without positions.
  const audit = expectOk(await admin.get('/api/v1/audit?action=duty.ledger.export'), 200);
  assert.ok(audit.total >= 3);
  assert.ok(!JSON.stringify(audit.items).includes('29.8'));
  // A range of one empty day still gives a workbook with that month's sheet.
  const empty = workbook((await download(official, `/api/v1/duty/ledger.xlsx?org_id=${T.va}&from=2027-03-07&to=2027-03-07`)).buf);
  assert.deepEqual(Object.keys(empty), ['2027-03']);
  assert.equal(empty['2027-03'].length, 1);
});

// Hand-computed figures of the week (see the fixture above).
const WANT_A = {
  working_days: 5, excused_days: 1, present_days: 3, presence_rate: 3 / 4,
  windows_met: 4, windows_missed: 3, windows_excused: 3, window_rate: 4 / 7,
  spot_checks: 3, spot_answered_in_time: 1, spot_answer_rate: 1 / 3,
  inquiries: { opened: 6, accepted: 1, rejected: 3, open: 2 }, notices: 1, interviews: 0, recalls: 0,
};
const WANT_B = {
  working_days: 5, excused_days: 0, present_days: 1, presence_rate: 1 / 5,
  windows_met: 2, windows_missed: 8, windows_excused: 0, window_rate: 2 / 10,
  spot_checks: 0, spot_answered_in_time: 0, spot_answer_rate: null, spot_median_answer_s: null,
  inquiries: { opened: 8, accepted: 0, rejected: 0, open: 8 }, notices: 0, interviews: 0, recalls: 0,
};

function pick(o, keys) { return Object.fromEntries(keys.map((k) => [k, o[k]])); }

test('evaluation: figures of a controlled week equal the hand-computed ones; scope; exports', async () => {
  await finishWeek();
  const e = expectOk(await official.get(`/api/v1/duty/evaluation?year=2027&org_id=${T.va}`), 200);
  assert.equal(e.year, 2027);
  assert.deepEqual(e.items.map((i) => i.user_id), [S.secA.id, S.secB.id]);
  const [a, b] = e.items;
  for (const [got, want] of [[a, WANT_A], [b, WANT_B]]) {
    const g = pick(got, Object.keys(want));
    for (const k of ['presence_rate', 'window_rate', 'spot_answer_rate'])
      if (typeof want[k] === 'number') { assert.ok(Math.abs(g[k] - want[k]) < 1e-9, `${k}: ${g[k]}`); g[k] = want[k]; }
    assert.deepEqual(g, want);
  }
  // Answered in 300 s and 2400 s (the late one): the median is their mean, give or take the clock's second.
  assert.ok(Math.abs(a.spot_median_answer_s - 1350) <= 2, `median ${a.spot_median_answer_s}`);
  // Another year has none of it; a secretary gets only their own row.
  const y26 = expectOk(await official.get(`/api/v1/duty/evaluation?year=2026&org_id=${T.va}`), 200);
  assert.deepEqual(y26.items.map((i) => i.working_days), [0, 0]);
  const own = expectOk(await S.secB.client.get('/api/v1/duty/evaluation?year=2027'), 200);
  assert.deepEqual(own.items.map((i) => i.user_id), [S.secB.id]);
  const one = expectOk(await official.get(`/api/v1/duty/evaluation?year=2027&user_id=${S.secA.id}`), 200);
  assert.deepEqual(one.items.map((i) => i.user_id), [S.secA.id]);
  expectError(await official.get(`/api/v1/duty/evaluation?year=2027&org_id=${T.vb}`), 403, 'out_of_scope');

  const csv = parseCsv((await download(official, `/api/v1/duty/evaluation.csv?year=2027&org_id=${T.va}`)).buf.toString('utf8'));
  assert.deepEqual(csv[0].slice(0, 7), ['乡镇', '村', '姓名', '应在岗天数', '请假出差天数', '在岗天数', '在岗率']);
  const rowA = Object.fromEntries(csv[0].map((h, i) => [h, csv[1][i]]));
  assert.deepEqual(pick(rowA, ['姓名', '应在岗天数', '在岗天数', '在岗率', '时段达标', '时段未达标', '时段达标率', '约请次数', '应答率', '问询', '问询待处理', '通报批评']),
    { 姓名: '甲书记', 应在岗天数: '5', 在岗天数: '3', 在岗率: '0.7500', 时段达标: '4', 时段未达标: '3', 时段达标率: '0.5714', 约请次数: '3', 应答率: '0.3333', 问询: '6', 问询待处理: '2', 通报批评: '1' });
  assert.equal(csv[2][csv[0].indexOf('应答率')], '', 'no rate without spot checks');
  const wb = workbook((await download(adminEn, `/api/v1/duty/evaluation.xlsx?year=2027&org_id=${T.va}`)).buf);
  assert.deepEqual(Object.keys(wb), ['evaluation 2027']);
  const sheet = wb['evaluation 2027'];
  assert.equal(sheet[0][3], 'working_days');
  assert.deepEqual([sheet[1][2], sheet[1][3], sheet[1][6]], ['甲书记', 5, 0.75]);
  assert.equal(sheet.length, 3);
});

test('stats: the published figures, computed from the records', async () => {
  await finishWeek();
  const s = expectOk(await official.get(`/api/v1/duty/stats?year=2027&org_id=${T.va}`), 200);
  assert.deepEqual(s, {
    year: 2027,
    problems_found: 6 + 8,        // inquiries opened: secA 4 windows + 2 spot checks, secB 8 windows
    problems_fixed: 4,            // decided: 1 accepted + 3 rejected
    spot_checks: 3,
    spot_checks_failed: 2,        // late, no answer
    secretaries_criticised: 1,
    secretaries_interviewed: 0,
    secretaries_recalled: 0,
    secretaries: 2,
    checkins: 9 + 3,              // secA 3+3+1+2, secB 2+1
  });
  const own = expectOk(await S.secA.client.get('/api/v1/duty/stats?year=2027'), 200);
  assert.deepEqual([own.secretaries, own.checkins, own.problems_found], [1, 9, 6]);
  const none = expectOk(await official.get(`/api/v1/duty/stats?year=2026&org_id=${T.va}`), 200);
  assert.deepEqual([none.problems_found, none.checkins, none.secretaries], [0, 0, 2]);
  expectError(await official.get(`/api/v1/duty/stats?org_id=${T.vb}`), 403, 'out_of_scope');
});

test('today view before the job ran: a qualifying check-in meets its window at once; leave excuses; a poor fix does not count', async () => {
  setClock('2027-04-13 08:00');   // a Tuesday, in a village of its own
  const vc = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '即时村' }), 201).id;
  expectOk(await admin.put(`/api/v1/org/${vc}/geofence`, { center: CENTRE, radius_m: 1000 }), 200);
  for (const [k, name] of [['secD', '丁书记'], ['secE', '戊书记'], ['secF', '己书记']]) S[k] = await newSecretary(name, vc);
  const leave = expectOk(await S.secE.client.post('/api/v1/duty/leaves', { kind: 'trip', start_day: '2027-04-13', end_day: '2027-04-13', reason: '县里开会' }), 201);
  expectOk(await official.post(`/api/v1/duty/leaves/${leave.id}/decision`, { approve: true }), 200);
  await checkin('secD', '2027-04-13 08:40');
  await checkin('secF', '2027-04-13 08:41', { accuracy: 500 });
  setClock('2027-04-13 08:45');
  const t = expectOk(await official.get(`/api/v1/duty/today?org_id=${vc}`), 200);
  assert.equal(t.working, true);
  const of = (k) => t.secretaries.find((x) => x.id === S[k].id);
  assert.deepEqual(of('secD').windows, ['met', 'pending'], 'met while the window is still open');
  assert.deepEqual(of('secE').windows, ['excused', 'excused']);
  assert.deepEqual(of('secF').windows, ['pending', 'pending'], 'an inaccurate fix proves nothing');
  assert.deepEqual(t.not_checked_in, [], 'secE is excused, secD and secF checked in');
  // The job, when it runs after the window, records the same.
  await evaluate('2027-04-13 09:40');
  const after = expectOk(await official.get(`/api/v1/duty/today?org_id=${vc}`), 200);
  const was = (k) => after.secretaries.find((x) => x.id === S[k].id).windows;
  assert.deepEqual([was('secD'), was('secE'), was('secF')], [['met', 'pending'], ['excused', 'excused'], ['missed', 'pending']]);
});

test('bad query parameters are 400 naming the parameter', async () => {
  const bad = [
    ['ledger?from=2027-03-07&to=2027-03-01', 'invalid_value', 'from'],
    ['ledger?from=2027-02-30', 'invalid_value', 'from'],
    ['ledger?to=yesterday', 'invalid_value', 'to'],
    ['ledger.csv?from=2027-3-1', 'invalid_value', 'from'],
    ['ledger?org_id=abc', 'invalid_value', 'org_id'],
    ['ledger?user_id=-1', 'invalid_value', 'user_id'],
    ['ledger?per_page=0', 'invalid_value', 'per_page'],
    ['today?org_id=x', 'invalid_value', 'org_id'],
    ['evaluation?year=1999', 'invalid_value', 'year'],
    ['evaluation.xlsx?year=abc', 'invalid_value', 'year'],
    ['stats?year=20270', 'invalid_value', 'year'],
  ];
  for (const [path, code, field] of bad) {
    const r = await admin.get(`/api/v1/duty/${path}`);
    if (r.json?.error?.code === 'invalid_type') expectError(r, 400, 'invalid_type', { field });
    else expectError(r, 400, code, { field });
  }
  for (const path of ['ledger?from=2026-01-01&to=2027-03-01', 'ledger.xlsx?from=2026-03-01&to=2027-03-02']) {
    const r = await admin.get(`/api/v1/duty/${path}`);
    expectError(r, 400, 'duty_range_too_long');
  }
  expectOk(await admin.get('/api/v1/duty/ledger?from=2026-03-02&to=2027-03-02&per_page=1'), 200);   // 366 days
  expectError(await adminEn.get('/api/v1/duty/ledger?from=2025-01-01&to=2027-01-01'), 400, 'duty_range_too_long', { lang: 'en' });
});

test('the demo county has first secretaries with fences, history, a device, leave, and an evaluation', async () => {
  // A server of its own at the real time, seeded by `xiangcun demo`.
  const demo = await startServer({ env: { XIANGCUN_DUTY_TICK: '86400' } });
  try {
    const a = await as(demo, 'admin');
    const users = expectOk(await a.get('/api/v1/users?role=secretary&per_page=50'), 200).items;
    assert.deepEqual(users.map((u) => u.login).sort(), ['secretary', 'secretary2', 'secretary3', 'secretary4', 'secretary5']);
    const L = await landmarks(a);
    const fence = expectOk(await a.get(`/api/v1/org/${L.village}/geofence`), 200);
    assert.equal(fence.kind, 'polygon');
    const other = users.find((u) => u.login === 'secretary2');
    assert.equal(expectOk(await a.get(`/api/v1/org/${other.org_id}/geofence`), 200).kind, 'circle');
    const cal = expectOk(await a.get('/api/v1/duty/calendar?year=2026'), 200);
    assert.ok(JSON.stringify(cal).includes('2026-10-01'));
    const ev = expectOk(await a.get('/api/v1/duty/evaluation?per_page=50'), 200).items;
    const byLogin = (l) => ev.find((e) => e.user_id === users.find((u) => u.login === l).id);
    assert.equal(ev.length, 5);
    assert.ok(byLogin('secretary').working_days >= 9, 'about ten working days evaluated');
    assert.ok(byLogin('secretary4').excused_days === 2, 'the leave excuses two days');
    assert.ok(byLogin('secretary3').present_days < byLogin('secretary3').working_days, 'a day without check-ins');
    const stats = expectOk(await a.get('/api/v1/duty/stats'), 200);
    assert.ok(stats.problems_found >= 3 && stats.checkins >= 80 && stats.secretaries === 5, JSON.stringify(stats));
    const ledger = expectOk(await a.get('/api/v1/duty/ledger?per_page=200'), 200);
    const flags = new Set(ledger.items.flatMap((i) => i.checkins.flatMap((c) => c.flags)));
    assert.ok(flags.has('outside') && flags.has('accuracy'));
    assert.ok(ledger.items.some((i) => i.checkins.some((c) => c.source === 'traccar')));
    // The documented device identifier reports for `secretary` through the OsmAnd protocol.
    const now = Math.floor(Date.now() / 1000);
    const r = await fetch(`${demo.base}/api/v1/osmand?id=hongya-demo-secretary&lat=29.7366&lon=103.2711&timestamp=${now}`);
    assert.equal(r.status, 200);
    const sec = await as(demo, 'secretary');
    const mine = expectOk(await sec.get('/api/v1/duty/today'), 200);
    assert.equal(mine.secretaries[0].last.at, now);
  } finally {
    await stopServer(demo);
  }
});
