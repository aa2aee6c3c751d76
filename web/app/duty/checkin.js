// PLACEHOLDER until its owner lands it: the secretary's duty page.
import { html } from 'htm/preact';
import { t } from '../i18n.js';
export function DutyPage() { return html`<section class="card"><h1>${t('nav.duty')}</h1></section>`; }
