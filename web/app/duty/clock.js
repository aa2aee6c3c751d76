// Time on the duty pages. The server's clock as the pages see it, whatever the phone's clock says: learnt from
// times the server stamps "now" (the today view's now, a check-in's received_at, a spot
// check's requested_at), so countdowns to a deadline follow the server.
let skew = 0;   // server time minus this phone's time, in seconds

export const learnServerNow = (ts) => { if (typeof ts === 'number') skew = ts - Date.now() / 1000; };
export const serverNow = () => Date.now() / 1000 + skew;

// County time: windows and days are county local time (the duty settings' utc_offset_min, UTC+8
// until they are loaded), so times are shown in county time whatever the phone's time zone.
let offsetMin = 480;
export function setCountyOffset(min) { if (Number.isFinite(min)) offsetMin = min; }

const pad = (n) => String(n).padStart(2, '0');
const shifted = (ts) => new Date((ts + offsetMin * 60) * 1000);

// "YYYY-MM-DD" of a Unix time (now when omitted), plus `addDays`.
export function countyDay(ts, addDays = 0) {
  const d = shifted((ts ?? Date.now() / 1000) + addDays * 86400);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
export function hhmm(ts) {
  if (!ts) return '—';
  const d = shifted(ts);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
export function dayTime(ts) { return ts ? `${countyDay(ts)} ${hhmm(ts)}` : '—'; }
// Unix time of a county-local "YYYY-MM-DDTHH:MM" (a datetime-local input); null when empty or bad.
export function countyTs(local) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || '');
  if (!m) return null;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) / 1000 - offsetMin * 60;
}
