// tests/browser/browser.mjs: what the browser tests share (not a test file itself).
//
//   const web = setup({ shotPrefix: 'hh-' });   // at the top of a test file
//   test('...', { skip: web.skip }, async () => {
//     const { context, page, errors } = await web.phone({ geo, allow });
//     await web.logIn(page, 'admin');
//     await web.shot(page, '01-home');
//     const admin = await web.apiAs('admin');
//     ...
//   });
//
// setup() registers before()/after() hooks that start a demo server through tests/lib/server.mjs
// (or use XC_BASE_URL, which then needs XC_DEMO_PASSWORD) and launch Chromium (XC_CHROMIUM, by
// default Debian's /usr/bin/chromium). web.base is only known once before() has run.
// XC_SCREENSHOT_DIR, when set, receives one 390x844 screenshot per shot() call.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { startServer, stopServer, DEMO_PASSWORD } from '../lib/server.mjs';

const TIMEOUT = 15000;

// The trimmed text of a locator.
export const text = async (loc) => (await loc.textContent()).trim();

export function setup({ shotPrefix = '' } = {}) {
  let BASE = (process.env.XC_BASE_URL || '').replace(/\/$/, '');
  const PASSWORD = BASE ? process.env.XC_DEMO_PASSWORD || '' : DEMO_PASSWORD;
  const SHOTS = process.env.XC_SCREENSHOT_DIR || '';
  const skip = BASE && !PASSWORD ? 'XC_DEMO_PASSWORD is needed with XC_BASE_URL' : false;
  let server = null;
  let browser;

  before(async () => {
    if (skip) return;
    if (!BASE) {
      server = await startServer();
      BASE = server.base;
    }
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: process.env.XC_CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run'],
    });
  });
  after(async () => {
    if (browser) await browser.close();
    if (server) await stopServer(server);
  });

  // A phone-sized page that records every console error and uncaught exception.
  // `geo` grants geolocation and sets the position; `allow(msg, where)` may excuse errors a
  // test provokes on purpose.
  async function phone({ geo, allow = () => false } = {}) {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      locale: 'zh-CN',
    });
    if (geo) {
      await context.grantPermissions(['geolocation'], { origin: BASE });
      await context.setGeolocation(geo);
    }
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const errors = [];
    page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location().url || '';
      if (/favicon/.test(where) || allow(msg.text(), where)) return;
      errors.push(`console: ${msg.text()} (${where})`);
    });
    return { context, page, errors };
  }

  async function shot(page, name) {
    if (!SHOTS) return;
    await page.evaluate(() => document.fonts && document.fonts.ready);
    await page.screenshot({ path: join(SHOTS, shotPrefix + name + '.png'), fullPage: false });
  }

  async function logIn(page, login) {
    await page.goto(BASE + '/');
    await page.getByTestId('login-form').waitFor();
    await page.getByTestId('login-input').fill(login);
    await page.getByTestId('password-input').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('nav-home').waitFor();
  }

  // Straight to the API, for setting up what a test needs: returns a JSON-calling function.
  async function apiAs(login, password = PASSWORD) {
    const res = await fetch(BASE + '/api/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login, password }),
    });
    assert.equal(res.status, 200, `API login as ${login}`);
    const cookie = res.headers.get('set-cookie').split(';')[0];
    const { csrf } = await res.json();
    return async (method, path, body) => {
      const r = await fetch(BASE + '/api/v1' + path, {
        method, body: body && JSON.stringify(body),
        headers: { cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    };
  }

  return {
    get base() { return BASE; },
    get password() { return PASSWORD; },
    get server() { return server; }, // the started server (null with XC_BASE_URL): its clock file
    skip, phone, shot, logIn, apiAs,
  };
}
