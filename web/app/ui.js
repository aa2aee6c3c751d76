// Small shared pieces: formatting, the cached org list, pager, error box, loader hook.
import { html } from 'htm/preact';
import { useState, useEffect, useCallback } from 'preact/hooks';
import { api, query } from './api.js';
import { t, getLang, setLang } from './i18n.js';

export function go(path, params) {
  location.hash = '#' + path + query(params);
}

// Which roles see which page; the server enforces the same rules on every request.
const PAGE_ROLES = {
  users: ['admin', 'auditor', 'official', 'secretary'],
  audit: ['admin', 'auditor'],
};
export const canSee = (role, page) => !PAGE_ROLES[page] || PAGE_ROLES[page].includes(role);
export const canWrite = (role) => role === 'admin';

export function LangSwitch() {
  const other = getLang() === 'en' ? 'zh-CN' : 'en';
  return html`<button type="button" class="btn btn-ghost lang" data-testid="lang-switch"
      lang=${other} onClick=${() => setLang(other)}>${other === 'en' ? 'English' : '中文'}</button>`;
}

const pad = (n) => String(n).padStart(2, '0');

export function fmtTime(ts) {
  if (!ts) return '—';
  const d = new Date(ts * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const ROLES = ['admin', 'auditor', 'official', 'secretary', 'cadre', 'villager'];
export const roleName = (r) => t('role.' + r, r);
export const levelName = (l) => t('level.' + l, l);

// Lists come as {items,total,...}; accept a bare array too.
export const itemsOf = (d) => (Array.isArray(d) ? d : (d && d.items) || []);

// Every page of a list endpoint (the contract says /org answers the whole scope, but
// if it pages like the other lists we still get every node).
export async function loadAll(path) {
  const all = [];
  for (let page = 1; page < 100; page++) {
    const d = await api('GET', path + query({ page, per_page: 200 }));
    if (Array.isArray(d)) return d;
    all.push(...itemsOf(d));
    if (!d || !d.items || !d.items.length || d.total === undefined || all.length >= d.total) break;
  }
  return all;
}

// The org list is the largest common read; pages share one copy until a write.
let orgCache = null;
export function loadOrgs() {
  if (!orgCache) {
    orgCache = loadAll('/org');
    orgCache.catch(() => { orgCache = null; });
  }
  return orgCache;
}
export function forgetOrgs() { orgCache = null; }

// Ancestors present in the list, root first, ending with the node itself.
export function orgPath(orgs, id) {
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const path = [];
  for (let o = byId.get(id); o && path.length < 16; o = byId.get(o.parent_id)) path.unshift(o);
  return path;
}

const indented = (o, min) => `${'\u3000'.repeat(o.depth - min)}${o.name} · ${levelName(o.level)}`;

export function OrgSelect({ orgs, value, onChange, name, required, empty, exclude, testid, label }) {
  const min = orgs.length ? Math.min(...orgs.map((o) => o.depth)) : 0;
  return html`<select name=${name} required=${required} data-testid=${testid}
      value=${value ?? ''} onChange=${(e) => onChange(e.target.value)}>
    ${empty !== undefined && html`<option value="">${empty}</option>`}
    ${orgs.filter((o) => !exclude || !exclude.has(o.id)).map((o) => html`
      <option value=${o.id}>${label ? label(o) : indented(o, min)}</option>`)}
  </select>`;
}

export function ErrorBox({ error, testid = 'error' }) {
  if (!error) return null;
  return html`<p class="error" role="alert" data-testid=${testid}>${error.message || String(error)}</p>`;
}

export function Pager({ page, perPage, total, onPage }) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return html`<nav class="pager" data-testid="pager">
    <button type="button" class="btn" disabled=${page <= 1} onClick=${() => onPage(page - 1)}>
      ${t('pager.prev')}</button>
    <span>${t('pager.status', { page, pages, total })}</span>
    <button type="button" class="btn" disabled=${page >= pages} onClick=${() => onPage(page + 1)}>
      ${t('pager.next')}</button>
  </nav>`;
}

// Runs an async loader when deps change; a stale answer never overwrites a newer one.
export function useLoad(fn, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => live && setState({ loading: false, data, error: null }),
      (error) => live && setState({ loading: false, data: null, error }));
    return () => { live = false; };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function Loading() {
  return html`<p class="muted" aria-busy="true">${t('common.loading')}</p>`;
}

// Reads a <form>'s named fields into a plain object.
export function formData(form) {
  return Object.fromEntries(new FormData(form).entries());
}
