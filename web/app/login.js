import { html } from 'htm/preact';
import { useState, useRef, useEffect } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { go, ErrorBox, LangSwitch } from './ui.js';

export function LoginPage({ params, onSignedIn }) {
  const [needOtp, setNeedOtp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const otpRef = useRef(null);

  useEffect(() => { if (needOtp && otpRef.current) otpRef.current.focus(); }, [needOtp]);

  async function submit(e) {
    e.preventDefault();
    const f = e.currentTarget.elements;
    const body = { login: f.login.value.trim(), password: f.password.value };
    if (needOtp) body.otp = f.otp.value.trim();
    setBusy(true);
    setError(null);
    try {
      const answer = await api('POST', '/session', body);
      onSignedIn(answer);
      const next = params.get('next');
      if (answer.must_enroll_totp) go('/sessions');
      else go(next && next.startsWith('/') && !next.startsWith('/login') ? next : '/');
    } catch (err) {
      if (err.code === 'otp_required') setNeedOtp(true);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return html`<main class="login">
    <div class="login-top"><${LangSwitch} /></div>
    <form class="card login-card" data-testid="login-form" onSubmit=${submit}>
      <h1>${t('app.name')}</h1>
      <p class="muted">${t('login.subtitle')}</p>
      <label>${t('login.login')}
        <input name="login" data-testid="login-input" autocomplete="username" required
          autocapitalize="none" spellcheck="false" /></label>
      <label>${t('login.password')}
        <input name="password" type="password" data-testid="password-input"
          autocomplete="current-password" required /></label>
      ${needOtp && html`<label>${t('login.otp')}
        <input name="otp" ref=${otpRef} data-testid="otp-input" inputmode="numeric"
          autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required /></label>`}
      <${ErrorBox} error=${error} testid="login-error" />
      <button class="btn btn-primary btn-block" data-testid="login-submit" disabled=${busy}>
        ${busy ? t('login.busy') : t('login.submit')}</button>
    </form>
  </main>`;
}
