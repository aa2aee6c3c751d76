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
import { HouseholdsPage } from './households.js';
import { HouseholdPage } from './household.js';
import { MapPage } from './map.js';
import { ImportPage } from './import.js';
import { MyHouseholdsPage, OverduePage } from './visits.js';
import { DutyPage } from './duty/checkin.js';
import { SupervisePage } from './duty/supervise.js';

// `roles`: who sees the page (the server enforces the same on every request); pages without
// it follow ui.js canSee. `nav: false`: reached by links only. `:name` segments become args.
const HH_ROLES = ['admin', 'official', 'secretary', 'cadre'];
const SUPERVISORS = ['admin', 'official', 'auditor'];
const PAGES = [
  { path: '/', key: 'home', view: HomePage },
  { path: '/households', key: 'households', view: HouseholdsPage, roles: HH_ROLES },
  // A villager's list holds their own household only; the nav calls it "my household".
  { path: '/households', key: 'own_household', view: HouseholdsPage, roles: ['villager'] },
  { path: '/households/:id', key: 'household', view: HouseholdPage, nav: false,
    roles: [...HH_ROLES, 'villager'] },
  { path: '/import', key: 'import', view: ImportPage, nav: false, roles: HH_ROLES },
  { path: '/my', key: 'my', view: MyHouseholdsPage, roles: ['cadre', 'secretary', 'official'] },
  { path: '/map', key: 'map', view: MapPage, roles: HH_ROLES },
  { path: '/visits/overdue', key: 'overdue', view: OverduePage, roles: ['admin', 'official', 'secretary'] },
  // Duty supervision: the secretary's own page, and the supervisors' pages (?tab= inside).
  { path: '/duty', key: 'duty', view: DutyPage, roles: ['secretary'] },
  { path: '/supervise', key: 'supervise', view: SupervisePage, roles: SUPERVISORS },
  { path: '/org', key: 'org', view: OrgPage },
  { path: '/users', key: 'users', view: UsersPage },
  { path: '/audit', key: 'audit', view: AuditPage },
  { path: '/sessions', key: 'sessions', view: SessionsPage },
];

const visible = (role, p) => (p.roles ? p.roles.includes(role) : canSee(role, p.key));

// The page for a path, with the values of its :name segments.
function match(path, role) {
  const parts = path.split('/');
  for (const p of PAGES) {
    if (role && !visible(role, p) && PAGES.some((q) => q !== p && q.path === p.path && visible(role, q))) continue;
    const want = p.path.split('/');
    if (want.length !== parts.length) continue;
    const args = {};
    if (want.every((w, i) => (w.startsWith(':') ? (args[w.slice(1)] = decodeURIComponent(parts[i])) !== ''
      && /^\d+$/.test(parts[i]) : w === parts[i]))) return { page: p, args };
  }
  return { page: null, args: {} };
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', params: new URLSearchParams(qs || '') };
}

function TopBar({ me, route, onLogout }) {
  const links = PAGES.filter((p) => p.nav !== false && visible(me.user.role, p)
    && (!me.must_enroll_totp || p.key === 'sessions')).map((p) => ({ ...p }));
  // A villager's own household: straight to its page when the account names it.
  const own = links.find((p) => p.key === 'own_household');
  if (own && me.user.household_id) own.path = '/households/' + me.user.household_id;
  const current = (p) => route.path === p.path
    || (p.path === '/households' && (route.path.startsWith('/households/') || route.path === '/import'));
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
          aria-current=${current(p) ? 'page' : undefined}>${t('nav.' + p.key)}</a>`)}
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
  const { page, args } = match(route.path, me.user.role);
  const View = page && visible(me.user.role, page) ? page.view : NotFound;
  return html`
    <${TopBar} me=${me} route=${route} onLogout=${logout} />
    <main class=${'page page-' + (page ? page.key : 'none')}>
      <${View} key=${route.path} me=${me} params=${route.params} args=${args} refreshMe=${refreshMe} />
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
