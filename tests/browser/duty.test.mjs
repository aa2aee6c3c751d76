// Browser test of the first secretary's duty page (#/duty): a check-in with a faked GPS position
// inside the demo village's fence, recorded (page and API); a spot check (约请) issued by the demo
// town official from a second browser context (the supervisors' today tab) appears on the
// secretary's open page without a reload, with a countdown, and the next check-in answers it
// (status ok in the API, banner gone); English; a 360 px wide phone; geolocation denied or no fix
// gives a clear message, a far and imprecise fix is flagged in words; leave requests and a
// Traccar Client device whose identifier really reports through /api/v1/osmand. Starts its own demo server unless
// XC_BASE_URL is given (XC_BIN picks the binary); fails on any console error.
// XC_SCREENSHOT_DIR, when set, receives screenshots (prefix "duty-").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { setup, text } from './browser.mjs';

const web = setup({ shotPrefix: 'duty-' });
const { skip, phone, shot, logIn, apiAs } = web;

const north = (m) => m / 111195; // metres north, in degrees of latitude
// A 1x1 PNG: the check-in's photo.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

// Filled by prepare(): the demo secretary, their village and a point well inside its fence.
const T = {};

// A point inside the village's fence (the demo draws one around every village): the centre of a
// circle, or the vertex average of a polygon (the demo's are convex).
async function pointInsideFence(official, villageId) {
  const fence = await official('GET', `/org/${villageId}/geofence`);
  assert.equal(fence.status, 200, JSON.stringify(fence.body));
  const f = fence.body;
  if (f.center) return { lat: f.center[0], lon: f.center[1] };
  const pts = f.polygon;
  return { lat: pts.reduce((s, p) => s + p[0], 0) / pts.length, lon: pts.reduce((s, p) => s + p[1], 0) / pts.length };
}

// Once, in the first browser test (the server starts in browser.mjs's before()).
let prepared = null;
const prepare = () => (prepared ||= (async () => {
  T.secretary = await apiAs('secretary');
  T.official = await apiAs('official');
  const me = (await T.secretary('GET', '/me')).body.user;
  T.secId = me.id;
  T.villageId = me.org_id;
  T.inside = await pointInsideFence(T.official, T.villageId);
})());

// The secretary's phone on the duty page.
async function dutyPage(geo, allow) {
  const ph = await phone({ geo, allow });
  await logIn(ph.page, 'secretary');
  await ph.page.getByTestId('nav-duty').click();
  await ph.page.getByTestId('duty-page').waitFor();
  return ph;
}

async function waitLive(page) {
  await page.locator('[data-testid=live-status][data-live="1"]').waitFor();
}

// The official issues a spot check for the secretary on the supervisors' today tab, from a phone
// of their own. Returns its id.
async function issueSpotCheck(note) {
  const before = new Set((await T.official('GET', '/duty/spot-checks?status=open')).body.items.map((x) => x.id));
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'official');
    await page.goto(web.base + '/#/supervise?tab=today');
    await page.getByTestId('spot-' + T.secId).click();
    await page.getByTestId('spot-note').fill(note);
    await page.getByTestId('spot-send').click();
    await page.getByTestId('spot-ok').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
  const open = (await T.official('GET', '/duty/spot-checks?status=open')).body.items
    .filter((x) => !before.has(x.id) && x.user_id === T.secId);
  assert.equal(open.length, 1, 'one new open spot check for the secretary');
  assert.equal(open[0].note, note);
  return open[0].id;
}

test('the page\'s strings exist in both languages', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'app', 'duty');
  const src = readFileSync(join(dir, 'i18n_secretary.js'), 'utf8');
  const keys = (name) => new Set([...src.match(new RegExp(`export const ${name} = \\{([\\s\\S]*?)\\n\\};`))[1]
    .matchAll(/^\s*'([^']+)':/gm)].map((m) => m[1]));
  const zh = keys('zh'), en = keys('en');
  assert.deepEqual([...zh].filter((k) => !en.has(k)), [], 'missing in en');
  assert.deepEqual([...en].filter((k) => !zh.has(k)), [], 'missing in zh');
  const code = readFileSync(join(dir, 'checkin.js'), 'utf8');
  for (const [, key] of code.matchAll(/\bt\('(duty\.[a-z_.]*[a-z_])'[,)]/g)) assert.ok(zh.has(key), key);
  for (const prefix of ['flag.', 'flag_long.', 'gps.']) {
    const list = prefix === 'gps.' ? ['denied', 'unavailable', 'timeout', 'unsupported', 'insecure']
      : ['outside', 'accuracy', 'speed', 'clock'];
    for (const k of list) assert.ok(zh.has('duty.' + prefix + k), 'duty.' + prefix + k);
  }
});

test('secretary checks in inside the fence; a spot check shows up live and the next check-in answers it', { skip }, async () => {
  await prepare();
  const geo = { latitude: T.inside.lat + north(30), longitude: T.inside.lon, accuracy: 15 };
  const { context, page, errors } = await dutyPage(geo);
  try {
    await waitLive(page);
    // Today's windows as the server lists them (none on a day off).
    const today = (await T.secretary('GET', '/duty/today')).body;
    assert.deepEqual(today.secretaries.map((x) => x.user_id), [T.secId], 'a secretary sees only themselves');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=duty-window]').length === n
      && !document.querySelector('[data-testid=duty-windows] [aria-busy]'), today.windows.length);
    const statuses = await page.getByTestId('duty-window').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.deepEqual(statuses, today.secretaries[0].windows);
    await shot(page, '01-page');

    // Check in: the result says inside the village with the accuracy; the list and the API have it.
    await page.getByTestId('checkin-note').evaluate((el) => el.closest('details').open = true);
    await page.getByTestId('checkin-note').fill('在村委会值班');
    await page.getByTestId('checkin-photo').setInputFiles({ name: 'office.png', mimeType: 'image/png', buffer: PNG });
    await page.getByTestId('checkin-button').click();
    const result = page.getByTestId('checkin-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-inside'), '1');
    assert.equal(await result.getAttribute('data-flags'), '');
    assert.match(await text(page.getByTestId('checkin-accuracy')), /15/);
    const id = Number(await result.getAttribute('data-id'));
    const item = page.locator(`[data-testid=checkin-item][data-id="${id}"]`);
    await item.getByText('在村委会值班').waitFor();
    await item.locator('img').waitFor();
    assert.ok(await item.locator('img').evaluate((img) => img.complete && img.naturalWidth === 1), 'the photo loads');
    const mine = (await T.secretary('GET', '/duty/checkins')).body.items.find((c) => c.id === id);
    assert.ok(mine, 'the check-in is in the API list');
    assert.equal(mine.inside, true);
    assert.equal(mine.source, 'web');
    assert.ok(Math.abs(mine.lat - geo.latitude) < 1e-5 && Math.abs(mine.lon - geo.longitude) < 1e-5);
    assert.equal(mine.note, '在村委会值班');
    assert.equal(mine.photos.length, 1);
    // The windows follow at once: the page shows what the server now says (met, when a window is open).
    const now = (await T.secretary('GET', '/duty/today')).body;
    const want = now.secretaries[0].windows;
    now.windows.forEach((w, i) => { if (w.state === 'open') assert.equal(want[i], 'met', `window ${i} is open: met by the check-in`); });
    await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('[data-testid=duty-window]')]
      .map((e) => e.dataset.status)) === w, JSON.stringify(want));
    await shot(page, '02-checked-in');

    // A spot check from the official: the open page shows it without reloading.
    await page.evaluate(() => { window.__noReload = 1; });
    assert.equal(await page.getByTestId('spot-banner').count(), 0);
    const spot = await issueSpotCheck('请立即共享位置');
    const banner = page.getByTestId('spot-banner');
    await banner.waitFor();
    await page.locator(`[data-testid=spot-item][data-id="${spot}"]`).waitFor();
    const left = await text(banner.getByTestId('spot-countdown'));
    const m = /^(\d\d):(\d\d)$/.exec(left);
    assert.ok(m && Number(m[1]) * 60 + Number(m[2]) > 13 * 60, `countdown ${left}`);
    assert.equal(await page.evaluate(() => window.__noReload), 1, 'no reload');
    await page.evaluate(() => scrollTo(0, 0));
    await shot(page, '03-spot-check');

    // The check-in answers it: the banner goes, the API says ok.
    await page.getByTestId('checkin-button').click();
    await page.getByTestId('checkin-answered').waitFor();
    await banner.waitFor({ state: 'detached' });
    await page.getByTestId('spot-answered').waitFor();
    const all = (await T.official('GET', '/duty/spot-checks')).body.items;
    const answered = all.find((x) => x.id === spot);
    assert.equal(answered && answered.status, 'ok', JSON.stringify(answered));
    assert.equal(await page.evaluate(() => window.__noReload), 1, 'no reload');
    // The list of today's check-ins marks the one that answered it.
    const answeredBy = page.locator(`[data-testid=checkin-item][data-id="${answered.checkin_id}"]`);
    await answeredBy.getByText('已回应 1 次督查约请').waitFor();
    await shot(page, '04-answered');

    // English.
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.getByTestId('checkin-button').getByText('Check in').waitFor();
    await page.getByTestId('checkin-result').getByText('In the village').waitFor();
    await shot(page, '05-english');
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');

    // A 360 px phone: nothing sticks out sideways, the button stays big.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.evaluate(() => scrollTo(0, 0));
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling at 360 px');
    const box = await page.getByTestId('checkin-button').boundingBox();
    assert.ok(box.width >= 150 && box.height >= 150, `button ${box.width}x${box.height}`);
    await shot(page, '06-360px');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('geolocation denied, no fix, or far away: clear messages; nothing stored, or a flagged check-in', { skip }, async () => {
  await prepare();
  const count = async () => (await T.secretary('GET', '/duty/checkins')).body.total;
  const n0 = await count();
  const { context, page, errors } = await dutyPage(undefined);
  try {
    await page.getByTestId('checkin-button').click();
    const err = page.getByTestId('checkin-gps-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-code'), 'denied');
    assert.match(await text(err), /允许/);
    await shot(page, '07-denied');

    // No fix at all (indoors, no signal): the browser's POSITION_UNAVAILABLE.
    await page.evaluate(() => {
      const g = navigator.geolocation;
      window.__realGet = g.getCurrentPosition;
      g.getCurrentPosition = (ok, bad) => setTimeout(() => bad({ code: 2, message: 'no fix' }), 10);
    });
    await page.getByTestId('checkin-button').click();
    await page.locator('[data-testid=checkin-gps-error][data-code=unavailable]').getByText(/请到信号好的地方重试/).waitFor();
    await page.evaluate(() => { navigator.geolocation.getCurrentPosition = window.__realGet; });
    assert.equal(await count(), n0, 'nothing stored without a position');

    // Allowed, but 5 km away with a poor fix: stored, flagged, and explained in words.
    await context.grantPermissions(['geolocation'], { origin: web.base });
    await context.setGeolocation({ latitude: T.inside.lat + north(5000), longitude: T.inside.lon, accuracy: 900 });
    await page.getByTestId('checkin-button').click();
    const result = page.getByTestId('checkin-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-inside'), '0');
    const flags = (await result.getAttribute('data-flags')).split(',');
    assert.ok(flags.includes('outside') && flags.includes('accuracy'), flags.join());
    await result.getByText(/信号好的地方/).waitFor();
    await page.getByTestId('checkin-gps-error').waitFor({ state: 'detached' });
    assert.equal(await count(), n0 + 1);
    await shot(page, '08-outside');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('no network: the check-in and its photo wait on the phone, survive closing the page, and go by themselves when the network is back', { skip }, async () => {
  await prepare();
  const geo = { latitude: T.inside.lat + north(10), longitude: T.inside.lon, accuracy: 20 };
  // Offline, the browser reports each failed request (the check-in, the live stream) as a console error.
  const offline = (msg) => /ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(msg);
  const listed = async () => (await T.secretary('GET', '/duty/checkins?per_page=200')).body.items;
  const n0 = (await listed()).length;
  const { context, page, errors } = await dutyPage(geo, offline);
  try {
    await waitLive(page);
    // 1. No signal: kept on the phone, said so; nothing reaches the server.
    await context.setOffline(true);
    await page.getByTestId('checkin-note').evaluate((el) => el.closest('details').open = true);
    await page.getByTestId('checkin-photo').setInputFiles({ name: 'office.png', mimeType: 'image/png', buffer: PNG });
    const fixA = Date.now() / 1000;
    await page.getByTestId('checkin-button').click();
    const queued = page.getByTestId('checkin-queued');
    await queued.waitFor();
    assert.equal(await queued.getAttribute('data-count'), '1');
    assert.match(await text(queued), /网络恢复后自动补发/);
    assert.match(await text(queued), /含照片/);
    assert.equal(await page.getByTestId('checkin-result').count(), 0);
    assert.equal(await page.getByTestId('checkin-error').count(), 0, 'no error: it is kept, not lost');
    await shot(page, '09-queued');
    // The page is closed before the network comes back; a few seconds pass.
    await page.close();
    await new Promise((ok) => setTimeout(ok, 3000));
    assert.equal((await listed()).length, n0, 'nothing stored while offline');
    await context.setOffline(false);
    // 2. Opened again: it goes at once, dated when the position was taken.
    const page2 = await context.newPage();
    page2.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    page2.on('console', (msg) => { if (msg.type() === 'error' && !offline(msg.text())) errors.push('console: ' + msg.text()); });
    await page2.goto(web.base + '/#/duty');
    const result = page2.getByTestId('checkin-result');
    await result.waitFor();
    await page2.getByTestId('checkin-queued').waitFor({ state: 'detached' });
    const aId = Number(await result.getAttribute('data-id'));
    const a = (await listed()).find((c) => c.id === aId);
    assert.ok(a, 'stored');
    assert.ok(a.received_at - a.at >= 3, `placed when taken: at ${a.at}, received ${a.received_at}`);
    assert.ok(Math.abs(a.at - fixA) <= 2, `at ${a.at} vs the fix at ${fixA}`);
    // (Not flagged clock: sent within clock_skew_s. The test before this one checked in 5 km away
    // seconds ago, so a speed flag may stand.)
    assert.ok(!a.flags.includes('clock') && !a.flags.includes('outside'), a.flags.join());
    assert.equal(a.inside, true);
    assert.equal(a.photos.length, 1, 'its photo waited on the phone too (IndexedDB) and followed it');
    // 3. Offline on an open page, with a photo: sent by itself when the browser is online again.
    await waitLive(page2);
    await context.setOffline(true);
    await page2.getByTestId('checkin-note').evaluate((el) => el.closest('details').open = true);
    await page2.getByTestId('checkin-note').fill('山里没信号');
    await page2.getByTestId('checkin-photo').setInputFiles({ name: 'hill.png', mimeType: 'image/png', buffer: PNG });
    await page2.getByTestId('checkin-button').click();
    await page2.getByTestId('checkin-queued').waitFor();
    await page2.evaluate(() => { window.__noReload = 1; });
    await context.setOffline(false);
    await page2.getByTestId('checkin-queued').waitFor({ state: 'detached' });
    await page2.locator(`[data-testid=checkin-result]:not([data-id="${a.id}"])`).waitFor();
    assert.equal(await page2.evaluate(() => window.__noReload), 1, 'no reload');
    const all = await listed();
    assert.equal(all.length, n0 + 2, 'each check-in stored once');
    const b = all.find((c) => c.note === '山里没信号');
    assert.ok(b, 'the second check-in, with its note');
    assert.equal(b.photos.length, 1, 'and its photo');
    assert.equal(await page2.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('xc.duty.outbox')).length), 0,
      'the outbox is empty');
    const photosLeft = await page2.evaluate(() => new Promise((ok, bad) => {
      const rq = indexedDB.open('xc-duty-outbox');
      rq.onerror = () => bad(rq.error);
      rq.onsuccess = () => {
        const n = rq.result.transaction('photos').objectStore('photos').count();
        n.onsuccess = () => ok(n.result);
      };
    }));
    assert.equal(photosLeft, 0, 'and so is its photo store');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('inquiries read-only; leave request filed and withdrawn; a Traccar Client device reports through the shown address', { skip }, async () => {
  await prepare();
  const { context, page, errors } = await dutyPage({ latitude: T.inside.lat, longitude: T.inside.lon, accuracy: 10 });
  try {
    // The inquiries about the secretary, read-only, as the API lists them.
    const inquiries = (await T.secretary('GET', '/duty/inquiries')).body.items;
    assert.ok(inquiries.length > 0, 'the demo\'s evaluation opened inquiries about the secretary');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=inquiry-item]').length === n
      && document.querySelector('[data-testid=inquiries] .list'), inquiries.length);
    for (const q of inquiries) {
      assert.equal(await page.locator(`[data-testid=inquiry-item][data-id="${q.id}"]`).getAttribute('data-status'), q.status);
    }
    assert.equal(await page.getByTestId('inquiries').locator('button, input, select, textarea').count(), 0, 'read-only');

    // Leave: file, see it pending, withdraw.
    await page.getByTestId('leave-new').click();
    await page.getByTestId('leave-kind').selectOption('trip');
    await page.getByTestId('leave-reason').fill('到县里参加第一书记培训');
    await page.getByTestId('leave-submit').click();
    const item = page.getByTestId('leave-item').filter({ hasText: '到县里参加第一书记培训' });
    await item.waitFor();
    assert.equal(await item.getAttribute('data-status'), 'pending');
    const lid = Number(await item.getAttribute('data-id'));
    const api = (await T.secretary('GET', '/duty/leaves')).body.items.find((l) => l.id === lid);
    assert.ok(api && api.kind === 'trip' && api.status === 'pending', JSON.stringify(api));
    await item.getByTestId('leave-cancel').click();
    await item.getByTestId('leave-cancel-confirm').click();
    await page.locator(`[data-testid=leave-item][data-id="${lid}"][data-status="cancelled"]`).waitFor();

    // A device: the identifier is shown once with the setup steps; the address shown works.
    await page.getByTestId('device-label').fill('测试手机');
    await page.getByTestId('device-add').click();
    const ident = await text(page.getByTestId('device-identifier'));
    assert.ok(ident.length >= 6, ident);
    const url = await text(page.getByTestId('traccar-url'));
    assert.equal(url, web.base + '/api/v1/osmand');
    await page.getByTestId('device-item').filter({ hasText: '测试手机' }).waitFor();
    await page.getByTestId('traccar-setup').scrollIntoViewIfNeeded();
    await shot(page, '10-device');
    const q = new URLSearchParams({ id: ident, lat: String(T.inside.lat), lon: String(T.inside.lon),
      timestamp: String(Math.floor(Date.now() / 1000)), accuracy: '12' });
    const r = await fetch(url + '?' + q);
    assert.equal(r.status, 200, await r.text());
    const last = (await T.secretary('GET', '/duty/checkins')).body.items.find((c) => c.source !== 'web');
    assert.ok(last && last.inside === true, JSON.stringify(last));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
