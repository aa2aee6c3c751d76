#!/usr/bin/env node
// bench/import-run.mjs: one timed import through the API, for bench/import.sh.
//
//   node bench/import-run.mjs BASE TOKEN FILE [MODE [TIMEOUT_S]]   (commit, 3600)
//
// POSTs FILE (CSV) to BASE/api/v1/imports?mode=MODE with the bearer TOKEN,
// then polls GET /api/v1/imports/{id} every 100 ms until the job is done,
// rejected or failed, or TIMEOUT_S seconds have passed (then "status" is
// "timeout" and the job is left running). Prints one JSON line: the job's last
// state plus {"post_ms" (upload, parse and queueing: until the 202),
// "validating_ms" (until the job reports every row validated), "quiet_ms"
// (then no progress is reported until the member rows are written: the
// households are written in that time), "writing_ms" (phase "writing"),
// "total_ms" (from the start of the upload to the first poll that saw the job
// finished), "progress": [[ms since the start, phase, rows_done], ...] at every
// tenth of the rows of each phase and every minute, "http_status", "answer" (the POST's answer
// when it was not a 202)}.
import fs from 'node:fs';

const [base, token, file, mode = 'commit', timeoutArg = '3600'] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg) * 1000;
if (!base || !token || !file) { console.error('usage: import-run.mjs BASE TOKEN FILE [MODE]'); process.exit(2); }
const auth = { Authorization: `Bearer ${token}` };
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const body = fs.readFileSync(file);
const t0 = now();
const res = await fetch(`${base}/api/v1/imports?mode=${mode}`, {
  method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body,
});
const text = await res.text();
const tPost = now();
if (res.status !== 202) {
  console.log(JSON.stringify({ http_status: res.status, answer: text.slice(0, 2000), post_ms: tPost - t0 }));
  process.exit(0);
}
const { id } = JSON.parse(text);
const seen = {};       // phase -> first time it was seen
const progress = [], step = {};
let job, timedOut = false;
for (;;) {
  const r = await fetch(`${base}/api/v1/imports/${id}`, { headers: auth });
  job = await r.json();
  const t = now();
  if (r.status !== 200) { job = { http_status: r.status, answer: job }; break; }
  if (job.status === 'running') {
    const phase = job.phase ?? 'validating';
    seen[phase] ??= t;
    if (phase === 'validating' && job.rows_done >= job.rows_total) seen.validated ??= t;
    const tenth = Math.floor((job.rows_done * 10) / Math.max(1, job.rows_total));
    if (tenth > (step[phase] ?? 0) || t - (step.last ?? t0) >= 60000) {
      step[phase] = Math.max(tenth, step[phase] ?? 0);
      step.last = t;
      progress.push([Math.round(t - t0), phase, job.rows_done]);
    }
  }
  if (!['queued', 'running'].includes(job.status)) break;
  if (t - t0 > timeoutMs) { timedOut = true; break; }
  await sleep(100);
}
const tEnd = now();
const tWrite = seen.writing ?? tEnd;
const tValidated = Math.min(seen.validated ?? tWrite, tWrite);   // from the 202 (queued, then validating)
console.log(JSON.stringify({
  ...job, status: timedOut ? 'timeout' : job.status, phase: job.phase ?? null, progress,
  http_status: 202, post_ms: Math.round(tPost - t0),
  validating_ms: Math.round(tValidated - tPost), quiet_ms: Math.round(tWrite - tValidated),
  writing_ms: seen.writing ? Math.round(tEnd - seen.writing) : 0,
  total_ms: Math.round(tEnd - t0),
}));
