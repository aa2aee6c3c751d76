// PLACEHOLDER until its owner lands it: the supervisors' duty pages.
import { html } from 'htm/preact';
import { t } from '../i18n.js';
export function SupervisePage() { return html`<section class="card"><h1>${t('nav.supervise')}</h1></section>`; }
