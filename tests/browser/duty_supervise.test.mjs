// Browser test of the supervisors' duty pages (#/supervise?tab=…) on a 360 px wide phone: the town
// official's today tab (map markers and list match the API; a random spot check sent and cancelled;
// a check-in shows up live; a named spot check sent and listed open with its countdown), the ledger
// (filters by village, secretary and dates; the CSV and XLSX exports answer 200), the cases tab
// (the failed spot check's inquiry: call, reason and rejection recorded; the notice of criticism it
// drafts approved; an official trip approved), the evaluation (table and published figures match
// the API; exports), the rules tab as admin (settings, a holiday, a polygon fence drawn on the map
// and a circle fence, all stored), the auditor's read-only view, and English. Fails on any console
// error.
//
// It starts its own demo server (XC_BIN picks the binary) so that it can move the server's clock
// past a spot check's deadline, and hands it to browser.mjs as XC_BASE_URL. Against another server
// (XC_BASE_URL and XC_DEMO_PASSWORD given) the test that needs the clock is skipped.
// XC_SCREENSHOT_DIR, when set, receives 360x780 screenshots (prefix "duty-sup-").
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer, stopServer, advanceClock, DEMO_PASSWORD } from '../lib/server.mjs';
import { setup, text } from './browser.mjs';

const own = process.env.XC_BASE_URL ? null : await startServer();
if (own) {
  process.env.XC_BASE_URL = own.base;
  process.env.XC_DEMO_PASSWORD = DEMO_PASSWORD;
}
after(async () => { if (own) await stopServer(own); });

const web = setup({ shotPrefix: 'duty-sup-' });
const { skip, shot, logIn, apiAs } = web;

// A 360 px wide phone (the narrowest the pages are made for). A village without a fence answers
// 404, which the browser logs as a failed load: the only console error excused.
const noFence = (msg, where) => /\/api\/v1\/org\/\d+\/geofence$/.test(where) && /\b404\b/.test(msg);
async function phone(opts = {}) {
  const ph = await web.phone({ allow: noFence, ...opts });
  await ph.page.setViewportSize({ width: 360, height: 780 });
  return ph;
}

async function openTab(page, tab) {
  await page.goto(`${web.base}/#/supervise?tab=${tab}`);
  await page.locator(`[data-testid=sup-page][data-tab=${tab}]`).waitFor();
}

const T = {}; // filled by prepare(): sessions, the demo secretary, their village and town
let prepared = null;
const prepare = () => (prepared ||= (async () => {
  T.admin = await apiAs('admin');
  T.official = await apiAs('official');
  T.secretary = await apiAs('secretary');
  T.auditor = await apiAs('auditor');
  const me = (await T.secretary('GET', '/me')).body.user;
  T.secId = me.id;
  T.villageId = me.org_id;
  T.officialId = (await T.official('GET', '/me')).body.user.id;
  const orgs = (await T.official('GET', '/org')).body.items;
  T.townId = orgs.find((o) => o.id === T.villageId).parent_id;
  // The map needs a position: the demo's check-ins, or one now at a household of the village.
  const today = (await T.official('GET', '/duty/today')).body;
  if (!today.secretaries.some((s) => s.last)) {
    const hh = (await T.secretary('GET', '/households?per_page=200')).body.items.find((h) => typeof h.lat === 'number');
    const c = await T.secretary('POST', '/duty/checkins', { lat: hh.lat, lon: hh.lon, accuracy: 12 });
    assert.equal(c.status, 201, JSON.stringify(c.body));
  }
})());

const openSpots = async () => (await T.official('GET', '/duty/spot-checks?status=open')).body.items;

test('the supervisors\' strings exist in both languages', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'app', 'duty');
  const src = readFileSync(join(dir, 'i18n_supervisor.js'), 'utf8');
  const keys = (name) => new Set([...src.match(new RegExp(`export const ${name} = \\{([\\s\\S]*?)\\n\\};`))[1]
    .matchAll(/^\s*'([^']+)':/gm)].map((m) => m[1]));
  const zh = keys('zh'), en = keys('en');
  assert.deepEqual([...zh].filter((k) => !en.has(k)), [], 'missing in en');
  assert.deepEqual([...en].filter((k) => !zh.has(k)), [], 'missing in zh');
  for (const f of ['supervise.js', 'today.js', 'ledger.js', 'cases.js', 'evaluation.js', 'rules.js']) {
    const code = readFileSync(join(dir, f), 'utf8');
    for (const [, key] of code.matchAll(/\bt\('(sup\.[a-z_.0-9]*[a-z_0-9])'[,)]/g)) assert.ok(zh.has(key), `${f}: ${key}`);
  }
  // Keys built from values: every value the pages can meet has its string.
  for (const k of ['in', 'out', 'none', 'nopos']) assert.ok(zh.has('sup.place.' + k), k);
  for (const k of ['met', 'missed', 'excused', 'pending', 'open', 'closed']) assert.ok(zh.has('sup.win.' + k), k);
  for (const k of ['sick', 'official_business', 'no_signal', 'device', 'forgot', 'other']) assert.ok(zh.has('sup.reason.' + k), k);
  for (const k of ['today', 'ledger', 'cases', 'evaluation', 'rules']) assert.ok(zh.has('sup.tab.' + k), k);
  for (const k of ['notice', 'interview', 'recall']) assert.ok(zh.has('sup.sanction.kind.' + k), k);
});

test('today: map and list match the API; random spot check sent and cancelled; a named one listed open', { skip }, async () => {
  await prepare();
  const today = (await T.official('GET', '/duty/today')).body;
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'official');
    await page.getByTestId('nav-supervise').click();
    await page.locator('[data-testid=sup-page][data-tab=today]').waitFor();
    const rows = page.getByTestId('sec-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), today.secretaries.length);
    for (const s of today.secretaries) {
      const row = page.locator(`[data-testid=sec-row][data-id="${s.id}"]`);
      assert.equal(await text(row.getByTestId('sec-name')), s.name);
    }
    // A marker per secretary with a position, coloured by inside / outside / no fence.
    const located = today.secretaries.filter((s) => s.last);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=sup-marker]').length === n, located.length);
    const settings = (await T.official('GET', '/duty/settings')).body;
    const dayOf = (at) => new Date((at + settings.utc_offset_min * 60) * 1000).toISOString().slice(0, 10);
    for (const s of located) {
      const marker = page.locator(`[data-testid=sup-marker][data-user="${s.id}"]`);
      const want = s.last.inside === true ? 'in' : s.last.inside === false ? 'out' : 'none';
      assert.equal(await marker.getAttribute('data-place'), want);
      assert.equal(await marker.getAttribute('data-stale'), dayOf(s.last.at) === today.day ? '0' : '1');
    }
    assert.equal(await page.getByTestId('missing').count(), today.not_checked_in.length);
    assert.equal(await text(page.getByTestId('today-not_checked_in').locator('dd')), String(today.not_checked_in.length));
    assert.equal(await text(page.getByTestId('today-checked_in').locator('dd')),
      String(today.secretaries.filter((s) => s.checked_in_today).length));
    await shot(page, '01-today');

    // N at random in the town: sent, listed, then cancelled from the list.
    const before = new Set((await openSpots()).map((x) => x.id));
    await page.getByTestId('spot-random-open').click();
    await page.getByTestId('spot-random-form').getByTestId('spot-count').fill('1');
    await page.getByTestId('spot-random-send').click();
    await page.getByTestId('spot-random-ok').waitFor();
    const random = (await openSpots()).filter((x) => !before.has(x.id));
    assert.equal(random.length, 1, 'one random spot check');
    const cancel = page.getByTestId('spot-cancel-' + random[0].id);
    await cancel.waitFor();
    await cancel.click();
    await page.locator(`[data-testid=open-spot][data-id="${random[0].id}"]`).waitFor({ state: 'detached' });
    const cancelled = (await T.official('GET', '/duty/spot-checks?status=cancelled')).body.items;
    assert.ok(cancelled.some((x) => x.id === random[0].id), 'the random spot check is cancelled');

    // Live: the secretary checks in from their phone; row, marker and counts follow without a reload.
    const hh = (await T.secretary('GET', '/households?per_page=200')).body.items.find((h) => typeof h.lat === 'number');
    const c = await T.secretary('POST', '/duty/checkins', { lat: hh.lat, lon: hh.lon, accuracy: 9 });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    await page.locator(`[data-testid=sec-row][data-id="${T.secId}"][data-last="${c.body.at}"][data-checked="1"]`).waitFor();
    await page.locator(`[data-testid=sup-marker][data-user="${T.secId}"][data-stale="0"]`).waitFor();
    const now = (await T.official('GET', '/duty/today')).body;
    await page.waitForFunction(([missing, present]) =>
      document.querySelector('[data-testid=today-not_checked_in] dd').textContent === String(missing)
      && document.querySelector('[data-testid=today-checked_in] dd').textContent === String(present),
    [now.not_checked_in.length, now.secretaries.filter((s) => s.checked_in_today).length]);

    // A named spot check with a 20 minute deadline and a note.
    const note = '请立即共享位置 ' + Date.now().toString(36);
    await page.getByTestId('spot-' + T.secId).click();
    assert.equal(await page.getByTestId('spot-deadline').inputValue(), String(settings.spot_deadline_min));
    await page.getByTestId('spot-deadline').fill('20');
    await page.getByTestId('spot-note').fill(note);
    await shot(page, '02-spot-form');
    await page.getByTestId('spot-send').click();
    await page.getByTestId('spot-ok').waitFor();
    await page.locator(`[data-testid=sec-row][data-id="${T.secId}"] [data-testid=sec-asked]`).waitFor();
    const sc = (await openSpots()).find((x) => x.note === note);
    assert.ok(sc && sc.user_id === T.secId, 'stored for the secretary');
    assert.equal(sc.deadline_at - sc.requested_at, 20 * 60);
    T.spotId = sc.id;
    const item = page.locator(`[data-testid=open-spot][data-id="${sc.id}"]`);
    await item.waitFor();
    assert.match(await text(item.getByTestId('spot-countdown')), /\d+:\d\d/);
    await page.getByTestId('open-spots').scrollIntoViewIfNeeded();
    await shot(page, '03-spot-open');

    // English, then back.
    await page.evaluate(() => scrollTo(0, 0));
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await text(page.getByTestId('sup-tab-today')), 'Today');
    assert.equal(await text(page.getByTestId('sup-tab-ledger')), 'Ledger');
    assert.equal(await text(page.getByTestId('sup-tab-rules')), 'Rules');
    await page.getByTestId('today').getByText('On duty today').waitFor();
    await page.getByTestId('spot-' + T.secId).getByText('Spot check').waitFor();
    await shot(page, '04-today-en');
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('ledger: filters by village, secretary and dates; CSV and XLSX exports answer 200', { skip }, async () => {
  await prepare();
  const day = (await T.official('GET', '/duty/today')).body.day;
  const from = new Date(Date.parse(day + 'T00:00:00Z') - 3 * 86400000).toISOString().slice(0, 10);
  // A check-in the secretary's phone kept offline and sent 5 minutes after locating: marked in the ledger.
  const hh = (await T.secretary('GET', '/households?per_page=200')).body.items.find((h) => typeof h.lat === 'number');
  const late = await T.secretary('POST', '/duty/checkins', { lat: hh.lat, lon: hh.lon, accuracy: 12, age_s: 300, client_ref: 'ledger-late-0001' });
  assert.equal(late.status, 201, JSON.stringify(late.body));
  const want = (await T.official('GET', `/duty/ledger?org_id=${T.villageId}&user_id=${T.secId}&from=${from}&to=${day}`)).body;
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'official');
    await openTab(page, 'ledger');
    await page.getByTestId('ledger-village').selectOption(String(T.villageId));
    await page.waitForURL(new RegExp(`village=${T.villageId}`));
    await page.locator(`[data-testid=ledger-user] option[value="${T.secId}"]`).waitFor({ state: 'attached' });
    await page.getByTestId('ledger-user').selectOption(String(T.secId));
    await page.waitForURL(new RegExp(`user_id=${T.secId}`));
    await page.getByTestId('ledger-from').fill(from);
    await page.getByTestId('ledger-to').fill(day);
    await page.getByTestId('ledger-apply').click();
    await page.waitForURL(new RegExp(`from=${from}`));
    await page.waitForFunction((n) => document.querySelector('[data-testid=ledger-total]')?.textContent.includes(String(n))
      && document.querySelectorAll('[data-testid=ledger-row]').length === Math.min(n, 30), want.total);
    const users = await page.getByTestId('ledger-row').evaluateAll((els) => els.map((e) => e.dataset.user));
    assert.ok(users.length > 0 && users.every((u) => u === String(T.secId)), users.join());
    const days = await page.getByTestId('ledger-row').evaluateAll((els) => els.map((e) => e.dataset.day));
    assert.deepEqual(days, want.items.map((x) => x.day));
    const todayRow = want.items.find((x) => x.day === day);
    if (todayRow) {
      assert.equal(await page.locator(`[data-testid=ledger-row][data-day="${day}"] [data-testid=ledger-checkin]`).count(),
        todayRow.checkins.length);
    }
    const sentLate = want.items.flatMap((x) => x.checkins).filter((c) => c.sent_late);
    assert.ok(sentLate.some((c) => c.id === late.body.id), 'the late one is in the ledger, with its receive time');
    assert.equal(await page.getByTestId('ledger-sent-late').count(), sentLate.length);
    await shot(page, '05-ledger');

    // The export links carry the same filters and answer 200 with the session.
    for (const [id, type] of [['ledger-csv', /csv/], ['ledger-xlsx', /spreadsheetml/]]) {
      const href = await page.getByTestId(id).getAttribute('href');
      assert.match(href, new RegExp(`org_id=${T.villageId}.*user_id=${T.secId}`));
      const res = await page.request.get(web.base + href);
      assert.equal(res.status(), 200, id);
      assert.match(res.headers()['content-type'], type);
      if (id === 'ledger-csv') assert.match(await res.text(), /明月村第一书记/);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('cases: the failed spot check\'s inquiry gets call, reason and a rejection; the notice it drafts is approved',
  { skip: skip || (!own && 'needs its own server to move the clock') }, async () => {
    await prepare();
    if (!T.spotId) {
      const r = await T.official('POST', '/duty/spot-checks', { user_ids: [T.secId], deadline_minutes: 20 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      T.spotId = r.body.items[0].id;
    }
    // One rejected inquiry is enough for a notice here, so the whole ladder shows.
    const settings = (await T.admin('GET', '/duty/settings')).body;
    const patch = await T.admin('PATCH', '/duty/settings', { escalation: { ...settings.escalation, notice_misses: 1 } });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    // Past the deadline with no answer: the job marks it no_answer and opens an inquiry.
    advanceClock(own, 25 * 60);
    const run = await T.admin('POST', '/duty/evaluate');
    assert.equal(run.status, 200);
    const inq = (await T.official('GET', '/duty/inquiries?status=open')).body.items.find((q) => q.spot_check_id === T.spotId);
    assert.ok(inq, 'an open inquiry for the failed spot check');
    // And an official trip next week waiting for the town's approval.
    const day = (await T.official('GET', '/duty/today')).body.day;
    const later = (n) => new Date(Date.parse(day + 'T00:00:00Z') + n * 86400000).toISOString().slice(0, 10);
    const trip = await T.secretary('POST', '/duty/leaves',
      { kind: 'trip', start_day: later(7), end_day: later(8), reason: '赴县农业农村局汇报产业项目' });
    assert.equal(trip.status, 201, JSON.stringify(trip.body));

    const { context, page, errors } = await phone();
    try {
      await logIn(page, 'official');
      await openTab(page, 'cases');
      await page.getByTestId('sup-cases-count').waitFor();
      const card = page.locator(`[data-testid=inquiry][data-id="${inq.id}"]`);
      await card.waitFor();
      await card.getByTestId('inq-call').check();
      await card.getByTestId('inq-category').selectOption('no_signal');
      const reason = '山里没有信号，半小时后才收到约请 ' + Date.now().toString(36);
      await card.getByTestId('inq-reason').fill(reason);
      await card.getByTestId('inq-note').fill('核实：当日在村，但未及时回应');
      await shot(page, '06-inquiry');
      await card.getByTestId('inq-reject').click();
      await card.waitFor({ state: 'detached' }); // gone from the open list
      const done = (await T.official('GET', '/duty/inquiries?status=rejected')).body.items.find((q) => q.id === inq.id);
      assert.ok(done, 'the inquiry is rejected');
      assert.equal(done.call_made, true);
      assert.equal(done.reason_category, 'no_signal');
      assert.equal(done.reason, reason);
      assert.equal(done.decided_by, T.officialId);

      // The rejection reached the threshold: a notice of criticism waits for approval.
      const sanction = page.locator('[data-testid=sanction][data-kind=notice]').first();
      await sanction.waitFor();
      const sid = Number(await sanction.getAttribute('data-id'));
      await sanction.getByTestId('sanction-note').fill('全县通报');
      await page.getByTestId('sanctions').scrollIntoViewIfNeeded();
      await shot(page, '07-sanction');
      await sanction.getByTestId('sanction-approve').click();
      await sanction.waitFor({ state: 'detached' });
      const approved = (await T.official('GET', '/duty/sanctions?status=approved')).body.items.find((s) => s.id === sid);
      assert.ok(approved && approved.user_id === T.secId && approved.decided_by === T.officialId, JSON.stringify(approved));

      // The trip: approved with a note.
      const leave = page.locator(`[data-testid=leave][data-id="${trip.body.id}"]`);
      await leave.getByText('赴县农业农村局汇报产业项目').waitFor();
      await leave.getByTestId('leave-note').fill('同意');
      await leave.getByTestId('leave-approve').click();
      await leave.waitFor({ state: 'detached' });
      const ok = (await T.official('GET', '/duty/leaves?status=approved')).body.items.find((l) => l.id === trip.body.id);
      assert.ok(ok && ok.decided_by === T.officialId, JSON.stringify(ok));
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await T.admin('PATCH', '/duty/settings', { escalation: settings.escalation });
    }
  });

test('evaluation: the table and the published figures match the API; exports answer 200', { skip }, async () => {
  await prepare();
  const year = Number((await T.official('GET', '/duty/today')).body.day.slice(0, 4));
  const ev = (await T.official('GET', `/duty/evaluation?year=${year}`)).body;
  const stats = (await T.official('GET', `/duty/stats?year=${year}`)).body;
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'official');
    await openTab(page, 'evaluation');
    await page.getByTestId('eval-row').first().waitFor();
    assert.equal(await page.getByTestId('eval-row').count(), ev.items.length);
    for (const k of ['problems_found', 'problems_fixed', 'spot_checks', 'spot_checks_failed', 'secretaries_criticised']) {
      assert.equal(await text(page.getByTestId('stat-' + k).locator('dd')), String(stats[k]), k);
    }
    await shot(page, '08-evaluation');
    for (const id of ['eval-csv', 'eval-xlsx']) {
      const res = await page.request.get(web.base + await page.getByTestId(id).getAttribute('href'));
      assert.equal(res.status(), 200, id);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

// The villages without a fence yet, those with an outline on the map (households) first.
async function unfencedVillages() {
  const orgs = (await T.admin('GET', '/org')).body.items;
  const outlined = new Set((await T.admin('GET', '/map/boundaries')).body.features.map((f) => f.properties.org_id));
  const out = [];
  for (const v of orgs.filter((o) => o.level === 'village')) {
    if ((await T.admin('GET', `/org/${v.id}/geofence`)).status === 404) out.push(v);
  }
  return out.sort((a, b) => outlined.has(b.id) - outlined.has(a.id));
}

test('rules: the admin changes a window, adds a holiday, draws a polygon fence and sets a circle; all stored', { skip }, async () => {
  await prepare();
  const free = await unfencedVillages();
  assert.ok(free.length >= 2, 'two villages without a fence');
  const [poly, circle] = free;
  const settings = (await T.admin('GET', '/duty/settings')).body;
  const year = Number((await T.admin('GET', '/duty/today')).body.day.slice(0, 4));
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'admin');
    await openTab(page, 'rules');

    // Settings: the afternoon window ends at 16:00; the default spot-check deadline becomes 20 min.
    await page.getByTestId('settings-form').waitFor();
    await page.getByTestId('set-window-end-1').fill('16:00');
    await page.getByTestId('set-spot_deadline_min').fill('20');
    await shot(page, '09-rules-settings');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    const now = (await T.admin('GET', '/duty/settings')).body;
    assert.deepEqual(now.windows[1], { start: settings.windows[1].start, end: '16:00' });
    assert.equal(now.spot_deadline_min, 20);

    // The year's calendar, month by month; one more day off on a date it does not hold yet.
    const before = (await T.admin('GET', `/duty/calendar?year=${year}`)).body.days;
    await page.getByTestId('cal-year').selectOption(String(year));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=cal-row]').length === n, before.length);
    const months = new Set(before.map((d) => Number(d.day.slice(5, 7))));
    assert.equal(await page.getByTestId('cal-month').count(), months.size);
    let free = `${year}-12-31`;
    for (let d = 31; before.some((x) => x.day === free); d--) free = `${year}-12-${String(d - 1).padStart(2, '0')}`;
    await page.getByTestId('cal-add').click();
    const row = page.getByTestId('cal-row').first();
    await row.getByTestId('cal-day').fill(free);
    await row.getByTestId('cal-name').fill('测试假日');
    await page.getByTestId('cal-save').click();
    await page.getByTestId('cal-saved').waitFor();
    const cal = (await T.admin('GET', `/duty/calendar?year=${year}`)).body;
    assert.equal(cal.days.length, before.length + 1);
    assert.ok(cal.days.some((d) => d.day === free && !d.working && d.name === '测试假日'), JSON.stringify(cal.days));

    // A polygon: four taps around the middle of the map.
    await page.getByTestId('fence-village').selectOption(String(poly.id));
    const editor = page.locator(`[data-testid=fence-editor][data-org="${poly.id}"]`);
    await editor.locator('[data-testid=fence-state]').waitFor();
    await page.getByTestId('fence-mode-polygon').click();
    const map = page.getByTestId('fence-map');
    await map.scrollIntoViewIfNeeded();
    const box = await map.boundingBox();
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    for (const [dx, dy] of [[-70, -50], [70, -50], [80, 50], [-60, 60]]) {
      await page.mouse.click(cx + dx, cy + dy);
      await page.waitForTimeout(150);
    }
    await page.waitForFunction(() => /\b4\b/.test(document.querySelector('[data-testid=fence-state]').textContent));
    assert.equal(await editor.locator('.fence-vertex').count(), 4);
    await shot(page, '10-fence-polygon');
    await page.getByTestId('fence-save').click();
    await page.getByTestId('fence-saved').waitFor();
    const pg = (await T.admin('GET', `/org/${poly.id}/geofence`)).body;
    assert.equal(pg.polygon.length, 4, JSON.stringify(pg));
    // Taps left to right and top to bottom land west to east and north to south.
    assert.ok(pg.polygon[1][1] > pg.polygon[0][1] && pg.polygon[2][0] < pg.polygon[1][0], JSON.stringify(pg.polygon));

    // A circle: tap the village office, 650 m.
    await page.getByTestId('fence-village').selectOption(String(circle.id));
    await page.locator(`[data-testid=fence-editor][data-org="${circle.id}"] [data-testid=fence-state]`).waitFor();
    await page.getByTestId('fence-mode-circle').click();
    const box2 = await page.getByTestId('fence-map').boundingBox();
    await page.mouse.click(box2.x + box2.width / 2, box2.y + box2.height / 2);
    await page.getByTestId('fence-radius').fill('650');
    await page.getByTestId('fence-save').click();
    await page.getByTestId('fence-saved').waitFor();
    const cg = (await T.admin('GET', `/org/${circle.id}/geofence`)).body;
    assert.equal(cg.radius_m, 650);
    assert.equal(cg.center.length, 2);
    await shot(page, '11-fence-circle');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await T.admin('PATCH', '/duty/settings', { windows: settings.windows, spot_deadline_min: settings.spot_deadline_min });
  }
});

test('the auditor reads every tab without a single write control', { skip }, async () => {
  await prepare();
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'auditor');
    await openTab(page, 'today');
    await page.getByTestId('sec-row').first().waitFor();
    assert.equal(await page.locator('button[data-testid^="spot-"]').count(), 0, 'no spot-check controls');
    await shot(page, '12-auditor-today');
    await openTab(page, 'cases');
    await page.getByTestId('inquiries').waitFor();
    for (const id of ['inq-form', 'sanction-approve', 'leave-approve']) assert.equal(await page.getByTestId(id).count(), 0, id);
    await openTab(page, 'rules');
    await page.getByTestId('settings-form').waitFor();
    await page.getByTestId('fence-state').waitFor();
    for (const id of ['settings-save', 'cal-save', 'cal-add', 'fence-save', 'fence-mode-polygon']) {
      assert.equal(await page.getByTestId(id).count(), 0, id);
    }
    assert.ok(await page.getByTestId('set-spot_deadline_min').isDisabled());
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
