import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, query } from './api.js';
import { t } from './i18n.js';
import { go, useLoad, loadOrgs, ROLES, roleName, fmtTime, OrgSelect, Pager, ErrorBox,
  Loading, canWrite, canSee, formData } from './ui.js';

const PER_PAGE = 20; // small pages: a village phone on 3G should not wait for 200 rows

export function UsersPage({ me, params }) {
  const f = {
    org_id: params.get('org_id') || '', role: params.get('role') || '',
    q: params.get('q') || '', page: Number(params.get('page')) || 1,
  };
  const key = JSON.stringify(f);
  const orgs = useLoad(() => loadOrgs(), []);
  const list = useLoad(() => api('GET', '/users' + query({ ...f, per_page: PER_PAGE })), [key]);
  const [creating, setCreating] = useState(false);
  const admin = canWrite(me.user.role);
  const set = (patch) => go('/users', { ...f, page: 1, ...patch });

  return html`<section class="card">
      <div class="head-row">
        <h1>${t('users.title')}</h1>
        ${admin && html`<button type="button" class=${'btn' + (creating ? '' : ' btn-primary')}
          data-testid="user-create-toggle" aria-expanded=${creating}
          onClick=${() => setCreating(!creating)}>${creating ? t('common.close') : t('users.new')}</button>`}
      </div>
      ${creating && html`<${CreateForm} orgs=${orgs.data || []} defaultOrg=${f.org_id || me.user.org_id}
        onCreated=${list.reload} />`}
      <form class="filters" data-testid="user-filter-form"
          onSubmit=${(e) => { e.preventDefault(); set({ q: formData(e.currentTarget).q.trim() }); }}>
        <label class="wide">${t('users.org')}
          <${OrgSelect} orgs=${orgs.data || []} value=${f.org_id} empty=${t('common.all')}
            onChange=${(v) => set({ org_id: v })} testid="user-filter-org" /></label>
        <label>${t('users.role')}
          <select value=${f.role} data-testid="user-filter-role" onChange=${(e) => set({ role: e.target.value })}>
            <option value="">${t('common.all')}</option>
            ${ROLES.map((r) => html`<option value=${r}>${roleName(r)}</option>`)}
          </select></label>
        <label>${t('users.search')}
          <input type="search" name="q" defaultValue=${f.q} placeholder=${t('users.search_hint')}
            data-testid="user-filter-q" /></label>
        <div class="filter-actions"><button class="btn">${t('common.search')}</button></div>
      </form>
    </section>
    <section class="card">
      ${list.loading && html`<${Loading} />`}
      <${ErrorBox} error=${list.error} />
      ${list.data && html`
        <ul class="list" data-testid="user-list">
          ${list.data.items.map((u) => html`<${UserItem} key=${u.id} u=${u} me=${me} />`)}
        </ul>
        ${list.data.items.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
        <${Pager} page=${list.data.page || f.page} perPage=${list.data.per_page || PER_PAGE}
          total=${list.data.total} onPage=${(p) => go('/users', { ...f, page: p })} />`}
    </section>`;
}

function CreateForm({ orgs, defaultOrg, onCreated }) {
  const [org, setOrg] = useState(String(defaultOrg || ''));
  const [role, setRole] = useState('villager');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);

  async function submit(e) {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formData(form);
    const body = { login: v.login.trim(), display_name: v.display_name.trim(), role,
      org_id: Number(org), password: v.password };
    if (v.phone.trim()) body.phone = v.phone.trim();
    setBusy(true); setError(null); setDone(null);
    try {
      const u = await api('POST', '/users', body);
      setDone(u);
      // Role and unit stay: an admin usually enters several people of one village in a row.
      for (const n of ['login', 'display_name', 'phone', 'password']) form.elements[n].value = '';
      form.elements.login.focus();
      onCreated();
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return html`<form class="stack create" data-testid="user-create-form" onSubmit=${submit}>
    <div class="grid2">
      <label>${t('users.login')}<input name="login" required autocapitalize="none"
        spellcheck="false" autocomplete="off" maxlength="64" /></label>
      <label>${t('users.display_name')}<input name="display_name" required maxlength="64" /></label>
      <label>${t('users.role')}<select name="role" required value=${role}
          onChange=${(e) => setRole(e.target.value)}>
        ${ROLES.map((r) => html`<option value=${r}>${roleName(r)}</option>`)}
      </select></label>
      <label>${t('users.org')}<${OrgSelect} orgs=${orgs} name="org_id" required value=${org}
        onChange=${setOrg} /></label>
      <label>${t('users.phone')}<input name="phone" type="tel" inputmode="tel" maxlength="20"
        autocomplete="off" /></label>
      <label>${t('users.initial_password')}<input name="password" type="password" required
        autocomplete="new-password" minlength="8" /></label>
    </div>
    <${ErrorBox} error=${error} />
    ${done && html`<p class="ok" role="status" data-testid="user-create-ok">
      ${t('users.created', { login: done.login })}</p>`}
    <button class="btn btn-primary" data-testid="user-create-submit" disabled=${busy}>
      ${t('users.create')}</button>
  </form>`;
}

function UserItem({ u: initial, me }) {
  // The server's answer to our own change wins until the list is reloaded.
  const [patched, setPatched] = useState(null);
  const u = patched && patched.id === initial.id ? patched : initial;
  const [open, setOpen] = useState(false);
  const admin = canWrite(me.user.role);

  return html`<li class=${'item' + (u.disabled ? ' disabled' : '')} data-testid="user-item"
      data-login=${u.login}>
    <div class="item-main">
      <div>
        <strong>${u.display_name}</strong> <span class="muted mono">${u.login}</span>
        <div class="meta">
          <span class=${'badge role-' + u.role}>${roleName(u.role)}</span>
          <span>${u.org_name}</span>
          ${u.phone && html`<span class="mono">${u.phone}</span>`}
          ${u.disabled && html`<span class="badge warn">${t('users.disabled')}</span>`}
          ${u.totp_enabled && html`<span class="badge">${t('users.totp')}</span>`}
        </div>
      </div>
      <button type="button" class="btn btn-ghost" aria-expanded=${open}
        data-testid="user-more" onClick=${() => setOpen(!open)}>${open ? t('common.close') : t('common.more')}</button>
    </div>
    ${open && html`<${UserPanel} u=${u} admin=${admin} me=${me}
      onUpdated=${setPatched} />`}
  </li>`;
}

function UserPanel({ u, admin, me, onUpdated }) {
  const [mode, setMode] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [msg, setMsg] = useState(null);
  const [phone, setPhone] = useState(null);

  async function run(fn) {
    setBusy(true); setError(null); setMsg(null);
    try { await fn(); } catch (e) { setError(e); } finally { setBusy(false); }
  }
  const toggleDisabled = () => run(async () => {
    onUpdated(await api('PATCH', '/users/' + u.id, { disabled: !u.disabled }));
  });
  const reset = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    run(async () => {
      await api('POST', `/users/${u.id}/password`, { password: formData(form).password });
      setMode(null); setMsg(t('users.password_reset_done'));
    });
  };
  const reveal = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    run(async () => {
      const r = await api('POST', `/users/${u.id}/reveal`, { password: formData(form).password });
      setMode(null); setPhone(r.phone);
    });
  };
  const tab = (m, label) => html`<button type="button" data-testid=${'user-' + m}
      class=${'btn' + (mode === m ? ' btn-primary' : '')} onClick=${() => setMode(mode === m ? null : m)}>
      ${label}</button>`;

  return html`<div class="panel" data-testid="user-panel">
    <dl class="facts small">
      <dt>${t('users.created_at')}</dt><dd>${fmtTime(u.created_at)}</dd>
      <dt>${t('users.last_login')}</dt><dd>${fmtTime(u.last_login_at)}</dd>
      ${phone && html`<dt>${t('users.phone')}</dt><dd class="mono" data-testid="revealed-phone">${phone}</dd>`}
    </dl>
    <div class="actions">
      ${admin && u.id !== me.user.id && html`<button type="button" class="btn" disabled=${busy}
        data-testid="user-toggle-disabled" onClick=${toggleDisabled}>
        ${u.disabled ? t('users.enable') : t('users.disable')}</button>`}
      ${admin && tab('reset', t('users.reset_password'))}
      ${admin && u.phone && !phone && tab('reveal', t('users.reveal_phone'))}
      ${canSee(me.user.role, 'audit') && html`<a class="btn"
        href=${'#/audit' + query({ entity: 'user', entity_id: u.id })}>${t('users.history')}</a>`}
    </div>
    ${mode === 'reset' && html`<form class="stack" data-testid="user-reset-form" onSubmit=${reset}>
      <label>${t('users.new_password')}<input name="password" type="password" required minlength="8"
        autocomplete="new-password" /></label>
      <button class="btn btn-primary" disabled=${busy}>${t('users.reset_password')}</button>
    </form>`}
    ${mode === 'reveal' && html`<form class="stack" data-testid="user-reveal-form" onSubmit=${reveal}>
      <p class="muted small">${t('users.reveal_hint')}</p>
      <label>${t('users.your_password')}<input name="password" type="password" required
        autocomplete="current-password" /></label>
      <button class="btn btn-primary" disabled=${busy}>${t('users.reveal_phone')}</button>
    </form>`}
    ${msg && html`<p class="ok" role="status">${msg}</p>`}
    <${ErrorBox} error=${error} />
  </div>`;
}
