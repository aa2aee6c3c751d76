#!/usr/bin/env node
// bench/import-csv.mjs: write a household import file (CSV, the template's
// header) of N member rows for bench/import.sh.
//
//   node bench/import-csv.mjs --rows N --template template.csv --org org.json --out import.csv
//
// template.csv is GET /api/v1/imports/template.csv (its header row is used as
// is, BOM included, so the file matches whatever the server's template is);
// org.json is GET /api/v1/org (the groups' codes and names). Prints
// {"rows","households","bytes"} on stdout.
//
// The data: households of 1-5 members (15/25/25/20/15%), numbered IM-0000001
// up, spread round-robin over the groups (组), each located at a random point
// of the county (lat 29.6-30.0, lon 103.05-103.55, inside the server's import
// box), status 35% poor / 50% exited / 15% monitored (exits and monitoring
// with a dated status change), one or two poverty causes; the household columns
// are on its first row only (the template allows either). Members: a head
// (mostly men), a spouse, then children, a parent or grandchildren, each with
// a birth year that fits the relation, health, education and labour ability
// that fit the age, and a mobile number for the head. ID numbers are valid
// GB 11643 numbers of Hongya county (511423), unique per row: the birth date
// plus a sequence number 300-999 (odd for men) counted per birth date, so they
// never collide with the demo's members (sequence < 300). Deterministic.
import fs from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []));
const rows = Number(args.rows);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive whole number');
if (!args.template || !args.org || !args.out) throw new Error('usage: --rows N --template FILE --org FILE --out FILE');

// ---- the header: the template's first line, columns matched by name (zh or en)
const template = fs.readFileSync(args.template, 'utf8');
const headerLine = template.split(/\r?\n/)[0];
const header = headerLine.replace(/^\ufeff/, '').split(',').map((h) => h.replace(/^"|"$/g, '').trim());
const KEYS = {
  户编号: 'number', household_number: 'number', 村组代码: 'org', org_code: 'org', 地址: 'address', address: 'address',
  纬度: 'lat', lat: 'lat', 经度: 'lon', lon: 'lon', 状态: 'status', status: 'status', 状态日期: 'status_date',
  status_date: 'status_date', 致贫原因: 'causes', causes: 'causes', 备注: 'notes', notes: 'notes', 成员姓名: 'name',
  name: 'name', 身份证号: 'id', id_number: 'id', 与户主关系: 'relation', relation: 'relation', 健康状况: 'health',
  health: 'health', 文化程度: 'education', education: 'education', 劳动能力: 'labour', labour: 'labour',
  联系电话: 'phone', phone: 'phone',
};
const cols = header.map((h) => KEYS[h] ?? null);
for (const need of ['number', 'org', 'name', 'id', 'relation'])
  if (!cols.includes(need)) throw new Error(`the template has no column for ${need}: ${headerLine}`);

// ---- the groups
const org = JSON.parse(fs.readFileSync(args.org, 'utf8'));
const byId = new Map(org.items.map((o) => [o.id, o]));
const groups = org.items.filter((o) => o.level === 'group').map((o) => ({
  code: o.code, address: (byId.get(o.parent_id)?.name ?? '') + o.name,
}));
if (!groups.length) throw new Error('no groups (组) in GET /api/v1/org');

// ---- a seeded PRNG (mulberry32)
let seed = 20261123;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const choose = (list) => list[Math.floor(rnd() * list.length)];
const weighted = (pairs) => {
  let x = rnd() * pairs.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of pairs) if ((x -= w) < 0) return v;
  return pairs[pairs.length - 1][0];
};

// ---- ID numbers (GB 11643): unique birth date + sequence, check digit
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const perDay = new Map();
const DAY = 86400000;
function idNumber(year, male) {
  let t = Date.UTC(year, 0, 1) + int(0, 364) * DAY;
  for (;;) {
    const d = new Date(t);
    const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
    const key = ymd + (male ? 'm' : 'f');
    const n = perDay.get(key) ?? 0;
    if (n < 350) {
      perDay.set(key, n + 1);
      const body = `511423${ymd}${String(300 + 2 * n + (male ? 1 : 0)).padStart(3, '0')}`;
      let sum = 0;
      for (let i = 0; i < 17; i++) sum += (body.charCodeAt(i) - 48) * W[i];
      return { id: body + '10X98765432'[sum % 11], year: d.getUTCFullYear() };
    }
    t += DAY;   // that day is full: the next one
  }
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹';
const GIVEN_M = ['建国', '志强', '德明', '永福', '国华', '明亮', '天佑', '家兴', '军', '伟', '刚', '勇', '海', '林', '成'];
const GIVEN_F = ['秀英', '桂兰', '玉梅', '淑芬', '丽娟', '春燕', '小红', '海燕', '芳', '静', '敏', '霞', '燕', '丽'];
const CAUSES = [['因病', 4], ['因残', 2], ['因学', 1], ['缺技术', 2], ['缺劳力', 2], ['缺资金', 2], ['缺土地', 1], ['因灾', 1], ['其他', 1]];
const THIS_YEAR = new Date().getUTCFullYear();

function person(rel, headYear, surname) {
  let year, male;
  switch (rel) {
    case '户主': year = int(1945, 1985); male = rnd() < 0.85; break;
    case '配偶': year = Math.min(2000, headYear + int(-5, 5)); male = null; break;
    case '子女': year = Math.min(THIS_YEAR - 1, headYear + int(20, 35)); male = rnd() < 0.5; break;
    case '父母': year = Math.max(1925, headYear - int(20, 32)); male = rnd() < 0.4; break;
    default: year = Math.min(THIS_YEAR - 1, headYear + int(42, 58)); male = rnd() < 0.5; break;   // 孙子女
  }
  return { year, male, surname };
}

function age(y) { return THIS_YEAR - y; }
function education(y) {
  const a = age(y);
  if (a < 6) return '学龄前儿童';
  if (a < 19) return '在校生';
  if (a > 60) return weighted([['文盲或半文盲', 3], ['小学', 5], ['初中', 2]]);
  return weighted([['小学', 3], ['初中', 5], ['高中', 2], ['大专及以上', 1]]);
}
function labour(y, health) {
  const a = age(y);
  if (a < 16 || health === '患有大病' || health === '残疾') return '无劳动力';
  if (a > 65 || health === '长期慢性病') return rnd() < 0.6 ? '弱劳动力或半劳动力' : '无劳动力';
  return rnd() < 0.85 ? '普通劳动力' : '弱劳动力或半劳动力';
}

// ---- the rows
const out = fs.openSync(args.out, 'w');
fs.writeSync(out, headerLine + '\r\n');
let buf = [], written = 0, households = 0, phone = 0;
const flush = () => { if (buf.length) fs.writeSync(out, buf.join('')); buf = []; };
while (written < rows) {
  households++;
  const size = Math.min(rows - written, weighted([[1, 15], [2, 25], [3, 25], [4, 20], [5, 15]]));
  const g = groups[(households - 1) % groups.length];
  const number = `IM-${String(households).padStart(7, '0')}`;
  const status = weighted([['贫困户', 35], ['已脱贫', 50], ['监测户', 15]]);
  const statusDate = status === '贫困户' ? ''
    : `${status === '已脱贫' ? int(2016, THIS_YEAR - 1) : int(2021, THIS_YEAR - 1)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`;
  const c1 = weighted(CAUSES), c2 = rnd() < 0.33 ? weighted(CAUSES) : c1;
  const hh = {
    number, org: g.code, address: `${g.address}${int(1, 300)}号`,
    lat: (29.6 + rnd() * 0.4).toFixed(6), lon: (103.05 + rnd() * 0.5).toFixed(6),
    status, status_date: statusDate, causes: c2 === c1 ? c1 : `${c1}、${c2}`, notes: '',
  };
  const surname = choose([...SURNAMES]);
  let head = null;
  const rels = ['户主', '配偶', ...Array.from({ length: 3 }, () => weighted([['子女', 6], ['父母', 2], ['孙子女', 2]]))];
  for (let k = 0; k < size; k++) {
    const rel = rels[k];
    const p = person(rel, head ? head.year : 0, surname);
    if (rel === '配偶') p.male = !head.male;
    const { id, year } = idNumber(p.year, p.male);
    if (!head) head = { year, male: p.male };
    const health = weighted([['健康', 70], ['长期慢性病', 15], ['患有大病', 7], ['残疾', 8]]);
    const given = p.male ? choose(GIVEN_M) : choose(GIVEN_F);
    const m = {
      name: (rel === '配偶' || rel === '父母' ? choose([...SURNAMES]) : surname) + given,
      id, relation: rel, health, education: education(year), labour: labour(year, health),
      phone: k === 0 ? `1${choose(['39', '38', '58', '87', '36', '51'])}${String(10000000 + ++phone).slice(-8)}` : '',
    };
    const v = (c) => (c === null ? '' : k === 0 && c in hh ? hh[c] : c === 'number' ? number : m[c] ?? '');
    buf.push(cols.map(v).join(',') + '\r\n');
    written++;
  }
  if (buf.length >= 20000) flush();
}
flush();
fs.closeSync(out);
process.stdout.write(JSON.stringify({ rows: written, households, bytes: fs.statSync(args.out).size }) + '\n');
