// import.test.mjs: household import from CSV and XLSX (validated row by row,
// run as a job, all-or-nothing unless "valid rows only", re-import changes
// nothing), its report in the request's language, bad files refused with clear
// codes, scope, restart recovery, the templates and the ledger export (CSV
// parsed, XLSX unzipped). The .xlsx files are built with the small zip writer in tests/lib/xlsx.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, stopServer, as, ROOT } from '../lib/server.mjs';
import { expectError, expectOk, landmarks, idNumber, uniq, sql } from './helpers.mjs';
import { zip, unzip, xlsx, XLSX_TYPE } from '../lib/xlsx.mjs';
import { parseCsv } from '../../web/app/csv.js';

let srv, admin, official, adminEn, T;

before(async () => {
  srv = await startServer();
  admin = await as(srv, 'admin');
  adminEn = await as(srv, 'admin', { lang: 'en' });
  official = await as(srv, 'official');
  T = await landmarks(admin);
  const code = (id) => T.list.find((o) => o.id === id).code;
  T.groupCode = code(T.group);                       // the villager's group, in the official's town
  T.villageCode = code(T.village);
  T.townCode = code(T.town);
  const hcVillage = T.list.find((o) => o.parent_id === T.hc);
  T.hcGroupCode = T.list.find((o) => o.parent_id === hcVillage.id).code;   // 洪川镇: outside the official's town
});

after(() => stopServer(srv));

// ---- files ----

const HEADER = ['户编号', '村组代码', '地址', '纬度', '经度', '状态', '状态日期', '致贫原因', '成员姓名', '身份证号', '与户主关系', '健康状况', '文化程度', '劳动能力', '联系电话'];

function csvField(v) {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function toCsv(rows, header = HEADER) {
  return '\ufeff' + [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

// A household of n members as rows; household columns on the first row only.
function household(number, org, { n = 2, lat = 29.735, lon = 103.275, status = '贫困户', causes = '因病、缺技术', ids } = {}) {
  const rels = ['户主', '配偶', '子女', '子女', '父母'];
  return Array.from({ length: n }, (_, i) => [
    number, i ? '' : org, i ? '' : '一组8号', i ? '' : lat, i ? '' : lon, i ? '' : status, '', i ? '' : causes,
    `成员${i}`, ids ? ids[i] : idNumber(), rels[i], i ? '长期慢性病' : '健康', '初中', '普通劳动力', i ? '' : '13912345678',
  ]);
}

// POST the raw file; returns the answer.
async function upload(c, body, { mode = 'commit', type = 'text/csv; charset=utf-8' } = {}) {
  const headers = { 'Accept-Language': c.lang, Cookie: c.cookie, 'X-CSRF-Token': c.csrf };
  if (type) headers['Content-Type'] = type;
  const res = await fetch(`${srv.base}/api/v1/imports${mode ? `?mode=${mode}` : ''}`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: text && (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : null };
}

// Wait for a job to finish; returns its final state.
async function finished(c, id) {
  for (let i = 0; i < 600; i++) {
    const j = expectOk(await c.get(`/api/v1/imports/${id}`), 200);
    assert.ok(j.rows_done <= j.rows_total, JSON.stringify(j));
    if (!['queued', 'running'].includes(j.status)) return j;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

// Upload, expect 202, wait: the final job.
async function run(c, body, opts) {
  const r = await upload(c, body, opts);
  const started = expectOk(r, 202);
  assert.equal(r.headers.get('location'), `/api/v1/imports/${started.id}`);
  return finished(c, started.id);
}

async function report(c, id) {
  const r = await c.get(`/api/v1/imports/${id}/report.csv`, { raw: true });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  return parseCsv(r.text);
}

const findHousehold = async (number) => {
  const list = expectOk(await admin.get(`/api/v1/households?q=${encodeURIComponent(number)}`), 200);
  return list.items.find((h) => h.number === number);
};
const auditTotal = async () => expectOk(await admin.get('/api/v1/audit?per_page=1'), 200).total;

// ---- tests ----

test('a good CSV imports households and members; the same file again changes nothing', async () => {
  const a = uniq('GA-'), b = uniq('GB-');
  const rowsB = household(b, T.villageCode, { n: 1, status: '监测户', causes: '因学' });
  const file = toCsv([...household(a, T.groupCode, { n: 3 }), ...rowsB]);
  const check = await run(admin, file, { mode: 'validate' });
  assert.equal(check.status, 'done');
  assert.deepEqual([check.rows_total, check.rows_bad, check.households_created, check.members_created], [4, 0, 2, 4]);
  assert.equal(await findHousehold(a), undefined, 'validate writes nothing');

  const before = await auditTotal();
  const job = await run(admin, file);
  assert.equal(job.status, 'done');
  assert.equal(job.mode, 'commit');
  assert.deepEqual([job.rows_total, job.rows_done, job.rows_bad, job.households_created, job.households_updated,
    job.members_created, job.members_updated, job.unchanged], [4, 4, 0, 2, 0, 4, 0, 0]);
  const ha = await findHousehold(a);
  assert.equal(ha.members, 3);
  assert.equal(ha.head_name, '成员0');
  assert.equal(ha.status, 'poor');
  assert.deepEqual(ha.causes.sort(), ['illness', 'skills']);
  assert.equal(ha.lat, 29.735);
  const hb = await findHousehold(b);
  assert.equal(hb.status, 'monitored');
  assert.deepEqual(hb.causes, ['schooling']);
  const full = expectOk(await admin.get(`/api/v1/households/${ha.id}`), 200);
  const m1 = full.members.find((m) => m.name === '成员1');
  assert.equal(m1.relation, 'spouse');
  assert.equal(m1.health, 'chronic');
  assert.match(m1.id_number, /^511\*{11}[0-9X]{4}$/);
  const afterFirst = await auditTotal();
  assert.ok(afterFirst > before);
  const audit = expectOk(await admin.get('/api/v1/audit?action=import.commit'), 200);
  assert.ok(audit.items.some((x) => x.entity === 'import_job' && x.entity_id === String(job.id)));

  // Re-import: nothing written, nothing audited.
  const again = await run(admin, file);
  assert.equal(again.status, 'done');
  assert.deepEqual([again.households_created, again.households_updated, again.members_created, again.members_updated,
    again.unchanged], [0, 0, 0, 0, 4]);
  assert.equal(await auditTotal(), afterFirst);
  assert.equal((await findHousehold(a)).members, 3);

  // One changed value: one update, one member.
  const changed = file.replace('成员2', '成员二');
  const upd = await run(admin, changed);
  assert.deepEqual([upd.households_updated, upd.members_updated, upd.members_created, upd.unchanged], [0, 1, 0, 3]);
  // A changed status: the household is updated and the change dated as given.
  rowsB[0][5] = '已脱贫';
  rowsB[0][6] = '2025-12-01';
  const st = await run(admin, toCsv(rowsB));
  assert.deepEqual([st.households_updated, st.members_updated, st.unchanged], [1, 0, 0]);
  const fb = expectOk(await admin.get(`/api/v1/households/${hb.id}`), 200);
  assert.equal(fb.status, 'exited');
  assert.ok(fb.status_history.some((s) => s.status === 'exited' && s.effective_date === '2025-12-01'), JSON.stringify(fb.status_history));
  assert.equal((await run(admin, toCsv(rowsB))).unchanged, 1);
});

test('household columns may repeat on every row; a differing repeat is a problem', async () => {
  const n = uniq('GR-');
  const rows = household(n, T.groupCode, { n: 2 });
  for (let c = 1; c <= 7; c++) rows[1][c] = rows[0][c];   // repeated on the second row
  rows[1][5] = 'poor';                                     // the same status in English
  rows[1][7] = '缺技术;因病';                               // the same causes in another order
  const ok = await run(admin, toCsv(rows));
  assert.deepEqual([ok.status, ok.rows_bad, ok.households_created, ok.members_created], ['done', 0, 1, 2]);

  const m = uniq('GC-');
  const bad = household(m, T.groupCode, { n: 2 });
  bad[1][2] = '另一个地址';
  const job = await run(admin, toCsv(bad));
  assert.equal(job.status, 'rejected');
  const rep = await report(admin, job.id);
  assert.deepEqual(rep[1].slice(0, 3), ['3', '地址', m]);
  assert.match(rep[1][3], /第 2 行/);
});

test('a good XLSX imports; the template workbook round-trips through the reader', async () => {
  const n = uniq('GX-');
  const rows = household(n, T.groupCode, { n: 2 });
  rows[0][3] = 29.74; rows[0][4] = 103.28;                 // coordinates as numbers
  rows[0][1] = Number(T.groupCode);                        // a division code typed as a number
  const file = xlsx([HEADER, [], ...rows]);                // an empty row between header and data
  const job = await run(admin, file, { type: XLSX_TYPE });
  assert.deepEqual([job.status, job.format, job.rows_total, job.rows_bad, job.households_created, job.members_created],
    ['done', 'xlsx', 2, 0, 1, 2]);
  const h = await findHousehold(n);
  assert.equal(h.lat, 29.74);
  // octet-stream: sniffed as a workbook
  const again = await run(admin, file, { type: 'application/octet-stream' });
  assert.equal(again.unchanged, 2);

  const tpl = await admin.get('/api/v1/imports/template.xlsx', { raw: true });
  assert.equal(tpl.status, 200);
  const resp = await fetch(`${srv.base}/api/v1/imports/template.xlsx`, { headers: { Cookie: admin.cookie } });
  const bytes = Buffer.from(await resp.arrayBuffer());
  const parts = unzip(bytes);
  assert.match(parts['xl/workbook.xml'].toString(), /台账/);
  assert.match(parts['xl/workbook.xml'].toString(), /填写说明/);
  // The empty template: header recognised, no rows.
  const up = await upload(admin, bytes, { type: XLSX_TYPE });
  expectError(up, 400, 'import_no_rows');
  const csvTpl = await admin.get('/api/v1/imports/template.csv', { raw: true });
  assert.equal(csvTpl.status, 200);
  assert.equal(parseCsv(csvTpl.text)[0][0], '户编号');
  const staticTpl = readFileSync(join(ROOT, 'web/templates/households.csv'), 'utf8');
  assert.ok(staticTpl.startsWith('\ufeff'), 'a BOM, so Excel reads UTF-8');
  assert.equal(staticTpl.slice(1), csvTpl.text, 'web/templates/households.csv is the template');   // fetch drops the BOM
  const enTpl = await adminEn.get('/api/v1/imports/template.csv', { raw: true });
  assert.equal(parseCsv(enTpl.text)[0][0], 'household_number');
  expectError(await upload(admin, csvTpl.text), 400, 'import_no_rows');
});

test('one bad row: commit imports nothing and the report names the row; valid_only imports the rest', async () => {
  const a = uniq('BA-'), b = uniq('BB-');
  const rows = [...household(a, T.groupCode, { n: 2 }), ...household(b, T.groupCode, { n: 2 })];
  const good = rows[3][9];
  rows[3][9] = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');   // a wrong check digit on line 5
  const file = toCsv(rows);
  const job = await run(admin, file);
  assert.equal(job.status, 'rejected');
  assert.deepEqual([job.rows_total, job.rows_bad, job.households_created, job.members_created], [4, 1, 0, 0]);
  assert.equal(await findHousehold(a), undefined);
  assert.equal(await findHousehold(b), undefined);
  const rep = await report(admin, job.id);
  assert.deepEqual(rep[0], ['行号', '列', '户编号', '问题']);
  assert.deepEqual(rep.slice(1).map((r) => r.slice(0, 3)), [['5', '身份证号', b]]);
  assert.match(rep[1][3], /身份证号码无效/);
  const repEn = await report(adminEn, job.id);
  assert.deepEqual(repEn[0], ['line', 'column', 'household_number', 'problem']);
  assert.deepEqual(repEn[1].slice(0, 2), ['5', 'id_number']);
  assert.match(repEn[1][3], /Invalid national ID number/);

  // Valid rows only: every good row, so b without its bad member.
  const part = await run(admin, file, { mode: 'valid_only' });
  assert.deepEqual([part.status, part.rows_bad, part.households_created, part.members_created], ['done', 1, 2, 3]);
  assert.equal((await findHousehold(a)).members, 2);
  assert.equal((await findHousehold(b)).members, 1);
  assert.equal((await report(admin, part.id)).length, 2);
  // The corrected file adds just the missing member.
  rows[3][9] = good;
  const fixed = await run(admin, toCsv(rows));
  assert.deepEqual([fixed.status, fixed.rows_bad, fixed.households_created, fixed.members_created, fixed.unchanged],
    ['done', 0, 0, 1, 3]);
  assert.equal((await findHousehold(b)).members, 2);
});

// A household whose own columns are wrong is left out whole.
test('a household with a bad household column is not imported at all', async () => {
  const a = uniq('BH-');
  const rows = household(a, T.groupCode, { n: 3 });
  rows[0][3] = 39.9; rows[0][4] = 116.4;   // Beijing
  const job = await run(admin, toCsv(rows), { mode: 'valid_only' });
  assert.deepEqual([job.rows_bad, job.households_created, job.members_created], [3, 0, 0]);
  const rep = await report(admin, job.id);
  assert.deepEqual(rep.slice(1).map((r) => r.slice(0, 2)), [['2', '纬度'], ['3', ''], ['4', '']]);
  assert.match(rep[2][3], /同一户第 2 行有错误/);
  assert.equal(await findHousehold(a), undefined);
});

test('duplicate ID numbers inside the file and against the database', async () => {
  const a = uniq('DA-'), b = uniq('DB-'), c = uniq('DC-');
  const aRows = household(a, T.groupCode, { n: 1 });
  assert.equal((await run(admin, toCsv(aRows))).households_created, 1);
  const taken = idNumber();
  const dupRows = household(b, T.groupCode, { n: 2, ids: [taken, taken] });
  const existing = household(c, T.groupCode, { n: 1, ids: [aRows[0][9]] });
  const job = await run(admin, toCsv([...dupRows, ...existing]));
  assert.equal(job.status, 'rejected');
  const rep = await report(admin, job.id);
  const byLine = Object.fromEntries(rep.slice(1).map((r) => [r[0], r]));
  assert.match(byLine['3'][3], /与第 2 行的身份证号重复/);
  assert.equal(byLine['3'][1], '身份证号');
  assert.match(byLine['4'][3], /已登记在其他户/);
  // The same member in the same household is no duplicate: a re-import.
  const same = await run(admin, toCsv(aRows));
  assert.equal(same.rows_bad, 0);
});

test('codes, coordinates, dates and values are checked row by row', async () => {
  const rowsOf = (number, patch) => {
    const r = household(number, T.groupCode, { n: 1 })[0];
    for (const [k, v] of Object.entries(patch)) r[Number(k)] = v;
    return r;
  };
  const cases = [
    [{ 1: '511423999999' }, '村组代码', /没有这个村组代码/],
    [{ 1: T.townCode }, '村组代码', /村或组的代码/],
    [{ 1: '5114231057' }, '村组代码', /12 位数字/],
    [{ 1: '' }, '村组代码', /必填项为空/],
    [{ 3: 103.275, 4: 29.735 }, '纬度', /不在本县范围内/],
    [{ 3: 39.9, 4: 116.4 }, '纬度', /不在本县范围内/],
    [{ 4: '' }, '经度', /同时填写/],
    [{ 3: '29.7N' }, '纬度', /不是有效的数字/],
    [{ 6: '2021-02-30' }, '状态日期', /日期无效/],
    [{ 6: '2099-01-01' }, '状态日期', /日期无效/],
    [{ 5: '小康户' }, '状态', /不是允许的取值：小康户/],
    [{ 7: '因病、懒惰' }, '致贫原因', /不是允许的取值：懒惰/],
    [{ 9: '5.11423197001E+17' }, '身份证号', /科学计数法/],
    [{ 9: '51142319700101123' }, '身份证号', /身份证号码无效/],
    [{ 10: '邻居' }, '与户主关系', /不是允许的取值/],
    [{ 10: '' }, '与户主关系', /必填项为空/],
    [{ 14: '1391234' }, '联系电话', /手机号码格式错误/],
    [{ 0: '户 1' }, '户编号', /字母、数字和连字符/],
    [{ 8: '' }, '成员姓名', /必填项为空/],
  ];
  const rows = cases.map(([patch], i) => rowsOf(uniq(`V${i}-`), patch));
  // these are fine: other spellings of good values
  const fine = [rowsOf(uniq('OK-'), { 5: 'exited', 6: '2025/6/1', 10: 'self', 11: 'healthy', 12: 'in school' }),
    rowsOf(uniq('OK-'), { 6: '45444', 7: 'illness; funds', 12: '大专', 13: '半劳动力' })];
  const two = household(uniq('TH-'), T.groupCode, { n: 2 });
  two[1][10] = '户主';
  const job = await run(admin, toCsv([...rows, ...fine, ...two]), { mode: 'valid_only' });
  const rep = await report(admin, job.id);
  for (const [i, [, col, reason]] of cases.entries()) {
    const line = String(i + 2);
    const hit = rep.find((r) => r[0] === line && r[1] === col);
    assert.ok(hit, `line ${line}: no problem in ${col}: ${JSON.stringify(rep.filter((r) => r[0] === line))}`);
    assert.match(hit[3], reason, `line ${line}`);
  }
  const headLine = String(cases.length + 2 + fine.length + 1);
  assert.ok(rep.some((r) => r[0] === headLine && /一户只能有一位户主/.test(r[3])), JSON.stringify(rep.slice(-3)));
  assert.equal(job.rows_bad, cases.length + 1);
  assert.equal(job.households_created, fine.length + 1);
  const ok = await findHousehold(fine[0][0]);
  assert.equal(ok.status, 'exited');
});

test('rows outside the caller\'s subtree are bad rows', async () => {
  const mine = uniq('SA-'), theirs = uniq('SB-');
  const file = toCsv([...household(mine, T.groupCode, { n: 1 }), ...household(theirs, T.hcGroupCode, { n: 1, lat: 29.9, lon: 103.37 })]);
  const job = await run(official, file, { mode: 'valid_only' });
  assert.deepEqual([job.rows_bad, job.households_created], [1, 1]);
  const rep = await report(official, job.id);
  assert.deepEqual(rep[1].slice(0, 3), ['3', '村组代码', theirs]);
  assert.match(rep[1][3], /超出您的管辖范围/);
  // a stored household of 洪川镇 named by its number
  const other = uniq('SC-');
  expectOk(await admin.post('/api/v1/households', { number: other, org_id: T.list.find((o) => o.code === T.hcGroupCode).id }), 201);
  const job2 = await run(official, toCsv(household(other, T.groupCode, { n: 1 })));
  assert.equal(job2.status, 'rejected');
  assert.match((await report(official, job2.id))[1][3], /超出您的管辖范围/);
  // jobs are seen within scope: the admin's job is not the official's
  const adminJob = await run(admin, file, { mode: 'validate' });
  expectError(await official.get(`/api/v1/imports/${adminJob.id}`), 403, 'out_of_scope');
  expectError(await official.get(`/api/v1/imports/${adminJob.id}/report.csv`), 403, 'out_of_scope');
  expectOk(await admin.get(`/api/v1/imports/${job.id}`), 200);
  expectError(await admin.get('/api/v1/imports/999999'), 404, 'not_found');
  const villager = await as(srv, 'villager');
  expectError(await upload(villager, file), 403, 'forbidden');
  const auditor = await as(srv, 'auditor');
  expectError(await auditor.get('/api/v1/imports/template.csv'), 403, 'forbidden');
});

test('bad files are refused at once with clear codes', async () => {
  const good = toCsv(household(uniq('X-'), T.groupCode, { n: 1 }));
  expectError(await upload(admin, ''), 400, 'import_empty_file');
  expectError(await upload(admin, Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x90, 0xc3, 0x28])), 400, 'import_not_utf8');
  expectError(await upload(adminEn, Buffer.from('户编号,成员姓名\n', 'latin1')), 400, 'import_not_utf8', { lang: 'en' });
  expectError(await upload(admin, Buffer.from('garbage bytes, not a workbook'), { type: XLSX_TYPE }), 400, 'import_not_xlsx');
  expectError(await upload(admin, zip({ 'word/document.xml': '<w/>' }), { type: XLSX_TYPE }), 400, 'import_not_xlsx');
  expectError(await upload(admin, zip({ 'readme.txt': 'hello' })), 400, 'import_not_xlsx');
  expectError(await upload(admin, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.alloc(60)])), 400, 'import_xls_unsupported');
  const broken = xlsx([HEADER]);
  broken[broken.length - 30] ^= 0xff;   // damage the central directory
  const r = await upload(admin, broken, { type: XLSX_TYPE });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.code, /^import_(not|bad)_xlsx$/);
  const e = expectError(await upload(admin, toCsv([['x']], HEADER.filter((h) => h !== '身份证号'))), 400, 'import_missing_column');
  assert.match(e.message, /身份证号/);
  expectError(await upload(admin, toCsv([], [...HEADER, '户编号'])), 400, 'import_duplicate_column');
  expectError(await upload(admin, '\ufeff\r\n\r\n'), 400, 'import_no_header');
  expectError(await upload(admin, '户编号,"成员姓名\n1,2\n'), 400, 'import_bad_csv');
  expectError(await upload(admin, good, { type: 'application/json' }), 415, 'import_unsupported_type');
  expectError(await upload(admin, good, { mode: 'bogus' }), 400, 'invalid_value');
  // Windows browsers call a .csv application/vnd.ms-excel; no type at all works too
  expectOk(await upload(admin, good, { mode: 'validate', type: 'application/vnd.ms-excel' }), 202);
  expectOk(await upload(admin, good, { mode: 'validate', type: null }), 202);
  // English headers and values
  const en = toCsv([[uniq('EN-'), T.groupCode, 'Group 1', '', '', 'monitored', '', 'illness;land', 'Zhang San', idNumber(), 'self', 'chronic', 'primary', 'partial', '']],
    ['household_number', 'org_code', 'address', 'lat', 'lon', 'status', 'status_date', 'causes', 'name', 'id_number', 'relation', 'health', 'education', 'labour', 'phone']);
  const job = await run(adminEn, en);
  assert.deepEqual([job.status, job.households_created, job.members_created], ['done', 1, 1]);
});

test('an import left unfinished by a stopped server is failed', async () => {
  const adminId = T.user('admin').id;
  sql(srv, `INSERT INTO import_job (user_id, org_path, mode, format, status, rows_total, instance, created_at, updated_at)
            VALUES (${adminId}, '/1/', 'commit', 'csv', 'running', 10, 'gone', 1, 1)`);
  const id = Number(sql(srv, 'SELECT MAX(id) FROM import_job').trim());
  const j = expectOk(await admin.get(`/api/v1/imports/${id}`), 200);
  assert.equal(j.status, 'failed');
  assert.equal(j.error.code, 'import_interrupted');
  assert.equal(sql(srv, `SELECT status FROM import_job WHERE id = ${id}`).trim(), 'failed');
  const rep = await report(admin, id);
  assert.equal(rep.length, 1);
});

test('a larger file runs as a job with progress', async () => {
  const rows = [];
  for (let i = 0; i < 400; i++) rows.push(...household(uniq('P-'), T.groupCode, { n: 3 }));
  const r = await upload(admin, toCsv(rows));
  const started = expectOk(r, 202);
  assert.equal(started.rows_total, 1200);
  const seen = new Set();
  let j;
  for (let i = 0; i < 1200; i++) {
    j = expectOk(await admin.get(`/api/v1/imports/${started.id}`), 200);
    seen.add(j.status);
    if (!['queued', 'running'].includes(j.status)) break;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  assert.equal(j.status, 'done', JSON.stringify(j));
  assert.deepEqual([j.rows_done, j.households_created, j.members_created], [1200, 400, 1200]);
  assert.ok(seen.has('done'));
  assert.equal((await report(admin, started.id)).length, 1);
});

test('the ledger exports as CSV and XLSX with the list\'s filters, masked', async () => {
  const n = uniq('EX-');
  await run(admin, toCsv(household(n, T.groupCode, { n: 2, status: '监测户' })));
  const r = await admin.get(`/api/v1/households/export.csv?q=${n}`, { raw: true });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-disposition'), /attachment; filename="xiangcun-households-\d{8}\.csv"/);
  const rows = parseCsv(r.text);
  assert.equal(rows[0][0], '户编号');
  const data = rows.slice(1).filter((x) => x[0] === n);
  assert.equal(data.length, 2);
  const col = (name) => rows[0].indexOf(name);
  assert.equal(data[0][col('状态')], '监测户');
  assert.match(data[0][col('身份证号')], /^511\*{11}[0-9X]{4}$/);
  assert.equal(data[0][col('联系电话')], '139****5678');
  assert.equal(data[0][col('与户主关系')], '户主');
  // filters: another status finds nothing of it
  const none = parseCsv((await admin.get(`/api/v1/households/export.csv?q=${n}&status=exited`, { raw: true })).text);
  assert.equal(none.length, 1);
  const en = parseCsv((await adminEn.get(`/api/v1/households/export.csv?q=${n}`, { raw: true })).text);
  assert.equal(en[0][0], 'household_number');
  assert.equal(en[1][en[0].indexOf('status')], 'monitored');

  const resp = await fetch(`${srv.base}/api/v1/households/export.xlsx?q=${n}`, { headers: { Cookie: admin.cookie } });
  assert.equal(resp.status, 200);
  assert.equal(resp.headers.get('content-type'), XLSX_TYPE);
  const parts = unzip(Buffer.from(await resp.arrayBuffer()));
  assert.match(parts['xl/workbook.xml'].toString(), /name="台账"/);
  const sheet = parts['xl/worksheets/sheet1.xml'].toString();
  assert.ok(sheet.includes(n), 'the sheet holds the household number');
  assert.match(sheet, /<pane [^>]*ySplit="1"/, 'the header row is frozen');
  assert.ok(!/511423\d{11}[0-9X]/.test(sheet), 'no full ID number');
  // the exported workbook reads back through the importer (masked IDs are refused, rows found)
  const back = await run(admin, Buffer.from(await (await fetch(`${srv.base}/api/v1/households/export.xlsx?q=${n}`, { headers: { Cookie: admin.cookie } })).arrayBuffer()), { type: XLSX_TYPE, mode: 'validate' });
  assert.equal(back.rows_total, 2);
  assert.equal(back.rows_bad, 2);
  // a villager exports only their own household; an official outside their town is refused
  const villager = await as(srv, 'villager');
  const vrows = parseCsv((await villager.get('/api/v1/households/export.csv', { raw: true })).text).slice(1);
  assert.ok(vrows.length >= 1);
  assert.equal(new Set(vrows.map((x) => x[0])).size, 1);
  expectError(await official.get(`/api/v1/households/export.csv?org_id=${T.hc}`), 403, 'out_of_scope');
  const audit = expectOk(await admin.get('/api/v1/audit?action=household.export'), 200);
  assert.ok(audit.total >= 3);
});
