#!/usr/bin/env node
// bench/startup.mjs: start-up time of `xiangcun serve`, from exec to the first
// 200 answer of GET /healthz, polled every millisecond over loopback. The
// server gets the caller's environment (XIANGCUN_DB, XIANGCUN_LISTEN, ...),
// is stopped with SIGTERM after each start, and the run is repeated.
//   node bench/startup.mjs BIN HOST:PORT [RUNS]   → {"median_ms":..,"min_ms":..,"max_ms":..,"runs":[..]}
import { spawn } from 'node:child_process';
import http from 'node:http';

const [bin, listen, runsArg] = process.argv.slice(2);
if (!bin || !listen) { console.error('usage: startup.mjs BIN HOST:PORT [RUNS]'); process.exit(2); }
const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))];
const runs = Number(runsArg || 5);

const probe = () => new Promise((ok) => {
  const req = http.get({ host, port, path: '/healthz', agent: false, timeout: 1000 }, (res) => {
    res.resume();
    res.on('end', () => ok(res.statusCode));
  });
  req.on('error', () => ok(0));
  req.on('timeout', () => { req.destroy(); ok(0); });
});

const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const p = spawn(bin, ['serve'], { stdio: 'ignore', env: process.env });
  const exited = new Promise((ok) => p.on('exit', (code, sig) => ok({ code, sig })));
  let ms = null;
  while (p.exitCode === null && p.signalCode === null) {
    if ((await probe()) === 200) { ms = Number(process.hrtime.bigint() - t0) / 1e6; break; }
    if (Number(process.hrtime.bigint() - t0) > 30e9) break;
    await new Promise((ok) => setTimeout(ok, 1));
  }
  p.kill('SIGTERM');
  const r = await exited;
  if (ms === null) { console.error(`startup.mjs: the server did not answer (${JSON.stringify(r)})`); process.exit(1); }
  times.push(ms);
}
const sorted = [...times].sort((a, b) => a - b);
const r2 = (x) => Math.round(x * 100) / 100;
console.log(JSON.stringify({ median_ms: r2(sorted[Math.floor(sorted.length / 2)]), min_ms: r2(sorted[0]),
  max_ms: r2(sorted[sorted.length - 1]), runs: times.map(r2) }));
