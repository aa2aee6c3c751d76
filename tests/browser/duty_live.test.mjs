// Browser test of the live event stream behind the duty pages (web/app/duty/events.js) when the
// stream keeps ending: the server here ends every stream after 2 s (XIANGCUN_SSE_MAX_AGE, checked
// at each 1 s ping), as a proxy or a phone switching networks would. The secretary's open page
// must reconnect by itself with Last-Event-ID, show that it is reconnecting, and still show a
// spot check sent while it was away, without a reload; after a refused stream (503) it opens a
// new one itself with ?last_event_id=. A withdrawn spot check leaves the page; one past its
// deadline stays, marked overdue, and the next check-in answers it late (the server's clock is
// moved through its clock file, the duty job runs every second: XIANGCUN_DUTY_TICK). Starts its own demo server (XC_BIN picks
// the binary); fails on any console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';

process.env.XIANGCUN_SSE_MAX_AGE = '2';
process.env.XIANGCUN_SSE_PING = '1';
process.env.XIANGCUN_DUTY_TICK = '1';
const { setup } = await import('./browser.mjs');
const { advanceClock } = await import('../lib/server.mjs');
const web = setup({ shotPrefix: 'duty-live-' });
const { skip, phone, logIn, apiAs } = web;

test('the duty page reconnects with Last-Event-ID and shows a spot check sent while it was away', { skip }, async () => {
  const secretary = await apiAs('secretary');
  const official = await apiAs('official');
  const secId = (await secretary('GET', '/me')).body.user.id;
  // The 503 below is provoked on purpose.
  const { context, page, errors } = await phone({ allow: (msg) => /\b503\b/.test(msg) });
  const streams = []; // the headers and address of each stream request
  page.on('request', async (req) => {
    if (new URL(req.url()).pathname === '/api/v1/events') streams.push({ ...await req.allHeaders(), url: req.url() });
  });
  try {
    await logIn(page, 'secretary');
    await page.getByTestId('nav-duty').click();
    const live = (v) => page.locator(`[data-testid=live-status][data-live="${v}"]`).waitFor({ timeout: 10000 });
    await live(1);
    await page.evaluate(() => { window.__noReload = 1; });
    const ask = async (note) => {
      const r = await official('POST', '/duty/spot-checks', { user_ids: [secId], deadline_minutes: 15, note });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };

    // One while connected, answered from elsewhere (the API): the banner comes and goes live,
    // and the page now has an event id to resume from.
    await ask('第一次约请');
    await page.getByTestId('spot-banner').getByText('第一次约请').waitFor();
    const c = await secretary('POST', '/duty/checkins', { lat: 29.7, lon: 103.2, accuracy: 20 });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(c.body.spot_checks.length, 1);
    await page.getByTestId('spot-banner').waitFor({ state: 'detached' });
    const seen = streams.length;

    // The stream ends; while the page waits to reconnect, the official asks again.
    await live(0);
    await ask('断线期间的约请');
    await page.getByTestId('spot-banner').getByText('断线期间的约请').waitFor();
    await live(1);
    assert.equal(await page.getByTestId('spot-item').count(), 1);
    assert.equal(await page.evaluate(() => window.__noReload), 1, 'no reload');

    // Every reconnection after the first event names the last event it saw.
    assert.ok(streams.length > seen, `${streams.length} streams`);
    assert.ok(streams.slice(seen).every((h) => h['last-event-id']), JSON.stringify(streams.slice(seen)));

    // A proxy answers 503 once: the browser gives up on that stream, the page opens a new one
    // itself a little later, passing the last id in the address (a new EventSource cannot send
    // the header), and is live again.
    let refuse = true;
    await page.route('**/api/v1/events*', (route) => {
      if (!refuse) return route.continue();
      refuse = false;
      return route.fulfill({ status: 503, contentType: 'text/plain', body: 'busy' });
    });
    await live(0);
    await live(1);
    assert.equal(refuse, false, 'the refused request happened');
    const last = streams[streams.length - 1];
    assert.match(new URL(last.url).searchParams.get('last_event_id') || '', /./, last.url);

    // The official withdraws the request: the banner goes.
    const open = (await official('GET', '/duty/spot-checks?status=open')).body.items.find((x) => x.user_id === secId);
    assert.equal((await official('POST', `/duty/spot-checks/${open.id}/cancel`)).status, 200);
    await page.getByTestId('spot-banner').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => window.__noReload), 1, 'no reload');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a spot check past its deadline stays on the page as overdue, and a check-in still answers it late', { skip }, async (t) => {
  if (!web.server) { t.skip('needs the test\'s own server (its clock)'); return; }
  const secretary = await apiAs('secretary');
  const official = await apiAs('official');
  const secId = (await secretary('GET', '/me')).body.user.id;
  const fence = (await official('GET', `/org/${(await secretary('GET', '/me')).body.user.org_id}/geofence`)).body;
  const { context, page, errors } = await phone({ geo: { latitude: fence.center ? fence.center[0] : fence.polygon[0][0],
    longitude: fence.center ? fence.center[1] : fence.polygon[0][1], accuracy: 10 } });
  try {
    await logIn(page, 'secretary');
    await page.getByTestId('nav-duty').click();
    await page.locator('[data-testid=live-status][data-live="1"]').waitFor();
    const r = await official('POST', '/duty/spot-checks', { user_ids: [secId], deadline_minutes: 1, note: '一分钟内签到' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const item = page.getByTestId('spot-item');
    await item.waitFor();
    const id = Number(await item.getAttribute('data-id'));

    // Just past the deadline the job (every second here) marks it no_answer: still shown, overdue.
    advanceClock(web.server, 65);
    await page.locator(`[data-testid=spot-item][data-id="${id}"] [data-testid=spot-countdown][data-late="1"]`).waitFor();
    const missed = (await official('GET', '/duty/spot-checks?status=no_answer')).body.items.find((x) => x.id === id);
    assert.ok(missed, 'no_answer in the API');

    // Answered from the banner's own button.
    await page.getByTestId('spot-go').click();
    await page.getByTestId('checkin-answered').waitFor();
    await page.getByTestId('spot-banner').waitFor({ state: 'detached' });
    const late = (await official('GET', '/duty/spot-checks')).body.items.find((x) => x.id === id);
    assert.equal(late.status, 'late');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
