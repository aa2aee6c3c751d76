// This year's exit targets (脱贫目标) against progress, for the signed-in user's part of the
// county, rolled up county → town → village (GET /api/v1/targets). Plain HTML bars.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, query } from './api.js';
import { t } from './i18n.js';
import { useLoad, ErrorBox, Loading, levelName, formData } from './ui.js';

export const canSetTargets = (role) => role === 'admin' || role === 'official';

// Nodes into a forest by parent_id (roots: nodes whose parent is not in the answer).
function forest(nodes) {
  const byId = new Map(nodes.map((n) => [n.org_id, { ...n, children: [] }]));
  const roots = [];
  for (const n of byId.values()) {
    const p = byId.get(n.parent_id);
    if (p) p.children.push(n); else roots.push(n);
  }
  return roots;
}

// A node without a target of its own shows the sum of its children's, marked as such.
function effectiveTarget(n) {
  if (n.target) return { ...n.target, summed: false };
  let households = 0, people = 0, any = false;
  for (const c of n.children) {
    const ct = effectiveTarget(c);
    if (ct) { households += ct.households || 0; people += ct.people || 0; any = true; }
  }
  return any ? { households, people, summed: true } : null;
}

function Bar({ done, goal, label, testid }) {
  const pct = goal ? Math.round((100 * done) / goal) : null;
  const width = pct === null ? 0 : Math.min(100, pct);
  return html`<div class="tbar" data-testid=${testid}>
    <div class="tbar-label"><span>${label}</span>
      <span class="tbar-num"><strong>${done ?? 0}</strong>${goal ? html` / ${goal}` : ''}
        ${pct !== null && html` <span class=${'tbar-pct' + (pct >= 100 ? ' done' : '')}>${pct}%</span>`}</span></div>
    <div class="bar-track" role="progressbar" aria-valuemin="0" aria-valuemax=${goal || 0} aria-valuenow=${done || 0}
      aria-label=${label}>
      <span class=${'bar-fill' + (pct !== null && pct >= 100 ? ' ok-fill' : '')} style=${`width:${width}%`}></span>
    </div>
  </div>`;
}

function NodeRow({ n, year, edit, onSaved, depth }) {
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const tg = effectiveTarget(n);
  const ex = n.exited || { households: 0, people: 0 };

  async function save(e) {
    e.preventDefault();
    const v = formData(e.currentTarget);
    setBusy(true); setError(null);
    try {
      await api('PUT', `/targets/${n.org_id}/${year}`, { households: Number(v.households), people: Number(v.people) });
      setEditing(false);
      onSaved();
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  const body = html`<div class=${'trow depth-' + depth} data-testid="target-row" data-org=${n.org_id}>
    <div class="trow-head">
      <strong>${n.name}</strong> <span class=${'badge lvl-' + n.level}>${levelName(n.level)}</span>
      ${tg && tg.summed && html` <span class="muted small">${t('targets.summed')}</span>`}
      ${!tg && html` <span class="badge">${t('targets.none_set')}</span>`}
      ${edit && html`<button type="button" class="link-btn" data-testid="target-edit"
        onClick=${(e) => { e.preventDefault(); setEditing(!editing); }}>${editing ? t('common.close') : t('targets.set')}</button>`}
    </div>
    ${tg ? html`<${Bar} done=${ex.people} goal=${tg.people} label=${t('targets.people')} testid="target-people" />
      <${Bar} done=${ex.households} goal=${tg.households} label=${t('targets.households')} testid="target-households" />`
      : html`<div class="meta">${t('targets.exited_only', { people: ex.people || 0, households: ex.households || 0 })}</div>`}
    ${editing && html`<form class="inline" data-testid="target-form" onSubmit=${save}>
      <label>${t('targets.people')}<input name="people" type="number" min="0" required inputmode="numeric"
        defaultValue=${n.target ? n.target.people : ''} /></label>
      <label>${t('targets.households')}<input name="households" type="number" min="0" required inputmode="numeric"
        defaultValue=${n.target ? n.target.households : ''} /></label>
      <button class="btn btn-primary" disabled=${busy}>${t('common.save')}</button>
    </form>`}
    <${ErrorBox} error=${error} />
  </div>`;

  if (!n.children.length) return body;
  // Towns open by default; the long list of villages under each stays folded on a phone.
  const kids = n.children.map((c) => html`<${NodeRow} key=${c.org_id} n=${c} year=${year} edit=${edit}
    onSaved=${onSaved} depth=${depth + 1} />`);
  if (depth === 0) return html`${body}<div class="tkids">${kids}</div>`;
  return html`${body}<details class="tnode">
    <summary class="small">${t('targets.below', { n: n.children.length })}</summary>
    <div class="tkids">${kids}</div>
  </details>`;
}

export function TargetsSummary({ me }) {
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(thisYear);
  const data = useLoad(() => api('GET', '/targets' + query({ year })), [year]);
  const roots = data.data ? forest(data.data.nodes || []) : [];
  const edit = canSetTargets(me.user.role);
  return html`<section class="card targets" data-testid="targets">
    <div class="head-row">
      <h2>${t('targets.title', { year })}</h2>
      <select class="year-select" value=${year} aria-label=${t('hh.year')} data-testid="targets-year"
          onChange=${(e) => setYear(Number(e.target.value))}>
        ${[thisYear + 1, thisYear, thisYear - 1, thisYear - 2].map((y) => html`<option value=${y}>${y}</option>`)}
      </select>
    </div>
    ${data.loading && !data.data && html`<${Loading} />`}
    <${ErrorBox} error=${data.error} />
    ${roots.map((n) => html`<${NodeRow} key=${n.org_id} n=${n} year=${year} edit=${edit} onSaved=${data.reload} depth=${0} />`)}
    ${data.data && roots.length === 0 && html`<p class="muted">${t('common.none')}</p>`}
  </section>`;
}
