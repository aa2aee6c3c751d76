// App shell: hash router, signed-in user, top bar with navigation, language and logout.
import { html, render } from 'htm/preact';
import { useState, useEffect } from 'preact/hooks';
import { api, setCsrf, maybeSignedIn, markSignedIn, onUnauthenticated } from './api.js';
import { t, onLangChange } from './i18n.js';
import { forgetOrgs, canSee, go, LangSwitch } from './ui.js';
import { LoginPage } from './login.js';
import { HomePage } from './home.js';
import { OrgPage } from './org.js';
import { UsersPage } from './users.js';
import { SessionsPage } from './sessions.js';
import { AuditPage } from './audit.js';

const PAGES = [
  { path: '/', key: 'home', view: HomePage },
  { path: '/org', key: 'org', view: OrgPage },
  { path: '/users', key: 'users', view: UsersPage },
  { path: '/audit', key: 'audit', view: AuditPage },
  { path: '/sessions', key: 'sessions', view: SessionsPage },
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', params: new URLSearchParams(qs || '') };
}

function TopBar({ me, route, onLogout }) {
  const links = PAGES.filter((p) => canSee(me.user.role, p.key)
    && (!me.must_enroll_totp || p.key === 'sessions'));
  return html`<header class="topbar">
    <div class="bar">
      <a class="brand" href="#/">${t('app.name')}</a>
      <span class="who" title=${me.user.login}>${me.user.display_name}</span>
      <${LangSwitch} />
      <button type="button" class="btn btn-ghost" data-testid="logout" onClick=${onLogout}>
        ${t('nav.logout')}</button>
    </div>
    <nav class="tabs" aria-label=${t('nav.label')}>
      ${links.map((p) => html`<a href=${'#' + p.path} data-testid=${'nav-' + p.key}
          aria-current=${route.path === p.path ? 'page' : undefined}>${t('nav.' + p.key)}</a>`)}
    </nav>
  </header>`;
}

function App() {
  const [route, setRoute] = useState(parseHash);
  const [, setLangTick] = useState(0);
  // undefined: not known yet; null: signed out; object: the /me answer.
  const [me, setMe] = useState(maybeSignedIn() ? undefined : null);

  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    addEventListener('hashchange', onHash);
    onLangChange(() => setLangTick((n) => n + 1));
    onUnauthenticated(() => { forgetOrgs(); setMe(null); });
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (me !== undefined) return;
    api('GET', '/me').then(signedIn, () => setMe(null));
  }, [me]);

  useEffect(() => {
    // Read the live hash: api.js may have redirected already, before our route state caught up.
    const live = parseHash();
    if (me === null && live.path !== '/login') {
      go('/login', live.path === '/' ? {} : { next: location.hash.replace(/^#/, '') });
    }
  }, [me, route.path]);

  // Until a required second factor is set up the server answers only the account endpoints.
  const enrolling = !!(me && me.must_enroll_totp);
  useEffect(() => {
    if (enrolling && route.path !== '/sessions') go('/sessions');
  }, [enrolling, route.path]);

  useEffect(() => { document.title = t('app.title'); });

  function signedIn(answer) {
    setCsrf(answer.csrf);
    markSignedIn(true);
    setMe(answer);
    return answer;
  }
  const refreshMe = () => api('GET', '/me').then(signedIn);

  async function logout() {
    try { await api('DELETE', '/session'); } catch { /* signed out either way */ }
    markSignedIn(false);
    setCsrf('');
    forgetOrgs();
    setMe(null);
    go('/login');
  }

  if (route.path === '/login') {
    return html`<${LoginPage} params=${route.params} onSignedIn=${signedIn} />`;
  }
  if (!me || (enrolling && route.path !== '/sessions')) {
    return html`<p class="boot">${t('common.loading')}</p>`;
  }
  const page = PAGES.find((p) => p.path === route.path);
  const View = page && canSee(me.user.role, page.key) ? page.view : NotFound;
  return html`
    <${TopBar} me=${me} route=${route} onLogout=${logout} />
    <main class="page">
      <${View} me=${me} params=${route.params} refreshMe=${refreshMe} />
    </main>`;
}

function NotFound() {
  return html`<section class="card"><h1>${t('common.not_found')}</h1>
    <p><a href="#/">${t('nav.home')}</a></p></section>`;
}

// Preact would try to reuse the static "loading" paragraph from index.html; start clean.
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
