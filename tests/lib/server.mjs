// tests/lib/server.mjs: start a real xiangcun server for a test file, on a free
// loopback port, with its own data folder and a fresh database on the back end
// chosen by XC_BACKEND (sqlite, the default, or pg with XC_PG_URL pointing at a
// throwaway cluster made by tests/pg/cluster.sh). XC_BIN picks the binary
// (build/xiangcun or build/asan/xiangcun).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const BIN = resolve(ROOT, process.env.XC_BIN || 'build/xiangcun');
export const BACKEND = process.env.XC_BACKEND || 'sqlite';
export const DEMO_PASSWORD = 'Demo#Pass2026';

export function freePort() {
  return new Promise((ok, bad) => {
    const s = net.createServer();
    s.on('error', bad);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

// A fresh PostgreSQL database in the test cluster; returns its URL.
function pgDatabase() {
  const base = new URL(process.env.XC_PG_URL.replace(/^postgresql:/, 'http:'));
  const name = 'xc_' + Math.random().toString(36).slice(2, 10);
  const host = base.searchParams.get('host'), port = base.searchParams.get('port');
  const user = base.searchParams.get('user') || 'postgres';
  execFileSync('psql', ['-q', '-h', host, '-p', port, '-U', user, '-d', 'postgres', '-c',
    `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  return `postgresql:///${name}?host=${encodeURIComponent(host)}&port=${port}&user=${user}`;
}

// Run a xiangcun sub-command against a server's data (same env); returns {status, stdout, stderr}.
export function cli(srv, args, extraEnv = {}) {
  try {
    const stdout = execFileSync(BIN, args, { env: { ...srv.env, ...extraEnv }, cwd: ROOT, stdio: 'pipe' });
    return { status: 0, stdout: stdout.toString(), stderr: '' };
  } catch (e) {
    return { status: e.status, stdout: e.stdout?.toString() ?? '', stderr: e.stderr?.toString() ?? '' };
  }
}

// Start a server; with demo: true the demo county is seeded first.
export async function startServer({ demo = true, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xc-test-'));
  const clockFile = join(dir, 'clock');
  writeFileSync(clockFile, '0\n');
  const db = BACKEND === 'pg' ? pgDatabase() : `sqlite:${join(dir, 'xiangcun.db')}`;
  const port = await freePort();
  const srv = {
    dir, db, port, clockFile, base: `http://127.0.0.1:${port}`,
    env: {
      ...process.env, XIANGCUN_DATA_DIR: dir, XIANGCUN_DB: db, XIANGCUN_LISTEN: `127.0.0.1:${port}`,
      XIANGCUN_DEMO_PASSWORD: DEMO_PASSWORD, XIANGCUN_CLOCK_FILE: clockFile, XIANGCUN_ACCESS_LOG: '0',
      ...env,
    },
  };
  if (demo) {
    const r = cli(srv, ['demo']);
    if (r.status !== 0) throw new Error(`demo failed: ${r.stderr}`);
  }
  await launch(srv);
  return srv;
}

// (Re)start the server process of srv and wait until /healthz answers.
export async function launch(srv) {
  srv.log = '';
  srv.proc = spawn(BIN, ['serve'], { env: srv.env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  srv.proc.stdout.on('data', (d) => { srv.log += d; });
  srv.proc.stderr.on('data', (d) => { srv.log += d; });
  srv.exited = new Promise((ok) => srv.proc.on('exit', (code, sig) => ok({ code, sig })));
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${srv.base}/healthz`);
      if (r.ok) return srv;
    } catch { /* not up yet */ }
    if (srv.proc.exitCode !== null) break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`server did not start:\n${srv.log}`);
}

// Stop gracefully (SIGTERM) or hard (SIGKILL); returns the exit status.
export async function stop(srv, signal = 'SIGTERM') {
  if (!srv.proc || srv.proc.exitCode !== null) return srv.exited;
  srv.proc.kill(signal);
  const r = await srv.exited;
  if (signal === 'SIGTERM' && (r.code !== 0 || /runtime error|AddressSanitizer|LeakSanitizer/.test(srv.log)))
    throw new Error(`server exited badly (${JSON.stringify(r)}):\n${srv.log}`);
  return r;
}

export async function stopServer(srv) {
  await stop(srv);
  rmSync(srv.dir, { recursive: true, force: true });
}

// Move the server's clock forward by seconds (XIANGCUN_CLOCK_FILE).
let offsets = new Map();
export function advanceClock(srv, seconds) {
  const now = (offsets.get(srv) || 0) + seconds;
  offsets.set(srv, now);
  writeFileSync(srv.clockFile, `${now}\n`);
}

// A small HTTP client keeping one session's cookie and CSRF token.
export class Client {
  constructor(srv, { lang = 'zh-CN' } = {}) { this.srv = srv; this.cookie = null; this.csrf = null; this.lang = lang; this.token = null; }

  async req(method, path, body, { headers = {}, raw = false } = {}) {
    const h = { 'Accept-Language': this.lang, ...headers };
    if (this.cookie) h.Cookie = this.cookie;
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (this.csrf && !['GET', 'HEAD'].includes(method)) h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (!h['Content-Type']) h['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.srv.base + path, { method, headers: h, body: payload });
    const set = res.headers.get('set-cookie');
    if (set) {
      const m = /xc_session=([^;]*)/.exec(set);
      if (m) this.cookie = m[1] ? `xc_session=${m[1]}` : null;
    }
    const text = await res.text();
    let json = null;
    if (!raw && text && (res.headers.get('content-type') || '').includes('json')) json = JSON.parse(text);
    return { status: res.status, json, text, headers: res.headers };
  }

  get(path, opts) { return this.req('GET', path, undefined, opts); }
  post(path, body, opts) { return this.req('POST', path, body, opts); }
  patch(path, body, opts) { return this.req('PATCH', path, body, opts); }
  put(path, body, opts) { return this.req('PUT', path, body, opts); }
  del(path, body, opts) { return this.req('DELETE', path, body, opts); }

  async login(login, password = DEMO_PASSWORD, otp) {
    const r = await this.post('/api/v1/session', otp ? { login, password, otp } : { login, password });
    if (r.status === 200) this.csrf = r.json.csrf;
    return r;
  }
}

// Log in as a demo user; throws unless it works.
export async function as(srv, login, opts) {
  const c = new Client(srv, opts);
  const r = await c.login(login);
  if (r.status !== 200) throw new Error(`login ${login}: ${r.status} ${r.text}`);
  return c;
}
