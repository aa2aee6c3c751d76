// Static checks of web/ that need no browser and no server: module syntax, the CSP-relevant
// shape of index.html, import-map targets, and that both languages have every string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = join(root, 'web', 'app');
const modules = readdirSync(app).filter((f) => f.endsWith('.js'));

test('every module parses as an ES module', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xc-check-'));
  try {
    for (const f of modules) {
      const copy = join(dir, f.replace(/\.js$/, '.mjs'));
      writeFileSync(copy, readFileSync(join(app, f)));
      execFileSync(process.execPath, ['--check', copy], { stdio: 'pipe' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('index.html: one inline script, the import map, and nothing CSP would block', () => {
  const page = readFileSync(join(root, 'web', 'index.html'), 'utf8');
  const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  const inline = scripts.filter((m) => m[2].trim() !== '');
  assert.equal(inline.length, 1, 'exactly one inline script');
  assert.match(inline[0][1], /type="importmap"/);
  assert.ok(scripts.some((m) => /type="module"/.test(m[1]) && /src="\/app\/main\.js"/.test(m[1])));
  assert.doesNotMatch(page, /\son[a-z]+\s*=/i, 'no inline event handlers');
  assert.doesNotMatch(page, /(src|href)="(https?:)?\/\//i, 'no external hosts');
  assert.match(page, /<html lang="zh-CN">/);
  assert.match(page, /<meta name="viewport"/);

  const map = JSON.parse(inline[0][2]).imports;
  for (const name of ['preact', 'preact/hooks', 'htm/preact']) assert.ok(map[name], name);
  for (const target of Object.values(map)) {
    assert.match(target, /^\/vendor\//);
    assert.ok(existsSync(join(root, 'node_modules', target.slice('/vendor/'.length))), target);
  }
});

test('modules import only mapped names and relative files', () => {
  const page = readFileSync(join(root, 'web', 'index.html'), 'utf8');
  const map = JSON.parse(page.match(/<script type="importmap">([\s\S]*?)<\/script>/)[1]).imports;
  for (const f of modules) {
    const src = readFileSync(join(app, f), 'utf8');
    for (const [, spec] of src.matchAll(/\bfrom\s+'([^']+)'/g)) {
      if (spec.startsWith('./')) assert.ok(existsSync(join(app, spec)), `${f}: ${spec}`);
      else assert.ok(map[spec], `${f}: bare import ${spec} is not in the import map`);
    }
  }
});

test('both dictionaries have the same keys and every literal t() key exists', () => {
  const src = readFileSync(join(app, 'i18n.js'), 'utf8');
  const dict = (name) => {
    const body = src.match(new RegExp(`const ${name} = \\{([\\s\\S]*?)\\n\\};`))[1];
    return new Set([...body.matchAll(/^\s*'([^']+)':/gm)].map((m) => m[1]));
  };
  const zh = dict('zh');
  const en = dict('en');
  assert.deepEqual([...zh].filter((k) => !en.has(k)), [], 'missing in en');
  assert.deepEqual([...en].filter((k) => !zh.has(k)), [], 'missing in zh');
  for (const f of modules) {
    const code = readFileSync(join(app, f), 'utf8');
    for (const [, key] of code.matchAll(/\bt\('([a-z_]+\.[a-z_.]*[a-z_])'[,)]/g)) {
      assert.ok(zh.has(key), `${f}: t('${key}') has no translation`);
    }
  }
});
