// events.test.mjs: live events (GET /api/v1/events, Server-Sent Events) on a
// real server: who hears what (the secretary, the supervisors of their village,
// nobody else), replay with Last-Event-ID, the reload notice, many subscribers
// at once, the per-account limit, dead peers, streams that age out, SIGTERM
// with open streams, a rolled-back change that must publish nothing, and two
// processes on one PostgreSQL hearing each other's events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, stop, launch, freePort, as, advanceClock, BACKEND, DEMO_PASSWORD } from '../lib/server.mjs';
import { expectOk, expectError, landmarks, sql } from './helpers.mjs';
import { openStream as open, waitFor } from '../lib/sse.mjs';

let srv, T, admin, official, hcOfficial, sec, sec2, secHc;

const openStream = (c, opts = {}) => open(c, { server: srv, ...opts });
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const spotEvent = (id, status) => (ev) => ev.event === 'spot_check' && ev.data.id === id && (!status || ev.data.status === status);

async function mkUser(login, role, org_id) {
  return expectOk(await admin.post('/api/v1/users', { login, display_name: login, role, org_id, password: DEMO_PASSWORD }), 201).id;
}

async function ask(who, user_ids, extra = {}) {
  return expectOk(await who.post('/api/v1/duty/spot-checks', { user_ids, ...extra }), 201).items;
}

async function cancel(who, id) {
  return expectOk(await who.post(`/api/v1/duty/spot-checks/${id}/cancel`), 200);
}

async function metric(server, name) {
  const text = await (await fetch(server.base + '/metrics')).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

// Until /metrics shows n open streams (a closed client is noticed at the next ping).
async function streamsBecome(server, n, ms = 5000) {
  const deadline = Date.now() + ms;
  let now;
  while ((now = await metric(server, 'xiangcun_event_streams')) !== n) {
    if (Date.now() > deadline) throw new Error(`xiangcun_event_streams is ${now}, not ${n}`);
    await sleep(50);
  }
}

before(async () => {
  srv = await startServer({ env: { XIANGCUN_SSE_PING: '1' } });
  admin = await as(srv, 'admin');
  T = await landmarks(admin);
  const hcVillage = T.list.find((o) => o.parent_id === T.hc).id;
  await Promise.all([
    mkUser('ev-sec2', 'secretary', T.village),
    mkUser('ev-sec-hc', 'secretary', hcVillage),
    mkUser('ev-official-hc', 'official', T.hc),
  ]);
  [official, hcOfficial, sec, sec2, secHc] = await Promise.all(
    ['official', 'ev-official-hc', 'secretary', 'ev-sec2', 'ev-sec-hc'].map((l) => as(srv, l)));
  T.sec = T.user('secretary').id;
  T.sec2 = (await sec2.get('/api/v1/me')).json.user.id;
  T.secHc = (await secHc.get('/api/v1/me')).json.user.id;
});

after(() => stopServer(srv));

test('anonymous callers get 401 JSON; a stream is text/event-stream, not cached nor buffered', async () => {
  const anon = await openStream(null);
  assert.equal(anon.status, 401);
  await waitFor({ get events() { return anon.ended ? [JSON.parse(anon.text)] : []; } }, () => true, 3000, 'end of the 401');
  assert.equal(JSON.parse(anon.text).error.code, 'unauthenticated');

  const s = await openStream(sec);
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^text\/event-stream/);
  assert.equal(s.headers['cache-control'], 'no-store');
  assert.equal(s.headers['x-accel-buffering'], 'no');
  // The first bytes come at once (so the headers are not held back) and tell the browser how soon to reconnect.
  const deadline = Date.now() + 3000;
  while (!s.text && Date.now() < deadline) await sleep(10);
  assert.match(s.text, /^retry: \d+\n/);
  // Idle, it pings (XIANGCUN_SSE_PING=1 here) and nothing else.
  while (s.pings < 2 && Date.now() < deadline + 3000) await sleep(20);
  assert.ok(s.pings >= 2, `pings: ${s.pings}`);
  assert.deepEqual(s.events, []);
  s.close();
});

test('a spot check reaches its secretary and the supervisors of the village at once, and nobody else', async () => {
  const names = ['sec', 'sec2', 'official', 'hcOfficial', 'admin', 'secHc'];
  const clients = { sec, sec2, official, hcOfficial, admin, secHc };
  const streams = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await openStream(clients[n])])));
  const t0 = Date.now();
  const [item] = await ask(official, [T.sec], { note: '请立即共享位置' });
  for (const n of ['sec', 'official', 'admin']) {
    const ev = await waitFor(streams[n], spotEvent(item.id), 3000, `spot_check for ${n}`);
    assert.equal(ev.data.status, 'open');
    assert.equal(ev.data.user_id, T.sec);
    assert.equal(ev.data.note, '请立即共享位置');
    assert.match(ev.id, /^[0-9a-f]{16}-\d+$/);
  }
  const latency = Date.now() - t0;
  assert.ok(latency < 2000, `delivered in ${latency} ms`);
  // Another secretary of the same village, 洪川镇's official and secretary hear nothing of it.
  await sleep(500);
  for (const n of ['sec2', 'hcOfficial', 'secHc'])
    assert.deepEqual(streams[n].events.filter((e) => e.event.startsWith('spot_check')), [], `${n} heard it`);

  // The secretary's check-in answers it: both sides hear the outcome.
  const c = expectOk(await sec.post('/api/v1/duty/checkins', { lat: 29.73, lon: 103.27, accuracy: 10 }), 201);
  assert.deepEqual(c.spot_checks, [item.id]);
  for (const n of ['sec', 'official']) {
    const ev = await waitFor(streams[n], (e) => e.event === 'spot_check_answered' && e.data.id === item.id, 3000, `answer for ${n}`);
    assert.ok(['ok', 'outside'].includes(ev.data.status), ev.data.status);
    assert.equal(ev.data.checkin_id, c.id);
  }
  // A cancellation is a spot_check event with its status.
  const [next] = await ask(official, [T.sec]);
  await cancel(official, next.id);
  await waitFor(streams.sec, spotEvent(next.id, 'cancelled'), 3000, 'the cancellation');
  await waitFor(streams.official, spotEvent(next.id, 'cancelled'), 3000, 'the cancellation');
  await sleep(300);
  for (const n of ['sec2', 'hcOfficial', 'secHc'])
    assert.deepEqual(streams[n].events.filter((e) => e.event.startsWith('spot_check')), [], `${n} heard it`);
  // The same ids for everyone: one encoding of each event.
  assert.deepEqual(streams.sec.events.map((e) => e.id), streams.admin.events.map((e) => e.id));
  for (const s of Object.values(streams)) s.close();
});

test('a rolled-back change publishes nothing', async () => {
  const s = await openStream(sec);
  // The second target is outside the official's town: the whole request fails
  // after the first spot check was written and its event queued.
  expectError(await official.post('/api/v1/duty/spot-checks', { user_ids: [T.sec, T.secHc] }), 403, 'out_of_scope');
  const open = expectOk(await official.get(`/api/v1/duty/spot-checks?user_id=${T.sec}&status=open`), 200);
  assert.equal(open.total, 0, 'nothing was kept');
  await sleep(500);
  assert.deepEqual(s.events, [], 'nothing was published');
  // The stream itself works: the next change arrives, and it is the first event.
  const [item] = await ask(official, [T.sec]);
  await waitFor(s, spotEvent(item.id), 3000);
  assert.equal(s.events.length, 1);
  await cancel(official, item.id);
  s.close();
});

test('Last-Event-ID (or ?last_event_id=) replays what the page missed; an unknown id asks it to reload', async () => {
  const s1 = await openStream(sec);
  const [a] = await ask(official, [T.sec]);
  const seen = await waitFor(s1, spotEvent(a.id), 3000);
  s1.close();
  await cancel(official, a.id);
  const [b] = await ask(official, [T.sec]);

  let lastId;
  for (const opts of [{ lastEventId: seen.id }, { query: `?last_event_id=${encodeURIComponent(seen.id)}` }]) {
    const s = await openStream(sec, opts);
    lastId = (await waitFor(s, spotEvent(b.id), 3000, 'the replayed event')).id;
    assert.deepEqual(s.events.map((e) => [e.data.id, e.data.status]), [[a.id, 'cancelled'], [b.id, 'open']]);
    s.close();
  }
  // Nothing missed: nothing replayed.
  const latest = await openStream(sec, { lastEventId: lastId });
  await sleep(300);
  assert.deepEqual(latest.events, []);
  latest.close();
  // An id of another server process (before a restart), or garbage: reload.
  for (const id of ['0123456789abcdef-3', 'garbage', `${seen.id.split('-')[0]}-99999999`]) {
    const s = await openStream(sec, { lastEventId: id });
    const ev = await waitFor(s, (e) => e.event === 'reload', 3000, `reload for ${id}`);
    assert.equal(s.events[0], ev);
    s.close();
  }
  await cancel(official, b.id);
});

test('a page that fell more than the ring (1024 events) behind is told to reload', async () => {
  const s = await openStream(official);
  const [first] = await ask(admin, [T.sec2]);
  const mark = (await waitFor(s, spotEvent(first.id))).id;
  s.close();
  await cancel(admin, first.id);
  // 1050 more events: create and cancel, three secretaries in parallel.
  await Promise.all([T.sec, T.sec2, T.secHc].map(async (uid) => {
    for (let i = 0; i < 175; i++) await cancel(admin, (await ask(admin, [uid]))[0].id);
  }));
  const late = await openStream(official, { lastEventId: mark });
  const ev = await waitFor(late, (e) => e.event === 'reload', 3000);
  assert.equal(late.events[0], ev, 'reload comes first');
  late.close();
});

test('200 subscribers all receive one event; a ninth stream of one account gets 429', async () => {
  // 25 auditors (county-wide duty readers) with 8 streams each, the per-account limit.
  const logins = Array.from({ length: 25 }, (_, i) => `ev-aud-${i}`);
  for (let i = 0; i < logins.length; i += 5)
    await Promise.all(logins.slice(i, i + 5).map((l) => mkUser(l, 'auditor', T.county)));
  const auditors = [];
  for (let i = 0; i < logins.length; i += 5) auditors.push(...await Promise.all(logins.slice(i, i + 5).map((l) => as(srv, l))));
  const before = await metric(srv, 'xiangcun_event_streams');
  const streams = (await Promise.all(auditors.map((c) => Promise.all(Array.from({ length: 8 }, () => openStream(c)))))).flat();
  assert.equal(streams.length, 200);
  assert.ok(streams.every((s) => s.status === 200));
  await streamsBecome(srv, before + 200);

  const ninth = await openStream(auditors[0]);
  assert.equal(ninth.status, 429);
  await waitFor({ get events() { return ninth.ended ? [1] : []; } }, () => true, 3000, 'end of the 429');
  assert.equal(JSON.parse(ninth.text).error.code, 'too_many_streams');

  const t0 = Date.now();
  const [item] = await ask(official, [T.sec]);
  await Promise.all(streams.map((s) => waitFor(s, spotEvent(item.id), 10000)));
  const ms = Date.now() - t0;
  console.log(`# 200 streams: all received the event ${ms} ms after the request was sent`);
  assert.ok(ms < 5000, `${ms} ms`);
  // Closed by the clients: noticed at the next ping, and the limit frees up.
  for (const s of streams) s.close();
  await streamsBecome(srv, before, 5000);
  const again = await openStream(auditors[0]);
  assert.equal(again.status, 200);
  again.close();
  await cancel(official, item.id);
});

test('streams end on their own after XIANGCUN_SSE_MAX_AGE; SIGTERM with open streams exits promptly and cleanly', async () => {
  const other = await startServer({ env: { XIANGCUN_SSE_PING: '1', XIANGCUN_SSE_MAX_AGE: '2' } });
  try {
    const c = await as(other, 'official');
    const aged = await openStream(c, { server: other });
    const deadline = Date.now() + 6000;
    while (!aged.ended && Date.now() < deadline) await sleep(50);
    assert.ok(aged.ended && !aged.aborted, 'the stream ended cleanly by itself');

    const s2 = await as(other, 'secretary');
    const streams = (await Promise.all([c, s2].map((who) => Promise.all(Array.from({ length: 8 }, () => openStream(who, { server: other })))))).flat();
    assert.ok(streams.every((s) => s.status === 200));
    const t0 = Date.now();
    await stop(other);   // throws unless the exit is clean (status 0, no sanitizer report)
    const ms = Date.now() - t0;
    console.log(`# SIGTERM with ${streams.length} open streams: exited in ${ms} ms`);
    assert.ok(ms < 5000, `exit took ${ms} ms (the in-flight wait is 10 s)`);
    await sleep(100);
    assert.ok(streams.every((s) => s.ended && !s.aborted), 'every stream was ended properly');
  } finally {
    await stopServer(other);
  }
});

test('an open page reconnecting its stream does not keep an idle session alive', async () => {
  const own = await startServer();
  try {
    const c = await as(own, 'secretary');
    const first = await openStream(c, { server: own });
    assert.equal(first.status, 200);
    first.close();
    advanceClock(own, 20 * 60);
    // Twenty minutes on, the page reconnects (EventSource does so by itself) ...
    const again = await openStream(c, { server: own });
    assert.equal(again.status, 200);
    again.close();
    // ... but that was no activity: 31 minutes after the last request the session is over.
    advanceClock(own, 11 * 60);
    expectError(await c.get('/api/v1/me'), 401, 'session_expired');
  } finally {
    await stopServer(own);
  }
});

test('two processes on one PostgreSQL: a page on either hears the changes made through the other', { skip: BACKEND !== 'pg' && 'one process per SQLite database' }, async () => {
  const port = await freePort();
  const b = { ...srv, port, base: `http://127.0.0.1:${port}`, env: { ...srv.env, XIANGCUN_LISTEN: `127.0.0.1:${port}` } };
  await launch(b);
  try {
    const [secB, hcOfficialB] = await Promise.all([as(b, 'secretary'), as(b, 'ev-official-hc')]);
    const onB = await openStream(secB, { server: b }), hcB = await openStream(hcOfficialB, { server: b });
    const onA = await openStream(official);
    // Asked through A: the secretary's page on B shows it, with B's own event id.
    const t0 = Date.now();
    const [item] = await ask(official, [T.sec], { note: '跨进程' });
    const ev = await waitFor(onB, spotEvent(item.id), 3000, 'the spot check on B');
    console.log(`# relayed to the other process in ${Date.now() - t0} ms`);
    assert.equal(ev.data.note, '跨进程');
    assert.match(ev.id, /^[0-9a-f]{16}-\d+$/);
    assert.notEqual(ev.id.split('-')[0], (await waitFor(onA, spotEvent(item.id), 3000)).id.split('-')[0], 'each process numbers its events');
    // Answered through B: A's supervisor hears it, and B's page hears it once, not again by the relay.
    const c = expectOk(await secB.post('/api/v1/duty/checkins', { lat: 29.73, lon: 103.27, accuracy: 10 }), 201);
    assert.deepEqual(c.spot_checks, [item.id]);
    const answered = (e) => e.event === 'spot_check_answered' && e.data.id === item.id;
    assert.equal((await waitFor(onA, answered, 3000, 'the answer on A')).data.checkin_id, c.id);
    await waitFor(onB, answered, 3000, 'the answer on B');
    await sleep(300);
    assert.equal(onB.events.filter(answered).length, 1, 'heard once');
    assert.equal(onA.events.filter(answered).length, 1, 'heard once');
    // The scope rules hold for relayed events: 洪川镇's official on B heard nothing of 红岩's secretary.
    assert.deepEqual(hcB.events.filter((e) => e.event.startsWith('spot_check')), []);
    // The channel's connection dies: once it is back, open pages are told to reload, and events flow again.
    sql(srv, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'xiangcun-events' AND datname = current_database()");
    await waitFor(onB, (e) => e.event === 'reload', 5000, 'reload on B');
    const [next] = await ask(official, [T.sec2]);
    const official2 = await openStream(await as(b, 'official'), { server: b });
    await cancel(official, next.id);
    await waitFor(official2, spotEvent(next.id, 'cancelled'), 5000, 'an event after the reconnection');
    for (const s of [onA, onB, hcB, official2]) s.close();
  } finally {
    await stop(b);   // clean exit: the channel stops with the server
  }
});
