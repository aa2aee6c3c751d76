import { html } from 'htm/preact';
import { useState, useMemo } from 'preact/hooks';
import { api } from './api.js';
import { t } from './i18n.js';
import { loadOrgs, forgetOrgs, useLoad, levelName, ErrorBox, Loading, OrgSelect,
  canSee, canWrite, formData } from './ui.js';

// A node's parent is always exactly one level up; the server refuses anything else.
const LEVELS = ['county', 'town', 'village', 'group'];
const parentLevel = (level) => LEVELS[LEVELS.indexOf(level) - 1];

function buildTree(orgs) {
  const ids = new Set(orgs.map((o) => o.id));
  const kids = new Map();
  const roots = [];
  for (const o of orgs) {
    if (ids.has(o.parent_id)) {
      if (!kids.has(o.parent_id)) kids.set(o.parent_id, []);
      kids.get(o.parent_id).push(o);
    } else roots.push(o);
  }
  const minDepth = orgs.length ? Math.min(...orgs.map((o) => o.depth)) : 0;
  return { roots, kids, minDepth, byId: new Map(orgs.map((o) => [o.id, o])) };
}

function descendants(tree, id) {
  const out = new Set([id]);
  const stack = [id];
  while (stack.length) {
    for (const c of tree.kids.get(stack.pop()) || []) { out.add(c.id); stack.push(c.id); }
  }
  return out;
}

// With a filter: the matching nodes and their ancestors, everything open.
function filterIds(tree, orgs, text) {
  const q = text.trim().toLowerCase();
  if (!q) return null;
  const keep = new Set();
  for (const o of orgs) {
    if (o.name.toLowerCase().includes(q) || o.code.includes(q)) {
      for (let n = o; n && !keep.has(n.id); n = tree.byId.get(n.parent_id)) keep.add(n.id);
    }
  }
  return keep;
}

export function OrgPage({ me }) {
  const load = useLoad(() => loadOrgs(), []);
  const orgs = load.data || [];
  const tree = useMemo(() => buildTree(orgs), [orgs]);
  const [open, setOpen] = useState({}); // id -> bool, overrides the default
  const [selected, setSelected] = useState(null);
  const [filter, setFilter] = useState('');
  const keep = useMemo(() => filterIds(tree, orgs, filter), [tree, filter]);

  const isOpen = (o) => keep ? true : open[o.id] ?? (o.depth - tree.minDepth < 2);
  const toggle = (o) => setOpen({ ...open, [o.id]: !isOpen(o) });
  const changed = (node, openId) => {
    forgetOrgs();
    if (openId) setOpen({ ...open, [openId]: true });
    if (node) setSelected(node.id);
    load.reload();
  };

  const rows = [];
  const walk = (list) => {
    for (const o of list) {
      if (keep && !keep.has(o.id)) continue;
      rows.push(o);
      if (tree.kids.has(o.id) && isOpen(o)) walk(tree.kids.get(o.id));
    }
  };
  walk(tree.roots);

  return html`<section class="card">
    <h1>${t('org.title')}</h1>
    <input type="search" class="filter" placeholder=${t('org.filter')} value=${filter}
      data-testid="org-filter" onInput=${(e) => setFilter(e.target.value)} />
    ${load.loading && !load.data && html`<${Loading} />`}
    <${ErrorBox} error=${load.error} />
    <ul class="tree" data-testid="org-tree" role="tree">
      ${rows.map((o) => html`<${Node} key=${o.id} o=${o} tree=${tree} orgs=${orgs} me=${me}
        open=${isOpen(o)} onToggle=${() => toggle(o)} selected=${selected === o.id}
        onSelect=${() => setSelected(selected === o.id ? null : o.id)} onChanged=${changed} />`)}
    </ul>
    ${!load.loading && keep && rows.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
  </section>`;
}

function Node({ o, tree, orgs, me, open, onToggle, selected, onSelect, onChanged }) {
  const kids = tree.kids.get(o.id) || [];
  const indent = (o.depth - tree.minDepth) * 1.1;
  return html`<li role="treeitem" aria-expanded=${kids.length ? open : undefined}
      aria-selected=${selected} data-testid="org-node" data-code=${o.code}>
    <div class=${'node-row' + (selected ? ' selected' : '')} style=${{ paddingLeft: indent + 'rem' }}>
      ${kids.length
        ? html`<button type="button" class="twisty" aria-label=${t(open ? 'org.collapse' : 'org.expand')}
            onClick=${onToggle}>${open ? '▾' : '▸'}</button>`
        : html`<span class="twisty" />`}
      <button type="button" class="node-name" onClick=${onSelect}>${o.name}</button>
      <span class=${'badge lvl-' + o.level}>${levelName(o.level)}</span>
      ${kids.length > 0 && !open && html`<span class="muted small">${t('org.children', { n: kids.length })}</span>`}
    </div>
    ${selected && html`<${NodePanel} indent=${indent} o=${o} tree=${tree} orgs=${orgs} me=${me} onChanged=${onChanged} />`}
  </li>`;
}

function NodePanel({ indent, o, tree, orgs, me, onChanged }) {
  const [mode, setMode] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [newParent, setNewParent] = useState(o.parent_id);
  const admin = canWrite(me.user.role);
  const parent = tree.byId.get(o.parent_id);

  async function send(method, path, body, after) {
    setBusy(true);
    setError(null);
    try {
      const node = await api(method, path, body);
      setMode(null);
      after(node);
    } catch (e) { setError(e); } finally { setBusy(false); }
  }
  function add(e) {
    e.preventDefault();
    const f = formData(e.currentTarget);
    send('POST', '/org', { parent_id: o.id, code: f.code.trim(), name: f.name.trim() },
      () => onChanged(null, o.id));
  }
  function rename(e) {
    e.preventDefault();
    const f = formData(e.currentTarget);
    const body = {};
    if (f.name.trim() !== o.name) body.name = f.name.trim();
    if (f.code.trim() !== o.code) body.code = f.code.trim();
    if (!Object.keys(body).length) return setMode(null);
    send('PATCH', '/org/' + o.id, body, (n) => onChanged(n));
  }
  function move(e) {
    e.preventDefault();
    const pid = Number(newParent);
    send('PATCH', '/org/' + o.id, { parent_id: pid }, (n) => onChanged(n, pid));
  }
  const tab = (m, label) => html`<button type="button" data-testid=${'org-' + m}
      class=${'btn' + (mode === m ? ' btn-primary' : '')} onClick=${() => setMode(mode === m ? null : m)}>
      ${label}</button>`;

  return html`<div class="panel" data-testid="org-panel" style=${{ marginLeft: indent + 'rem' }}>
    <dl class="facts small">
      <dt>${t('org.code')}</dt><dd class="mono">${o.code}</dd>
      <dt>${t('org.level')}</dt><dd>${levelName(o.level)}</dd>
      ${parent && html`<dt>${t('org.parent')}</dt><dd>${parent.name}</dd>`}
    </dl>
    <div class="actions">
      ${canSee(me.user.role, 'users') && html`<a class="btn" href=${'#/users?org_id=' + o.id}>
        ${t('org.users_here')}</a>`}
      ${admin && o.level !== 'group' && tab('add', t('org.add_child'))}
      ${admin && tab('rename', t('org.rename'))}
      ${admin && o.parent_id && tab('move', t('org.move'))}
    </div>
    ${mode === 'add' && html`<form class="stack" data-testid="org-add-form" onSubmit=${add}>
      <label>${t('org.code')} <small class="muted">${t('org.code_hint')}</small>
        <input name="code" required pattern="[0-9]{12}" maxlength="12" inputmode="numeric"
          placeholder=${o.code} class="mono" /></label>
      <label>${t('org.name')}<input name="name" required maxlength="64" /></label>
      <button class="btn btn-primary" disabled=${busy}>${t('common.save')}</button>
    </form>`}
    ${mode === 'rename' && html`<form class="stack" data-testid="org-rename-form" onSubmit=${rename}>
      <label>${t('org.name')}<input name="name" required maxlength="64" defaultValue=${o.name} /></label>
      <label>${t('org.code')}<input name="code" required pattern="[0-9]{12}" maxlength="12"
        inputmode="numeric" defaultValue=${o.code} class="mono" /></label>
      <button class="btn btn-primary" disabled=${busy}>${t('common.save')}</button>
    </form>`}
    ${mode === 'move' && html`<form class="stack" data-testid="org-move-form" onSubmit=${move}>
      <label>${t('org.new_parent')}
        <${OrgSelect} orgs=${orgs.filter((x) => x.level === parentLevel(o.level))}
          label=${(x) => (tree.byId.get(x.parent_id) ? `${x.name}（${tree.byId.get(x.parent_id).name}）` : x.name)}
          name="parent_id" required value=${newParent}
          exclude=${descendants(tree, o.id)} onChange=${setNewParent} /></label>
      <p class="muted small">${t('org.move_hint')}</p>
      <button class="btn btn-primary" disabled=${busy}>${t('org.move')}</button>
    </form>`}
    <${ErrorBox} error=${error} />
  </div>`;
}
