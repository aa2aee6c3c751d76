// "My account": signed-in sessions, API tokens, two-factor setup, password change.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, markSignedIn } from './api.js';
import { t } from './i18n.js';
import { useLoad, itemsOf, fmtTime, ErrorBox, Loading, formData, go } from './ui.js';

// "WeChat · Android" says more to a village cadre than a raw User-Agent does.
export function shortUA(ua) {
  if (!ua) return '—';
  const app = [['MicroMessenger', t('ua.wechat')], ['DingTalk', t('ua.dingtalk')], ['Edg/', 'Edge'],
    ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']]
    .find(([k]) => ua.includes(k));
  const os = [['Android', 'Android'], ['iPhone', 'iOS'], ['iPad', 'iPadOS'], ['Windows', 'Windows'],
    ['Mac OS', 'macOS'], ['Linux', 'Linux']].find(([k]) => ua.includes(k));
  return [app && app[1], os && os[1]].filter(Boolean).join(' · ') || ua.slice(0, 40);
}

// One in-flight action at a time per section, with its error.
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (fn) => {
    setBusy(true); setError(null);
    try { return await fn(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return { busy, error, run };
}

export function SessionsPage({ me, refreshMe }) {
  const totp = html`<${Totp} me=${me} refreshMe=${refreshMe} />`;
  // Someone who must enrol sees that first; tokens wait until it is done (the server refuses them).
  return html`<h1 class="page-title">${t('sessions.page')}</h1>
    ${me.must_enroll_totp && totp}
    <${Sessions} />
    ${!me.must_enroll_totp && totp}
    ${!me.must_enroll_totp && html`<${Tokens} />`}
    <${Password} />`;
}

function Sessions() {
  const list = useLoad(() => api('GET', '/me/sessions').then(itemsOf), []);
  const act = useAction();
  const revoke = (s) => act.run(async () => {
    await api('DELETE', '/me/sessions/' + s.id);
    if (s.current) { markSignedIn(false); go('/login'); location.reload(); } else list.reload();
  });
  return html`<section class="card">
    <h2>${t('sessions.title')}</h2>
    ${list.loading && !list.data && html`<${Loading} />`}
    <${ErrorBox} error=${list.error || act.error} />
    <ul class="list" data-testid="session-list">
      ${(list.data || []).map((s) => html`<li class="item" data-testid="session-item"
          data-current=${s.current ? 'true' : 'false'}>
        <div class="item-main">
          <div>
            <strong>${s.current && html`<span class="badge ok-badge">${t('sessions.current')}</span> `}
              ${s.ip}</strong>
            <div class="meta small">
              <span>${t('sessions.created')} ${fmtTime(s.created_at)}</span>
              <span>${t('sessions.last_seen')} ${fmtTime(s.last_seen_at)}</span>
            </div>
            <div class="muted small ua" title=${s.user_agent}>${shortUA(s.user_agent)}</div>
          </div>
          <button type="button" class="btn" disabled=${act.busy} data-testid="session-revoke"
            onClick=${() => revoke(s)}>${s.current ? t('sessions.sign_out_here') : t('sessions.revoke')}</button>
        </div>
      </li>`)}
    </ul>
  </section>`;
}

function Tokens() {
  const list = useLoad(() => api('GET', '/me/tokens').then(itemsOf), []);
  const act = useAction();
  const [fresh, setFresh] = useState(null);
  const create = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    act.run(async () => {
      setFresh(await api('POST', '/me/tokens', { name: formData(form).name.trim() }));
      form.reset();
      list.reload();
    });
  };
  const revoke = (tok) => act.run(async () => {
    await api('DELETE', '/me/tokens/' + tok.id);
    if (fresh && fresh.id === tok.id) setFresh(null);
    list.reload();
  });
  return html`<section class="card">
    <h2>${t('tokens.title')}</h2>
    <p class="muted small">${t('tokens.hint')}</p>
    <form class="inline" data-testid="token-create-form" onSubmit=${create}>
      <input name="name" required maxlength="64" placeholder=${t('tokens.name')}
        aria-label=${t('tokens.name')} />
      <button class="btn btn-primary" disabled=${act.busy}>${t('tokens.create')}</button>
    </form>
    ${fresh && html`<div class="notice" data-testid="token-fresh">
      <p>${t('tokens.once')}</p>
      <input readonly class="mono secret" value=${fresh.token} onFocus=${(e) => e.target.select()} />
    </div>`}
    <${ErrorBox} error=${list.error || act.error} />
    <ul class="list" data-testid="token-list">
      ${(list.data || []).map((tok) => html`<li class="item"><div class="item-main">
        <div><strong>${tok.name}</strong>
          <div class="meta small">
            <span>${t('tokens.created')} ${fmtTime(tok.created_at)}</span>
            <span>${t('tokens.last_used')} ${fmtTime(tok.last_used_at)}</span>
          </div></div>
        <button type="button" class="btn" disabled=${act.busy} onClick=${() => revoke(tok)}>
          ${t('sessions.revoke')}</button>
      </div></li>`)}
    </ul>
    ${list.data && list.data.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
  </section>`;
}

// Groups of four make a base32 secret easier to type into a phone.
const grouped = (s) => s.replace(/(.{4})/g, '$1 ').trim();

function Totp({ me, refreshMe }) {
  const act = useAction();
  const [pending, setPending] = useState(null);
  const [msg, setMsg] = useState(null);
  const enabled = me.user.totp_enabled;

  const start = () => act.run(async () => { setMsg(null); setPending(await api('POST', '/me/totp')); });
  const confirm = (e) => {
    e.preventDefault();
    const code = formData(e.currentTarget).code.trim();
    act.run(async () => {
      await api('POST', '/me/totp/confirm', { code });
      setPending(null); setMsg(t('totp.enabled_done'));
      await refreshMe();
    });
  };
  const disable = (e) => {
    e.preventDefault();
    const password = formData(e.currentTarget).password;
    act.run(async () => {
      await api('DELETE', '/me/totp', { password });
      setMsg(t('totp.disabled_done'));
      await refreshMe();
    });
  };

  return html`<section class="card" data-testid="totp">
    <h2>${t('totp.title')}
      <span class=${'badge' + (enabled ? ' ok-badge' : '')}>${enabled ? t('common.on') : t('common.off')}</span></h2>
    ${me.must_enroll_totp && html`<p class="notice">${t('totp.must_enroll')}</p>`}
    ${!enabled && !pending && html`<p class="muted small">${t('totp.hint')}</p>
      <button type="button" class="btn btn-primary" data-testid="totp-start" disabled=${act.busy}
        onClick=${start}>${t('totp.start')}</button>`}
    ${pending && html`<ol class="steps">
        <li>${t('totp.step_app')}</li>
        <li>${t('totp.step_secret')}
          <div class="mono secret key" data-testid="totp-secret">${grouped(pending.secret)}</div>
          <details><summary>${t('totp.uri')}</summary>
            <div class="mono secret small">${pending.uri}</div></details></li>
        <li>${t('totp.step_code')}</li>
      </ol>
      <form class="inline" data-testid="totp-confirm-form" onSubmit=${confirm}>
        <input name="code" required inputmode="numeric" pattern="[0-9]{6}" maxlength="6"
          autocomplete="one-time-code" placeholder="123456" aria-label=${t('login.otp')} />
        <button class="btn btn-primary" disabled=${act.busy}>${t('totp.confirm')}</button>
      </form>`}
    ${enabled && html`<form class="inline" data-testid="totp-disable-form" onSubmit=${disable}>
      <input name="password" type="password" required autocomplete="current-password"
        placeholder=${t('users.your_password')} aria-label=${t('users.your_password')} />
      <button class="btn" disabled=${act.busy}>${t('totp.disable')}</button>
    </form>`}
    ${msg && html`<p class="ok" role="status">${msg}</p>`}
    <${ErrorBox} error=${act.error} />
  </section>`;
}

function Password() {
  const act = useAction();
  const [done, setDone] = useState(false);
  const submit = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = formData(form);
    act.run(async () => {
      setDone(false);
      await api('POST', '/me/password', { old_password: v.old_password, new_password: v.new_password });
      form.reset(); setDone(true);
    });
  };
  return html`<section class="card">
    <h2>${t('password.title')}</h2>
    <form class="stack" data-testid="password-form" onSubmit=${submit}>
      <label>${t('password.old')}<input name="old_password" type="password" required
        autocomplete="current-password" /></label>
      <label>${t('password.new')}<input name="new_password" type="password" required minlength="8"
        autocomplete="new-password" /></label>
      <button class="btn btn-primary" disabled=${act.busy}>${t('password.change')}</button>
    </form>
    ${done && html`<p class="ok" role="status">${t('password.done')}</p>`}
    <${ErrorBox} error=${act.error} />
  </section>`;
}
