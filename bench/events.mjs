// bench/events.mjs: how fast a live event reaches open pages, on the process
// that made the change and, relayed over PostgreSQL LISTEN/NOTIFY, on a second
// process sharing the database. Run by bench/events.sh (which starts the
// throwaway PostgreSQL cluster); prints one JSON line of results on stdout.
//
// Two `xiangcun serve` processes, A and B, on one database. BENCH_EVENT_STREAMS
// streams are opened on each, as county auditors (who hear every spot check).
// Each round an official asks a secretary for a spot check through A and
// cancels it; for each of the two events we note when the last stream of A and
// the last stream of B had it, from the moment the request was sent. The
// ceiling is delivery within A: a relayed event cannot reach B's pages sooner
// than A's own pages could hear it, so ratio = A's time / B's time (1 = the
// relay adds nothing).
import { startServer, stopServer, stop, launch, freePort, as, DEMO_PASSWORD } from '../tests/lib/server.mjs';
import { openStream, waitFor } from '../tests/lib/sse.mjs';
import { landmarks } from '../tests/api/helpers.mjs';

const STREAMS = Number(process.env.BENCH_EVENT_STREAMS || 500);
const ROUNDS = Number(process.env.BENCH_EVENT_ROUNDS || 40);
const PER_ACCOUNT = 50;
const env = { XIANGCUN_SSE_PER_USER: String(PER_ACCOUNT), XIANGCUN_PER_IP_LIMIT: String(4 * STREAMS + 100),
  XIANGCUN_ACCESS_LOG: '0', XIANGCUN_DUTY_TICK: '86400' };

const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const ok = (r, status) => { if (r.status !== status) throw new Error(`${r.status} ${JSON.stringify(r.json)}`); return r.json; };

async function auditors(admin, county, n) {
  const logins = [];
  for (let i = 0; i < n; i++) {
    const login = `bench-aud-${i}`;
    ok(await admin.post('/api/v1/users', { login, display_name: login, role: 'auditor', org_id: county, password: DEMO_PASSWORD }), 201);
    logins.push(login);
  }
  return logins;
}

// STREAMS streams on server, PER_ACCOUNT per signed-in auditor.
async function streams(server, logins) {
  const out = [];
  for (const login of logins) {
    const c = await as(server, login);
    const left = Math.min(PER_ACCOUNT, STREAMS - out.length);
    out.push(...await Promise.all(Array.from({ length: left }, () => openStream(c, { server }))));
  }
  for (const s of out) if (s.status !== 200) throw new Error(`stream: ${s.status}`);
  return out;
}

// When the last of ss had the event matching pred, in ms after t0.
async function lastArrival(ss, pred, t0) {
  const evs = await Promise.all(ss.map((s) => waitFor(s, pred, 20000)));
  return Math.max(...evs.map((e) => e.t)) - t0;
}

const a = await startServer({ env });
const port = await freePort();
const b = { ...a, port, base: `http://127.0.0.1:${port}`, env: { ...a.env, XIANGCUN_LISTEN: `127.0.0.1:${port}` } };
await launch(b);
try {
  const admin = await as(a, 'admin');
  const official = await as(a, 'official');
  const me = (await (await as(a, 'secretary')).get('/api/v1/me')).json.user;
  const county = (await landmarks(admin)).county;
  const logins = await auditors(admin, county, Math.ceil(STREAMS / PER_ACCOUNT));
  const onA = await streams(a, logins), onB = await streams(b, logins);
  const local = [], relayed = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = performance.now();
    const item = ok(await official.post('/api/v1/duty/spot-checks', { user_ids: [me.id] }), 201).items[0];
    const asked = (e) => e.event === 'spot_check' && e.data.id === item.id && e.data.status === 'open';
    local.push(await lastArrival(onA, asked, t0));
    relayed.push(await lastArrival(onB, asked, t0));
    t0 = performance.now();
    ok(await official.post(`/api/v1/duty/spot-checks/${item.id}/cancel`), 200);
    const cancelled = (e) => e.event === 'spot_check' && e.data.id === item.id && e.data.status === 'cancelled';
    local.push(await lastArrival(onA, cancelled, t0));
    relayed.push(await lastArrival(onB, cancelled, t0));
  }
  for (const s of [...onA, ...onB]) s.close();
  const r = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    streams: STREAMS, events: local.length,
    local_p50: r(quantile(local, 0.5)), local_p99: r(quantile(local, 0.99)),
    relayed_p50: r(quantile(relayed, 0.5)), relayed_p99: r(quantile(relayed, 0.99)),
    ratio: Number((quantile(local, 0.5) / quantile(relayed, 0.5)).toFixed(3)),
  }));
} finally {
  await stop(b);
  await stopServer(a);
}
