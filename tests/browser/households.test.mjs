// Browser test of the household pages: the map with the demo villages' markers, a marker's card
// opening the household page, a helper cadre recording visits with a faked GPS position (near:
// accepted; far: flagged) and finding them in the timeline, the list filters, revealing and adding
// members, setting a location from the GPS, exit targets on the home page and the overdue ledger.
// Like shell.test.mjs it starts its own demo server unless XC_BASE_URL is given, and fails on any
// console error. XC_SCREENSHOT_DIR, when set, receives 390x844 screenshots (prefix "hh-").
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { setup, text } from './browser.mjs';

const web = setup({ shotPrefix: 'hh-' });
const { skip, phone, shot, logIn, apiAs } = web;

// A valid GB 11643 number (random sequence digits so reruns against one server do not collide).
function idNumber(birth = '19850312', male = true) {
  const seq = String(Math.floor(Math.random() * 50) * 2 + (male ? 1 : 0)).padStart(3, '0');
  const body = '511424' + birth + seq;   // never the demo's 511423
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * W[i], 0);
  return body + '10X98765432'[sum % 11];
}

// Metres north of a point, in degrees of latitude.
const north = (m) => m / 111195;

// Click the biggest cluster until single markers show (the demo villages sit close together).
async function zoomToMarkers(page) {
  for (let i = 0; i < 10 && await page.getByTestId('map-marker').count() === 0; i++) {
    const clusters = page.locator('.hh-cluster');
    const counts = await clusters.evaluateAll((els) => els.map((e) => Number(e.textContent.trim()) || 0));
    if (!counts.length) { await page.waitForTimeout(300); continue; }
    await clusters.nth(counts.indexOf(Math.max(...counts))).click();
    await page.waitForTimeout(700); // zoom animation, then the debounced bbox fetch
  }
  await page.getByTestId('map-marker').first().waitFor();
}

test('map: every village in scope, then the demo village\'s markers; a marker opens the household', { skip }, async () => {
  const admin = await apiAs('admin');
  const all = await admin('GET', '/households?per_page=1');
  assert.equal(all.status, 200);
  const { context, page, errors } = await phone();
  try {
    // The admin sees the whole county: clusters over several villages, one count in the header.
    await logIn(page, 'admin');
    await page.getByTestId('nav-map').click();
    await page.getByTestId('map').waitFor();
    await page.locator('.hh-cluster, [data-testid=map-marker]').first().waitFor();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=map-count]').textContent));
    const located = (await admin('GET', '/map/households?bbox=-180,-90,180,90')).body.features.length;
    assert.match(await text(page.getByTestId('map-count')), new RegExp(`\\b${located}\\b`));
    const clustered = await page.locator('.hh-cluster').evaluateAll((els) =>
      els.reduce((s, e) => s + (Number(e.textContent.trim()) || 0), 0));
    const single = await page.getByTestId('map-marker').count();
    assert.equal(clustered + single, located, 'every located household is in a cluster or a marker');
    assert.ok(await page.locator('.village-label').count() >= 2, 'village names are drawn');
    await shot(page, '01-map-county');

    // The filter panel narrows the markers (poor households only) and keeps the view.
    await page.getByTestId('map-filters').locator('summary').click();
    await page.getByTestId('map-filter-status').selectOption('poor');
    const poor = (await admin('GET', '/map/households?bbox=-180,-90,180,90&status=poor')).body.features.length;
    await page.waitForFunction((n) => document.querySelector('[data-testid=map-count]').textContent.includes(String(n)), poor);
    assert.ok(poor < located);
    await page.getByTestId('map-filter-status').selectOption('');
    await page.waitForFunction((n) => document.querySelector('[data-testid=map-count]').textContent.includes(String(n)), located);
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();

    // The first secretary of 明月村 sees that village only; zoom in until single markers show.
    await logIn(page, 'secretary');
    await page.getByTestId('nav-map').click();
    await page.getByTestId('map').waitFor();
    await zoomToMarkers(page);
    const statuses = await page.getByTestId('map-marker').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.ok(statuses.every((s) => ['poor', 'exited', 'monitored', 'removed'].includes(s)), statuses.join());
    await shot(page, '02-map-village');

    const marker = page.getByTestId('map-marker').first();
    const id = await marker.getAttribute('data-id');
    await marker.click();
    const card = page.getByTestId('map-card');
    await card.waitFor();
    await card.getByText('明月村').waitFor();
    await shot(page, '03-map-card');
    await page.getByTestId('map-card-open').click();
    await page.waitForURL(new RegExp(`#/households/${id}$`));
    await page.getByTestId('hh-page').waitFor();
    assert.equal(await page.getByTestId('hh-page').getAttribute('data-id'), id);
    const hh = await (await apiAs('secretary'))('GET', '/households/' + id);
    assert.equal(await text(page.getByTestId('hh-number')), hh.body.number);
    assert.equal(await page.getByTestId('hh-summary').getByTestId('hh-status').getAttribute('data-status'), hh.body.status);
    assert.equal(await page.getByTestId('hh-indicators').locator('[data-met="0"]').count(), hh.body.unmet.length);
    await page.getByTestId('timeline-item').first().waitFor();
    await shot(page, '04-household');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('cadre: records a visit near the household, sees it in the timeline; a far one is flagged', { skip }, async () => {
  const cadre = await apiAs('cadre');
  const mine = await cadre('GET', '/me/households');
  assert.equal(mine.status, 200);
  const hh = mine.body.items.find((h) => typeof h.lat === 'number');
  assert.ok(hh, 'the demo cadre helps a located household');
  const before = (await cadre('GET', `/households/${hh.id}/visits`)).body;
  const near = { latitude: hh.lat + north(40), longitude: hh.lon, accuracy: 12 };
  const { context, page, errors } = await phone({ geo: near });
  try {
    await logIn(page, 'cadre');
    // Home: the village's exit target against progress.
    await page.getByTestId('targets').getByTestId('target-row').first().waitFor();
    await page.getByTestId('target-people').first().waitFor();
    await shot(page, '05-home-targets-cadre');

    await page.getByTestId('nav-my').click();
    await page.getByTestId('my-list').waitFor();
    assert.equal(await page.getByTestId('my-list').getByTestId('hh-item').count(), mine.body.items.length);
    await shot(page, '06-my-households');
    await page.locator(`[data-testid=hh-item][data-id="${hh.id}"]`).getByTestId('my-record').click();
    await page.getByTestId('hh-page').waitFor();
    const form = page.getByTestId('visit-form');
    await form.waitFor();
    await page.getByTestId('visit-pos').waitFor();
    assert.match(await text(page.getByTestId('visit-accuracy')), /12/);
    const notes = '入户走访：看了新修的圈舍，讨论来年养殖计划 ' + Date.now().toString(36);
    await page.getByTestId('visit-notes').fill(notes);
    await shot(page, '07-visit-form');
    await page.getByTestId('visit-submit').click();
    const done = page.getByTestId('visit-done');
    await done.waitFor();
    assert.equal(await done.getAttribute('data-flagged'), '0');
    const m = /(\d+) m/.exec(await text(done));
    assert.ok(m && Math.abs(Number(m[1]) - 40) <= 3, `distance shown: ${await text(done)}`);

    // The visit list and the timeline both show it, newest first.
    await page.getByTestId('visit-item').first().getByText(notes).waitFor();
    assert.equal(await page.getByTestId('visit-item').count(), (before.total ?? before.items.length) + 1);
    const first = page.getByTestId('hh-timeline').getByTestId('timeline-item').first();
    await page.waitForFunction(() => {
      const li = document.querySelector('[data-testid=hh-timeline] [data-testid=timeline-item]');
      return li && li.dataset.kind === 'visit' && /\d+ m/.test(li.textContent);
    });
    assert.match(await text(first), /cadre|明月村帮扶干部/);
    await page.getByTestId('hh-timeline').scrollIntoViewIfNeeded();
    await shot(page, '08-timeline');

    // Two kilometres away: recorded, flagged, and the cadre is told.
    await context.setGeolocation({ latitude: hh.lat + north(2000), longitude: hh.lon, accuracy: 30 });
    await page.getByTestId('visit-open').click();
    await page.getByTestId('visit-pos').waitFor();
    await page.getByTestId('visit-notes').fill('在村委会电话回访 ' + Date.now().toString(36));
    await page.getByTestId('visit-submit').click();
    await page.getByTestId('visit-done').waitFor();
    assert.equal(await page.getByTestId('visit-done').getAttribute('data-flagged'), '1');
    await page.getByTestId('visit-flagged').waitFor();
    await page.getByTestId('visit-item').first().locator('.badge.warn').waitFor();
    await page.getByTestId('visit-record').scrollIntoViewIfNeeded();
    await shot(page, '09-visit-flagged');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('list filters, ID number check, reveal with the password, add a member, location from GPS', { skip }, async () => {
  const admin = await apiAs('admin');
  const list = (await admin('GET', '/households?status=poor&per_page=1')).body;
  const target = (await admin('GET', '/households?per_page=1&q=' + encodeURIComponent('HY105201002'))).body.items[0];
  assert.ok(target, 'demo household HY105201002');
  const geo = { latitude: 29.7361, longitude: 103.2702, accuracy: 8 };
  const { context, page, errors } = await phone({ geo });
  try {
    await logIn(page, 'admin');
    await page.getByTestId('nav-households').click();
    await page.getByTestId('hh-list').waitFor();
    await shot(page, '10-list');
    await page.getByTestId('hh-filter-status').selectOption('poor');
    await page.waitForFunction((n) => document.querySelector('[data-testid=hh-total]')?.textContent.includes(String(n)), list.total);
    const shown = await page.getByTestId('hh-list').getByTestId('hh-status').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.ok(shown.length > 0 && shown.every((s) => s === 'poor'), shown.join());

    // An ID number with a wrong check character is caught before any request.
    await page.getByTestId('hh-more-filters').click();
    const good = idNumber();
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    await page.getByTestId('hh-filter-id').fill(bad);
    await page.getByTestId('hh-filter-submit').click();
    await page.getByRole('alert').getByText(/校验位/).waitFor();

    // Text search, then the household page.
    await page.getByTestId('hh-filter-id').fill('');
    await page.getByTestId('hh-filter-status').selectOption('');
    await page.getByTestId('hh-filter-q').fill(target.number);
    await page.getByTestId('hh-filter-submit').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=hh-item]').length === 1);
    await page.getByTestId('hh-link').click();
    await page.getByTestId('hh-page').waitFor();

    // Reveal a member's full ID number with the password.
    const member = page.getByTestId('member-item').first();
    assert.match(await text(member.getByTestId('member-id')), /\*{4,}/);
    await member.getByTestId('reveal-id_number').click();
    await member.getByTestId('member-reveal-form').locator('input[name=password]').fill(web.password);
    await member.getByTestId('member-reveal-submit').click();
    await page.waitForFunction(() => /^\d{17}[\dX]$/.test(
      document.querySelector('[data-testid=member-item] [data-testid=member-id]').textContent.trim()));

    // Add a member: the check runs as one types; the server accepts the valid number.
    await page.getByTestId('member-add-toggle').click();
    const add = page.getByTestId('member-add-form');
    await add.getByTestId('member-name').fill('测试成员');
    await add.getByTestId('member-id-input').fill(bad);
    await add.getByTestId('member-id-error').waitFor();
    const id = idNumber('20100605', false);
    await add.getByTestId('member-id-input').fill(id);
    await add.getByTestId('member-id-ok').getByText('2010-06-05').waitFor();
    await add.getByTestId('member-relation').selectOption('grandchild');
    await add.getByTestId('member-education').selectOption('in_school');
    await shot(page, '11-member-form');
    await add.getByTestId('member-submit').click();
    await page.getByTestId('hh-members').getByText('测试成员').waitFor();
    const after = (await admin('GET', '/households/' + target.id)).body;
    const added = after.members.find((x) => x.name === '测试成员');
    assert.ok(added && added.relation === 'grandchild' && added.sex === 'F' && added.birth_date === '2010-06-05');

    // Location from the phone's GPS.
    await page.getByTestId('hh-location').scrollIntoViewIfNeeded();
    await page.getByTestId('loc-gps').click();
    await page.getByTestId('loc-pending').waitFor();
    await shot(page, '12-location-gps');
    await page.getByTestId('loc-save').click();
    await page.getByTestId('hh-coords').getByText('29.736100, 103.270200').waitFor();
    const moved = (await admin('GET', '/households/' + target.id)).body;
    assert.ok(Math.abs(moved.lat - geo.latitude) < 1e-6 && Math.abs(moved.lon - geo.longitude) < 1e-6);
    // The timeline records the change.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=timeline-item]')]
      .some((li) => li.dataset.action === 'household.update'));

    // English.
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.getByTestId('hh-members').getByText('Members').waitFor();
    await page.getByTestId('hh-summary').getByText('Household number').waitFor();
    await page.evaluate(() => scrollTo(0, 0));
    await shot(page, '13-household-en');
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('home targets roll up county → town → village; overdue visits by cadre and village', { skip }, async () => {
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'admin');
    const year = new Date().getFullYear();
    const targets = (await (await apiAs('admin'))('GET', '/targets?year=' + year)).body;
    const rows = page.getByTestId('targets').getByTestId('target-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), targets.nodes.length);
    const county = targets.nodes.find((n) => n.level === 'county');
    if (county && county.target) {
      const bar = rows.first().getByTestId('target-people');
      assert.match(await text(bar), new RegExp(`${county.exited.people}\\s*/\\s*${county.target.people}`));
    }
    await shot(page, '14-home-targets');

    // Setting a town's target turns its line into progress bars.
    const town = targets.nodes.find((n) => n.level === 'town' && !n.target);
    if (town) {
      const row = page.locator(`[data-testid=target-row][data-org="${town.org_id}"]`);
      await row.getByTestId('target-edit').click();
      await row.locator('input[name=people]').fill('40');
      await row.locator('input[name=households]').fill('15');
      await row.getByTestId('target-form').locator('button').click();
      await page.waitForFunction((id) => /\/\s*40/.test(document.querySelector(
        `[data-testid=target-row][data-org="${id}"] [data-testid=target-people]`)?.textContent || ''), town.org_id);
    }
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();

    await logIn(page, 'secretary');
    await page.getByTestId('nav-overdue').click();
    await page.getByTestId('overdue-total').waitFor();
    const data = (await (await apiAs('secretary'))('GET', '/visits/overdue')).body;
    assert.equal(await page.getByTestId('overdue-list').getByTestId('hh-item').count(), data.items.length);
    assert.equal(await page.getByTestId('overdue-by-cadre').locator('.count-row').count(), data.by_cadre.length);
    assert.equal(await page.getByTestId('overdue-by-village').locator('.count-row').count(), data.by_village.length);
    await shot(page, '15-overdue');
    if (data.by_cadre.length) {
      await page.getByTestId('overdue-by-cadre').locator('.count-row').first().click();
      await page.waitForURL(/cadre_id=/);
      await page.getByTestId('overdue-list').waitFor();
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a villager opens their own household, read-only and masked', { skip }, async () => {
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'villager');
    await page.getByTestId('nav-own_household').click();
    const link = page.getByTestId('hh-link');
    if (!/#\/households\/\d+/.test(page.url())) await link.first().click();
    await page.getByTestId('hh-page').waitFor();
    await page.getByTestId('member-item').first().waitFor();
    assert.match(await text(page.getByTestId('member-item').first().getByTestId('member-id')), /\*{4,}/);
    for (const id of ['hh-edit-toggle', 'visit-open', 'member-add-toggle', 'reveal-id_number', 'loc-gps', 'status-change']) {
      assert.equal(await page.getByTestId(id).count(), 0, id);
    }
    await page.getByTestId('timeline-item').first().waitFor();
    await shot(page, '16-villager-household');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('WGS-84 → GCJ-02 for Gaode-style tiles: known offset, inverse, identity outside China', async () => {
  const { wgs84ToGcj02, gcj02ToWgs84, distanceM } = await import('../../web/app/leaflet.js');
  const [lat, lon] = wgs84ToGcj02(39.908, 116.397); // Tiananmen: the shift is about 550 m
  assert.ok(Math.abs(lat - 39.90940) < 1e-4 && Math.abs(lon - 116.40324) < 1e-4, `${lat}, ${lon}`);
  const back = gcj02ToWgs84(lat, lon);
  assert.ok(distanceM(back[0], back[1], 39.908, 116.397) < 0.01);
  assert.deepEqual(wgs84ToGcj02(51.5, -0.12), [51.5, -0.12]);
  assert.ok(Math.abs(distanceM(29.73, 103.27, 29.73 + north(1000), 103.27) - 1000) < 0.5);
});
