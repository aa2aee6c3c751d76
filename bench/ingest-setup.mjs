#!/usr/bin/env node
// bench/ingest-setup.mjs: prepares the server of the OsmAnd ingest benchmark
// (bench/ingest.sh) through its API, as a county would:
//  1. the demo admin draws each village's geofence: a circle of RADIUS metres
//     around the village's centre (PUT /api/v1/org/{id}/geofence);
//  2. each generated secretary signs in (POST /api/v1/session, two at a time:
//     every sign-in is one argon2id verification) and registers one phone
//     (POST /api/v1/duty/devices {label, identifier}), as a secretary does
//     before installing Traccar Client.
// Each device gets a spot it reports from: 90% within ~250 m of its village's
// centre (inside the fence), 10% ~3 km away (outside).
//
//   node bench/ingest-setup.mjs BASE PASSWORD VILLAGES SECRETARIES DEVICES_OUT [RADIUS_M]
//
// VILLAGES: lines "ORG_ID|LAT|LON" (empty LAT/LON: no households to take the
// centre from; a point inside the county is derived from the id).
// SECRETARIES: lines "LOGIN|VILLAGE_ORG_ID". DEVICES_OUT receives one line per
// registered device, "IDENTIFIER LAT LON" (bench/osmand.lua reads it).
// Prints a JSON summary on stdout; exits 1 when no device could be registered.
import { readFileSync, writeFileSync } from 'node:fs';

const [base, password, villagesFile, secretariesFile, devicesOut, radiusArg] = process.argv.slice(2);
if (!devicesOut) throw new Error('usage: BASE PASSWORD VILLAGES SECRETARIES DEVICES_OUT [RADIUS_M]');
const RADIUS = Number(radiusArg ?? 1500);
const lines = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => l.split('|'));

// Village centres: the demo households' mean, else a point from the id inside the county.
const centres = new Map(lines(villagesFile).map(([id, lat, lon]) => [Number(id), lat !== '' && lon !== ''
  ? { lat: Number(lat), lon: Number(lon) }
  : { lat: 29.66 + ((Number(id) * 7919) % 1000) / 1000 * 0.28, lon: 103.12 + ((Number(id) * 104729) % 1000) / 1000 * 0.36 }]));

async function signIn(login) {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login, password }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`sign-in of ${login}: ${res.status} ${JSON.stringify(body)}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { cookie, csrf: body.csrf };
}

async function call(s, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method, body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Cookie: s.cookie, 'X-CSRF-Token': s.csrf },
  });
  return { status: res.status, body: await res.text() };
}

const count = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
const summary = { geofences: {}, devices: {}, sign_in_ms: 0, devices_registered: 0 };

// 1. geofences
const admin = await signIn('admin');
const fenceStatus = new Map();
let fenceError = '';
for (const [id, c] of centres) {
  const r = await call(admin, 'PUT', `/api/v1/org/${id}/geofence`,
    { center: [c.lat, c.lon], radius_m: RADIUS });
  count(fenceStatus, r.status);
  if (r.status >= 300 && !fenceError) fenceError = r.body.slice(0, 200);
}
summary.geofences = Object.fromEntries(fenceStatus);
if (fenceError) summary.geofence_error = fenceError;

// 2. one device per secretary, two sign-ins at a time
const secretaries = lines(secretariesFile);
const out = [];
const devStatus = new Map();
let devError = '';
let next = 0;
const t0 = Date.now();
async function worker() {
  while (next < secretaries.length) {
    const i = next++;
    const [login, village] = secretaries[i];
    const s = await signIn(login);
    const ident = String(860000000000000 + i * 7919 + 17);   // IMEI-like, 15 digits
    const r = await call(s, 'POST', '/api/v1/duty/devices', { label: `华为 Mate ${i}`, identifier: ident });
    count(devStatus, r.status);
    if (r.status !== 201) { if (!devError) devError = r.body.slice(0, 200); continue; }
    const c = centres.get(Number(village));
    const far = i % 10 === 9, a = (i * 2.399) % (2 * Math.PI), d = far ? 0.027 : 0.00225 * ((i * 37) % 100) / 100;
    out.push(`${ident} ${(c.lat + d * Math.sin(a)).toFixed(6)} ${(c.lon + d * Math.cos(a) / 0.87).toFixed(6)}`);
  }
}
await Promise.all([worker(), worker()]);
summary.sign_in_ms = Date.now() - t0;
summary.devices = Object.fromEntries(devStatus);
if (devError) summary.device_error = devError;
summary.devices_registered = out.length;
writeFileSync(devicesOut, out.join('\n') + '\n');
console.log(JSON.stringify(summary));
process.exit(out.length ? 0 : 1);
