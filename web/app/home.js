import { html } from 'htm/preact';
import { t } from './i18n.js';
import { roleName, levelName, loadOrgs, orgPath, useLoad, canSee, fmtTime } from './ui.js';
import { TargetsSummary } from './targets.js';

// Quick links by role; the nav bar has them too, these are the big buttons.
const TITLE = { org: 'org.title', users: 'users.title', audit: 'audit.title', sessions: 'sessions.page',
  households: 'hh.title', map: 'map.title', my: 'my.title', overdue: 'overdue.title' };
const HREF = { overdue: '#/visits/overdue' };
const QUICK = {
  admin: ['households', 'map', 'overdue', 'org', 'users', 'audit'],
  auditor: ['audit'],
  official: ['households', 'map', 'overdue', 'my'],
  secretary: ['households', 'map', 'overdue', 'my'],
  cadre: ['my', 'households', 'map'],
};
// Exit targets concern everyone who works on households.
const TARGET_ROLES = ['admin', 'official', 'secretary', 'cadre'];

export function HomePage({ me }) {
  const u = me.user;
  const orgs = useLoad(() => loadOrgs(), []);
  const path = orgs.data ? orgPath(orgs.data, u.org_id) : [];
  const node = path[path.length - 1];
  const quick = (QUICK[u.role] || []).filter((k) => canSee(u.role, k));

  return html`<section class="card hello">
      <h1 data-testid="home-name">${u.display_name}</h1>
      <dl class="facts">
        <dt>${t('home.role')}</dt><dd data-testid="home-role">${roleName(u.role)}</dd>
        <dt>${t('home.org')}</dt>
        <dd data-testid="home-org">${node
          ? html`${node.name} <span class="badge">${levelName(node.level)}</span>`
          : u.org_name || '—'}</dd>
        ${path.length > 1 && html`<dt>${t('home.path')}</dt>
          <dd data-testid="home-path" class="path">${path.map((o) => o.name).join(' / ')}</dd>`}
        <dt>${t('home.last_login')}</dt><dd>${fmtTime(u.last_login_at)}</dd>
        <dt>${t('home.totp')}</dt>
        <dd>${u.totp_enabled ? t('common.on') : html`<a href="#/sessions">${t('common.off')}</a>`}</dd>
      </dl>
    </section>
    ${u.role === 'villager' && html`<section class="quick">
      <a class="quick-link" href=${u.household_id ? '#/households/' + u.household_id : '#/households'}
          data-testid="quick-own-household">
        <strong>${t('home.own_household')}</strong><span>${t('home.quick.own_household')}</span></a>
    </section>`}
    ${TARGET_ROLES.includes(u.role) && html`<${TargetsSummary} me=${me} />`}
    ${quick.length > 0 && html`<section class="quick">
      ${quick.map((k) => html`<a class="quick-link" href=${HREF[k] || '#/' + k} data-testid=${'quick-' + k}>
        <strong>${t(TITLE[k])}</strong><span>${t('home.quick.' + k)}</span></a>`)}
    </section>`}
    <section class="quick">
      <a class="quick-link" href="#/sessions" data-testid="quick-sessions">
        <strong>${t(TITLE.sessions)}</strong><span>${t('home.quick.sessions')}</span></a>
    </section>`;
}
