// The supervisors' duty pages (#/supervise?tab=…): the tab shell and the small pieces the five
// tabs share: role rules, county-time formatting, the town/village pickers, live reloads.
// Tabs, one file each: today.js (map and today's state, spot checks), ledger.js (location ledger),
// cases.js (inquiries, sanctions, leave), evaluation.js (annual evaluation, published figures),
// rules.js (windows, calendar, escalation, village geofences). Admin, official and auditor see
// these pages; the auditor reads only (the server enforces the same on every request).
import { html } from 'htm/preact';
import { useState, useEffect, useRef } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { subscribe } from './events.js';
import { setCountyOffset, countyDay } from './clock.js';
import { TodayTab } from './today.js';
import { LedgerTab } from './ledger.js';
import { CasesTab } from './cases.js';
import { EvaluationTab } from './evaluation.js';
import { RulesTab } from './rules.js';

const TABS = [
  { key: 'today', view: TodayTab },
  { key: 'ledger', view: LedgerTab },
  { key: 'cases', view: CasesTab },
  { key: 'evaluation', view: EvaluationTab },
  { key: 'rules', view: RulesTab },
];

// Spot checks, inquiries, leave, village fences: admin and town officials (P_DUTY_SUPERVISE).
export function canSupervise(role) { return role === 'admin' || role === 'official'; }
// County settings and the holiday calendar: the county admin only (P_SETTINGS).
export function canSetRules(role) { return role === 'admin'; }

// ---- county settings ---------------------------------------------------------------------------
let settings = {};
// The county's duty settings as the shell loaded them ({} until then, or when they failed).
export const countySettings = () => settings;
function setCountySettings(s) {
  settings = s || {};
  setCountyOffset(settings.utc_offset_min);
}

const pad = (n) => String(n).padStart(2, '0');

// "m:ss" (or "h:mm:ss") for a number of seconds; negative values are shown as 0:00.
export function clockSpan(s) {
  const v = Math.max(0, Math.floor(s));
  const h = Math.floor(v / 3600), m = Math.floor((v % 3600) / 60), sec = v % 60;
  return (h ? `${h}:${pad(m)}` : String(m)) + ':' + pad(sec);
}

// ---- small shared pieces ---------------------------------------------------------------------

// A person's display name and village from the several shapes the duty answers use.
export const personName = (x) => (x && (x.name || x.user_name || x.display_name || x.login)) || '—';
export const villageName = (x) => (x && (x.village || x.village_name || x.org_name)) || '';

// Reload when any of the named live events arrives (debounced: a burst reloads once).
export function useLive(names, reload, ms = 400) {
  const fn = useRef(reload);
  fn.current = reload;
  useEffect(() => {
    let timer = 0;
    const kick = () => { clearTimeout(timer); timer = setTimeout(() => fn.current(), ms); };
    const offs = names.map((n) => subscribe(n, kick));
    return () => { clearTimeout(timer); offs.forEach((off) => off && off()); };
  }, [names.join()]);
}

// The villages' outlines that give a plain map its bearings; null for a role that may not read the
// household map (the auditor), or when there are none.
export function loadBoundaries(role) {
  if (!canSupervise(role)) return Promise.resolve(null);
  return api('GET', '/map/boundaries').catch(() => null);
}

// Village outlines (GeoJSON of /map/boundaries) on s.map in its datum, not clickable.
export function outlineLayer(s, gj, style) {
  return s.L.geoJSON(gj, { coordsToLatLng: (c) => s.L.latLng(...s.datum.show(c[1], c[0])), interactive: false, style })
    .addTo(s.map);
}

// Towns, and villages (of one town when given), of the cached org list in scope.
export const townsOf = (orgs) => orgs.filter((o) => o.level === 'town');
export const villagesOf = (orgs, townId) => orgs.filter((o) => o.level === 'village'
  && (!townId || String(o.parent_id) === String(townId)));

export function NodeSelect({ nodes, value, onChange, testid, empty, label, name }) {
  return html`<label>${label}
    <select value=${value ?? ''} name=${name} data-testid=${testid} onChange=${(e) => onChange(e.target.value)}>
      ${empty !== undefined && html`<option value="">${empty}</option>`}
      ${nodes.map((o) => html`<option value=${o.id}>${o.name}</option>`)}
    </select></label>`;
}

// The year picker of the evaluation and the calendar.
export function YearSelect({ value, onChange, testid }) {
  const now = Number(countyDay().slice(0, 4));
  return html`<select class="year-select" value=${value} aria-label=${t('sup.year')} data-testid=${testid}
      onChange=${(e) => onChange(Number(e.target.value))}>
    ${[now + 1, now, now - 1, now - 2].map((y) => html`<option value=${y}>${y}</option>`)}
  </select>`;
}

// A count that is worth a badge on the tab bar (open cases), refreshed live.
function useOpenCases(role) {
  const [n, setN] = useState(null);
  const load = () => api('GET', '/duty/inquiries?status=open&per_page=1')
    .then((d) => setN(d && (d.total ?? (d.items || d).length)), () => setN(null));
  useEffect(() => { load(); }, [role]);
  useLive(['inquiry', 'resync'], load, 1500);
  return n;
}

export function SupervisePage({ me, params }) {
  const want = params.get('tab');
  const tab = TABS.find((x) => x.key === want) || TABS[0];
  const [ready, setReady] = useState(false);
  const cases = useOpenCases(me.user.role);

  // The county's settings (its time offset above all) before any time is shown; a failure keeps
  // the defaults (UTC+8).
  useEffect(() => {
    api('GET', '/duty/settings').then(setCountySettings, () => {})
      .finally(() => setReady(true));
  }, []);

  // On a narrow phone (or in English) the tab bar scrolls: keep the current tab in view.
  const bar = useRef(null);
  useEffect(() => {
    const cur = bar.current && bar.current.querySelector('[aria-current]');
    if (cur) bar.current.scrollLeft = cur.offsetLeft - (bar.current.clientWidth - cur.offsetWidth) / 2;
  }, [tab.key]);

  const View = tab.view;
  return html`<div class="sup" data-testid="sup-page" data-tab=${tab.key}>
    <nav class="sup-tabs" ref=${bar} aria-label=${t('nav.supervise')}>
      ${TABS.map((x) => html`<a href=${'#/supervise?tab=' + x.key} data-testid=${'sup-tab-' + x.key}
          aria-current=${x === tab ? 'page' : undefined}>${t('sup.tab.' + x.key)}${x.key === 'cases' && cases > 0
            ? html` <span class="sup-count" data-testid="sup-cases-count">${cases}</span>` : ''}</a>`)}
    </nav>
    ${ready && html`<${View} me=${me} params=${params} />`}
  </div>`;
}
