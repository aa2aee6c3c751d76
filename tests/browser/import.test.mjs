// Browser test of the household import page: from the household list to #/import, the template
// links, an XLSX (built with tests/lib/xlsx.mjs) with one bad row checked ("validate only") and
// refused ("import": nothing written, the bad row and its reason shown, the report offered), then
// "import valid rows only" writing the rest; and the list's export links carrying its filters.
// Starts its own demo server unless XC_BASE_URL is given and fails on any console error.
// XC_SCREENSHOT_DIR, when set, receives 390x844 screenshots (prefix "imp-").
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { setup, text } from './browser.mjs';
import { xlsx, XLSX_TYPE } from '../lib/xlsx.mjs';

const web = setup({ shotPrefix: 'imp-' });
const { skip, phone, shot, logIn, apiAs } = web;

// A valid GB 11643 number; random sequence digits and birth day so reruns do not collide.
function idNumber(male = true) {
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  const seq = String(Math.floor(Math.random() * 500) * 2 + (male ? 1 : 0)).padStart(3, '0');
  const body = '511425' + '1978' + '06' + day + seq;   // never the demo's 511423
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * W[i], 0);
  return body + '10X98765432'[sum % 11];
}

const HEADER = ['户编号', '村组代码', '地址', '状态', '致贫原因', '成员姓名', '身份证号', '与户主关系', '健康状况'];

test('import page: a file with a bad row imports nothing; "valid rows only" imports the rest', { skip }, async () => {
  const admin = await apiAs('admin');
  const orgs = await admin('GET', '/org');
  assert.equal(orgs.status, 200);
  const group = (orgs.body.items || orgs.body).find((o) => o.level === 'group');
  assert.ok(group, 'the demo county has groups');
  const tag = Date.now().toString(36).toUpperCase();
  const a = `IMPA-${tag}`, b = `IMPB-${tag}`;
  const bad = idNumber(false);
  const badId = bad.slice(0, 17) + (bad[17] === '0' ? '1' : '0');     // wrong check digit
  const rows = [
    HEADER,
    [a, group.code, '一组1号', '贫困户', '因病', '张一', idNumber(), '户主', '健康'],
    [a, '', '', '', '', '李二', idNumber(false), '配偶', '健康'],
    [b, group.code, '一组2号', '监测户', '缺技术', '王三', idNumber(), '户主', '长期慢性病'],
    [b, '', '', '', '', '赵四', badId, '配偶', '健康'],                  // row 5: the bad row
  ];
  const file = { name: 'households.xlsx', mimeType: XLSX_TYPE, buffer: xlsx(rows) };
  const find = async (number) => {
    const r = await admin('GET', '/households?q=' + encodeURIComponent(number));
    assert.equal(r.status, 200);
    return r.body.items.find((h) => h.number === number);
  };

  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'admin');
    await page.getByTestId('nav-households').click();
    await page.getByTestId('hh-list').waitFor();
    // The list offers the exports with its filters.
    const xl = await page.getByTestId('hh-export-xlsx').getAttribute('href');
    assert.equal(xl, '/api/v1/households/export.xlsx');
    await page.getByTestId('hh-filter-status').selectOption('poor');
    await page.waitForURL(/status=poor/);
    await page.waitForFunction(() => /status=poor/.test(
      document.querySelector('[data-testid=hh-export-csv]')?.getAttribute('href') || ''));
    for (const [id, path] of [['hh-export-xlsx', 'households/export.xlsx'], ['hh-export-csv', 'households/export.csv'],
      ['hh-export-geojson', 'map/households']]) {
      const href = await page.getByTestId(id).getAttribute('href');
      assert.equal(href, `/api/v1/${path}?status=poor`);
    }
    const csv = await page.request.get(web.base + '/api/v1/households/export.csv?status=poor');
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'], /^text\/csv/);
    const geo = await page.request.get(web.base + '/api/v1/map/households?status=poor');
    assert.equal(geo.status(), 200);
    assert.ok((await geo.json()).features.every((f) => f.properties.status === 'poor'));
    await shot(page, '01-list-export');

    // From the list to the import page; the templates download with the session.
    await page.getByTestId('hh-import').click();
    await page.waitForURL(/#\/import$/);
    await page.getByTestId('import-page').waitFor();
    for (const [id, path, magic] of [['import-template-xlsx', 'template.xlsx', 'PK'], ['import-template-csv', 'template.csv', '']]) {
      const href = await page.getByTestId(id).getAttribute('href');
      assert.equal(href, '/api/v1/imports/' + path);
      const r = await page.request.get(web.base + href);
      assert.equal(r.status(), 200, path);
      if (magic) assert.equal((await r.body()).subarray(0, 2).toString(), magic);
    }
    assert.ok(await page.getByTestId('import-submit').isDisabled(), 'no file, no upload');
    await shot(page, '02-import-page');

    // Validate only: the counts say what an import would do, the bad row is listed, nothing written.
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-mode-validate').check();
    await page.getByTestId('import-submit').click();
    const job = page.getByTestId('import-job');
    await page.locator('[data-testid=import-job][data-status=done]').waitFor();
    assert.equal(await job.getAttribute('data-mode'), 'validate');
    assert.equal(await text(page.getByTestId('import-count-rows_bad')), '1');
    assert.equal(await text(page.getByTestId('import-count-households_created')), '2');
    assert.equal(await text(page.getByTestId('import-progress-text')), '4 / 4');
    await page.getByTestId('import-bad-row').first().waitFor();
    assert.equal(await page.getByTestId('import-bad-row').count(), 1);
    assert.equal(await find(a), undefined, 'validate writes nothing');

    // Import: refused as a whole because of the bad row.
    await page.getByTestId('import-mode-commit').check();
    await page.getByTestId('import-submit').click();
    await page.locator('[data-testid=import-job][data-status=rejected]').waitFor();
    assert.equal(await job.getAttribute('data-mode'), 'commit');
    const row = page.getByTestId('import-bad-row');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(await row.first().getAttribute('data-line'), '5');
    const cells = await row.first().locator('td').allTextContents();
    assert.equal(cells[1], '身份证号');
    assert.equal(cells[2], b);
    assert.match(cells[3], /身份证号码无效/);
    assert.equal(await text(page.getByTestId('import-count-households_created')), '0');
    const id = await job.getAttribute('data-id');
    const link = page.getByTestId('import-report-link');
    assert.equal(await link.getAttribute('href'), `/api/v1/imports/${id}/report.csv`);
    const rep = await page.request.get(web.base + `/api/v1/imports/${id}/report.csv`);
    assert.equal(rep.status(), 200);
    assert.match(await rep.text(), new RegExp(`5,[^,]*,${b},`));
    assert.equal(await find(a), undefined, 'a rejected import writes nothing');
    assert.equal(await find(b), undefined);
    await page.getByTestId('import-bad-rows').scrollIntoViewIfNeeded();
    await shot(page, '03-import-rejected');

    // Valid rows only: both households, b without its bad member.
    await page.getByTestId('import-mode-valid_only').check();
    await page.getByTestId('import-submit').click();
    await page.locator('[data-testid=import-job][data-status=done][data-mode=valid_only]').waitFor();
    assert.equal(await text(page.getByTestId('import-count-households_created')), '2');
    assert.equal(await text(page.getByTestId('import-count-members_created')), '3');
    assert.equal(await text(page.getByTestId('import-count-rows_bad')), '1');
    await page.getByTestId('import-bad-row').first().waitFor();
    await page.getByTestId('import-report-link').waitFor();
    assert.equal((await find(a)).members, 2);
    assert.equal((await find(b)).members, 1);
    await shot(page, '04-import-valid-only');

    // English: the page and the report's reasons follow the language.
    await page.getByTestId('lang-switch').click();
    await page.getByTestId('import-mode-valid_only').check();
    await page.getByTestId('import-submit').click();
    await page.locator('[data-testid=import-job][data-status=done]').waitFor();
    await page.getByTestId('import-bad-row').first().waitFor();
    assert.equal(await text(page.getByTestId('import-count-unchanged')), '3', 'the same file again changes nothing');
    assert.match((await page.getByTestId('import-bad-row').first().locator('td').allTextContents())[3],
      /Invalid national ID number/);
    assert.match(await text(page.getByTestId('import-submit')), /Upload/);
    await page.getByTestId('import-job').scrollIntoViewIfNeeded();
    await shot(page, '05-import-en');

    // Back to the list, which shows the new households.
    await page.getByTestId('import-to-list').click();
    await page.getByTestId('hh-filter-q').fill(tag);
    await page.getByTestId('hh-filter-submit').click();
    await page.locator(`[data-testid=hh-item][data-number="${b}"]`).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('import page: not for villagers', { skip }, async () => {
  const { context, page, errors } = await phone();
  try {
    await logIn(page, 'villager');
    await page.goto(web.base + '/#/import');
    await page.getByText(/页面不存在或无权访问/).waitFor();
    assert.equal(await page.getByTestId('import-page').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
