// system.test.mjs: health, Prometheus metrics, security headers, static files
// (MIME types, the vendor allow-list, path traversal, ETags) and graceful
// shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, stopServer, stop, as, Client, ROOT, BACKEND, DEMO_PASSWORD } from '../lib/server.mjs';
import { expectError, expectOk, rawHttp } from './helpers.mjs';

let srv, anon;
const INDEX = join(ROOT, 'web/index.html');

before(async () => {
  srv = await startServer();
  anon = new Client(srv);
});

after(() => stopServer(srv));

test('/healthz answers ok with the back end', async () => {
  const r = await anon.get('/healthz');
  assert.deepEqual(expectOk(r, 200), { ok: true, db: BACKEND === 'pg' ? 'postgresql' : 'sqlite' });
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const head = await fetch(srv.base + '/healthz', { method: 'HEAD' });
  assert.equal(head.status, 200);
});

// Parse Prometheus text into {name{labels}: value}.
function metrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-z_]+(?:\{.*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

// /metrics once pred(parsed metrics) holds (counting happens just after an answer is sent).
async function metricsWhen(pred) {
  for (let i = 0; ; i++) {
    const m = metrics((await anon.get('/metrics')).text);
    if (pred(m) || i === 50) return m;
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

test('/metrics: request counters by route and status, latency histogram, connections, database time', async () => {
  const admin = await as(srv, 'admin');
  for (let i = 0; i < 3; i++) expectOk(await admin.get('/api/v1/org'), 200);
  await admin.get('/api/v1/users/424242');
  await anon.get('/api/v1/nope');
  await anon.get('/');
  const r = await anon.get('/metrics');
  expectOk(r, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  // A request is counted once its answer has gone out, which the client may see first.
  await metricsWhen((x) => x.get('xiangcun_http_requests_total{method="",route="static",status="200"}') >= 1);
  const text = (await anon.get('/metrics')).text;
  for (const name of ['xiangcun_http_requests_total counter', 'xiangcun_http_request_duration_seconds histogram',
    'xiangcun_open_connections gauge', 'xiangcun_db_seconds_total counter'])
    assert.ok(text.includes(`# TYPE ${name}`), name);
  const m = metrics(text);
  assert.ok(m.get('xiangcun_http_requests_total{method="GET",route="/api/v1/org",status="200"}') >= 3);
  assert.ok(m.get('xiangcun_http_requests_total{method="POST",route="/api/v1/session",status="200"}') >= 1);
  assert.ok(m.get('xiangcun_http_requests_total{method="GET",route="/api/v1/users/{id}",status="404"}') >= 1);
  assert.ok(m.get('xiangcun_http_requests_total{method="",route="unmatched",status="404"}') >= 1);
  assert.ok(m.get('xiangcun_http_requests_total{method="",route="static",status="200"}') >= 1);
  // Paths with ids are counted under their pattern, never one series per id.
  assert.ok(![...m.keys()].some((k) => k.includes('424242')));
  const buckets = [...m.entries()].filter(([k]) => k.startsWith('xiangcun_http_request_duration_seconds_bucket'));
  assert.ok(buckets.length >= 5);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1], 'buckets are cumulative');
  const count = m.get('xiangcun_http_request_duration_seconds_count');
  assert.equal(m.get('xiangcun_http_request_duration_seconds_bucket{le="+Inf"}'), count);
  assert.ok(count >= 7);
  assert.ok(m.get('xiangcun_http_request_duration_seconds_sum') > 0);
  assert.ok(m.get('xiangcun_open_connections') >= 1, 'this very connection is open');
  assert.ok(m.get('xiangcun_db_seconds_total') > 0);
  assert.ok(m.get('xiangcun_db_calls_total') > 0);
  // Counters only grow, one per request.
  const key = 'xiangcun_http_requests_total{method="GET",route="/api/v1/org",status="200"}';
  expectOk(await admin.get('/api/v1/org'), 200);
  const m2 = await metricsWhen((x) => x.get(key) > m.get(key));
  assert.equal(m2.get(key), m.get(key) + 1);
});

function importMapHash() {
  const html = readFileSync(INDEX, 'utf8');
  const open = '<script type="importmap">';
  const start = html.indexOf(open) + open.length;
  const body = html.slice(start, html.indexOf('</script>', start));
  return createHash('sha256').update(body).digest('base64');
}

function expectSecurityHeaders(h, what) {
  const csp = h.get('content-security-policy') || '';
  assert.match(csp, /default-src 'self'/, `${what}: CSP`);
  assert.match(csp, /object-src 'none'/, `${what}: CSP`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP`);
  assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, `${what}: no inline scripts`);
  if (existsSync(INDEX)) assert.ok(csp.includes(`'sha256-${importMapHash()}'`), `${what}: CSP allows the import map by hash: ${csp}`);
  assert.equal(h.get('x-content-type-options'), 'nosniff', what);
  assert.equal(h.get('x-frame-options'), 'DENY', what);
  assert.equal(h.get('referrer-policy'), 'no-referrer', what);
}

test('security headers on API answers, errors and static files; API answers are not cached', async () => {
  const admin = await as(srv, 'admin');
  for (const [what, r] of [
    ['GET /api/v1/me', await admin.get('/api/v1/me')],
    ['401', await anon.get('/api/v1/me')],
    ['404', await anon.get('/api/v1/nope')],
    ['healthz', await anon.get('/healthz')],
    ['login', await new Client(srv).post('/api/v1/session', { login: 'x', password: 'y' })],
  ]) {
    expectSecurityHeaders(r.headers, what);
    assert.equal(r.headers.get('cache-control'), 'no-store', `${what}: Cache-Control`);
  }
  for (const p of ['/', '/app/main.js', '/vendor/preact/dist/preact.module.js', '/missing.js']) {
    const r = await anon.get(p, { raw: true });
    expectSecurityHeaders(r.headers, p);
  }
  // A missing file's 404 must not be cached as if it were the file.
  const missing = await anon.get('/missing.js', { raw: true });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('cache-control'), 'no-store');
});

test('static files: index, app modules and the allowed vendor packages with the right types', async (t) => {
  if (!existsSync(INDEX)) return t.skip('web/index.html is absent');
  const index = await anon.get('/', { raw: true });
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.equal(index.text, readFileSync(INDEX, 'utf8'));
  assert.equal((await anon.get('/index.html', { raw: true })).text, index.text);
  const js = await anon.get('/vendor/preact/dist/preact.module.js', { raw: true });
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^(text|application)\/javascript/);
  assert.equal(js.text, readFileSync(join(ROOT, 'node_modules/preact/dist/preact.module.js'), 'utf8'));
  assert.match(js.headers.get('cache-control'), /max-age=\d+/);
  const app = await anon.get('/app/main.js', { raw: true });
  assert.equal(app.status, 200);
  assert.match(app.headers.get('content-type'), /javascript/);
  assert.equal(app.headers.get('cache-control'), 'no-cache', 'app files revalidate');
  const css = await anon.get('/app/style.css', { raw: true });
  assert.match(css.headers.get('content-type'), /^text\/css/);
  const svg = await anon.get('/app/icon.svg', { raw: true });
  assert.match(svg.headers.get('content-type'), /^image\/svg\+xml/);
  const head = await fetch(srv.base + '/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('only allowed vendor packages are served; path traversal gets 404', async () => {
  for (const p of ['/vendor/playwright-core/package.json', '/vendor/.package-lock.json', '/vendor/preact',
    '/vendor/preactx/index.js', '/vendor/', '/nothing-here.html', '/app/', '/app'])
    expectError(await anon.get(p), 404, 'not_found');
  // Sent byte for byte, since fetch() would resolve the dots itself.
  const sneaky = ['/../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E/%2E%2E/etc/passwd', '/vendor/../package.json',
    '/vendor/preact/../../package.json', '/vendor/preact/..%2f..%2fpackage.json', '/app/..%2f..%2fMakefile',
    '/..%5c..%5cetc%5cpasswd', '/app/%2e%2e/%2e%2e/Makefile', '//etc/passwd', '/vendor/preact//package.json',
    '/.git/config', '/vendor/preact/%2e%2e/%2e%2e/package.json'];
  for (const p of sneaky) {
    const r = await rawHttp(srv, `GET ${p} HTTP/1.1\nHost: x\nConnection: close\n`);
    assert.ok(r.status === 404 || r.status === 400, `${p} -> ${r.status}`);
    assert.ok(!/root:|"name":\s*"xiangcun|\[core\]|^CC\b/m.test(r.body), `${p} leaked a file`);
  }
});

test('ETag and If-None-Match give 304 without a body', async () => {
  for (const p of ['/', '/app/main.js', '/vendor/preact/dist/preact.module.js']) {
    const first = await fetch(srv.base + p);
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    assert.match(etag || '', /^"[^"]+"$/, `${p}: ETag`);
    const again = await fetch(srv.base + p, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304, p);
    assert.equal(await again.text(), '');
    assert.equal(again.headers.get('etag'), etag);
    const changed = await fetch(srv.base + p, { headers: { 'If-None-Match': '"something-else"' } });
    assert.equal(changed.status, 200);
    await changed.arrayBuffer();
  }
});

test('graceful shutdown: SIGTERM finishes requests in flight and exits 0', async () => {
  const other = await startServer({ demo: false });
  try {
    // A sign-in whose body is still arriving when the signal comes: the server
    // has its headers, so it must read the rest, answer (no such account here:
    // 401 after a full argon2id check), and only then exit.
    let push;
    const body = new ReadableStream({ start(ctl) { push = ctl; } });
    const enc = new TextEncoder();
    const pending = fetch(other.base + '/api/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half',
    }).then(async (res) => ({ status: res.status, text: await res.text() }), (e) => ({ status: 0, text: String(e.cause || e) }));
    push.enqueue(enc.encode('{"login":"admin",'));
    await new Promise((ok) => setTimeout(ok, 300));
    const exited = stop(other);
    await new Promise((ok) => setTimeout(ok, 100));
    push.enqueue(enc.encode(`"password":${JSON.stringify(DEMO_PASSWORD)}}`));
    push.close();
    const r = await pending;
    assert.equal(r.status, 401, `in-flight request: ${r.text}`);
    assert.equal(JSON.parse(r.text).error.code, 'bad_credentials');
    const { code, sig } = await exited;
    assert.deepEqual({ code, sig }, { code: 0, sig: null });
    assert.match(other.log, /stopped/);
    // Nothing listens any more.
    await assert.rejects(fetch(`${other.base}/healthz`));
  } finally {
    await stopServer(other);
  }
});

test('graceful shutdown of an idle server exits 0 at once', async () => {
  const other = await startServer({ demo: false });
  try {
    expectOk(await new Client(other).get('/healthz'), 200);   // leaves a keep-alive connection open
    const t0 = Date.now();
    const { code } = await stop(other);
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000, 'idle keep-alive connections do not hold up the exit');
  } finally {
    await stopServer(other);
  }
});
