#!/usr/bin/env node
// bench/gen.mjs: print the SQL that fills a migrated, demo-seeded xiangcun
// database with a benchmark-sized county. Pipe it into the back end's own
// client, which is the fastest honest way in:
//
//   node bench/gen.mjs --users 100000 --dialect sqlite | sqlite3 data/xiangcun.db
//   node bench/gen.mjs --users 100000 --dialect pg     | psql -q -v ON_ERROR_STOP=1 URL
//
// Why SQL and not the API or `xiangcun user add`: every account made through
// xiangcun costs one argon2id hash (~0.1 s by design) plus an audit record,
// so 100,000 users would take hours. The rows are instead generated inside the
// database by one INSERT ... SELECT over a recursive counter (the same SQL runs
// on SQLite and PostgreSQL), in the schema that `xiangcun migrate` created, and
// every generated account reuses the demo admin's argon2id hash (so each one
// signs in with the demo password). What this skips, on purpose:
//   - audit records for the generated rows (the HMAC key stays with the server;
//     `xiangcun audit verify` still passes: the chain covers what was appended);
//   - phone numbers (they are encrypted with the server's key; NULL here);
//   - household members: their ID numbers are encrypted and blind-indexed with
//     the server's key, so generated households have no members (head_name is
//     set directly). bench/import.sh adds members through the import API.
//
// Each entity is one generator below (GENERATORS), sized from the options:
//   --users N        accounts (BENCH_USERS, default 100000)
//   --households N   households with location, spatial index rows, causes and
//                    status history (BENCH_HOUSEHOLDS, default 100000)

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : '1']);
    return acc;
  }, []));
const opts = {
  users: Number(args.users ?? process.env.BENCH_USERS ?? 100000),
  households: Number(args.households ?? process.env.BENCH_HOUSEHOLDS ?? 100000),
  dialect: args.dialect ?? 'sqlite',
};
if (!Number.isInteger(opts.users) || opts.users < 0) throw new Error('--users must be a whole number');
if (!Number.isInteger(opts.households) || opts.households < 0) throw new Error('--households must be a whole number');
if (!['sqlite', 'pg'].includes(opts.dialect)) throw new Error('--dialect must be sqlite or pg');

// A recursive counter 1..n, portable between SQLite and PostgreSQL.
const counter = (name, n) => `${name}(i) AS (SELECT 1 WHERE ${n} > 0 UNION ALL SELECT i + 1 FROM ${name} WHERE i < ${n})`;

// Plausible Chinese names: surname + one or two given-name characters, from i.
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹';
const GIVEN = '建国华明秀英玉兰志强军平桂芳红梅德春海燕丽娟文杰伟刚勇敏静霞林成福';
const nameExpr = (i) =>
  `substr('${SURNAMES}', (${i} % ${[...SURNAMES].length}) + 1, 1)` +
  ` || substr('${GIVEN}', ((${i} * 7 + ${i} / 30) % ${[...GIVEN].length}) + 1, 1)` +
  ` || CASE WHEN ${i} % 3 = 0 THEN '' ELSE substr('${GIVEN}', ((${i} * 13 + ${i} / 900 + 5) % ${[...GIVEN].length}) + 1, 1) END`;

// Deterministic pseudo-random numbers inside the SQL, the same on both back
// ends: h_k(x) = ((x*A_k mod M) * ((x*B_k + C_k) mod M)) mod M with M = 2^31-1
// (a quadratic map, so consecutive x do not fall on a lattice; every product
// stays below 2^62). unit(x, k) is h_k(x) / M in [0, 1).
const M = 2147483647n;
const MULT = Array.from({ length: 40 }, (_, k) => {
  let a = 1n;
  for (let j = 0; j < 5 + 3 * k; j++) a = (a * 48271n) % M;
  return a;
});
const hashInt = (expr, k) => {
  const x = `CAST(${expr} AS BIGINT)`;
  return `((((${x} * ${MULT[2 * k]}) % ${M}) * ((${x} * ${MULT[2 * k + 1]} + ${1000003 * (k + 1)}) % ${M})) % ${M})`;
};
const unit = (expr, k) => `(CAST(${hashInt(expr, k)} AS DOUBLE PRECISION) / ${M})`;
const pick = (list, idx) => `CASE ${idx} ${list.map((v, i) => `WHEN ${i} THEN '${v}'`).join(' ')} END`;
const pad2 = (e) => `CASE WHEN ${e} < 10 THEN '0' ELSE '' END || CAST(${e} AS TEXT)`;

// The county (洪雅县, WGS-84): village centres without demo households are
// spread over the middle of it, so that households (up to ±0.11° from their
// village centre) stay inside lat 29.55-30.05, lon 103.0-103.6.
const BOX = { lat0: 29.66, dlat: 0.28, lon0: 103.12, dlon: 0.36 };
const NOW = new Date();
const Y = NOW.getUTCFullYear(), MON = NOW.getUTCMonth() + 1, DAY = NOW.getUTCDate();
// Causes weighted roughly like the national 建档立卡 figures (illness first).
const CAUSES = ['illness', 'illness', 'illness', 'illness', 'disability', 'disability', 'schooling', 'skills',
  'skills', 'labour', 'labour', 'funds', 'funds', 'land', 'disaster', 'other'];
const SECOND_CAUSES = ['skills', 'labour', 'funds', 'schooling', 'illness', 'land'];

const GENERATORS = [
  {
    // Accounts spread round-robin over every group (组) of the demo villages:
    // 99% villagers in their group, 1% helper cadres in the group's village.
    name: 'users',
    count: opts.users,
    sql: (n) => `
WITH RECURSIVE ${counter('n', n)},
  g AS (SELECT id, parent_id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM org_node WHERE level = 'group'),
  gc AS (SELECT COUNT(*) AS c FROM g),
  a AS (SELECT password_hash, created_at FROM app_user WHERE login = 'admin')
INSERT INTO app_user (login, display_name, role, org_id, password_hash, created_at, updated_at)
SELECT 'v' || n.i,
       ${nameExpr('n.i')},
       CASE WHEN n.i % 100 = 0 THEN 'cadre' ELSE 'villager' END,
       CASE WHEN n.i % 100 = 0 THEN g.parent_id ELSE g.id END,
       a.password_hash, a.created_at + n.i, a.created_at + n.i
FROM n CROSS JOIN gc CROSS JOIN a JOIN g ON g.k = n.i % gc.c;`,
  },
  {
    // Households spread round-robin over every group (组). Each village has a
    // centre: the mean location of its demo households where it has some (so
    // 明月村's generated households surround the demo ones), else a point
    // hashed from its id inside the county. As the demo's 17 villages stand
    // for the whole county, each covers ~10x10 km: households live in hamlets
    // of 40 (consecutive households of a group) whose centres scatter around
    // the village centre (triangular, ±0.10° lat / ±0.11° lon), each house
    // within ~300 m of its hamlet centre. A 0.02° box at a village centre then
    // holds a few hundred households. Status mix: 35% poor, 50% exited, 15%
    // monitored. Then, for the generated rows only (found by what they lack):
    // the spatial index row (a point: min = max), one or two poverty causes,
    // and the status history: the 建档立卡 registration as poor (2014-2015)
    // plus, for exited and monitored households, the change with its
    // effective date (exits 2016 to today, monitoring 2021 to today, so the
    // targets page has this year's exits).
    name: 'households',
    count: opts.households,
    sql: (n) => `
WITH RECURSIVE ${counter('n', n)},
  g AS (SELECT id, parent_id, code, name, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM org_node WHERE level = 'group'),
  gc AS (SELECT COUNT(*) AS c FROM g),
  -- MATERIALIZED with GROUP BY: computed once (PostgreSQL would otherwise
  -- inline it and rerun a per-village subquery for every generated row).
  v AS MATERIALIZED (
    SELECT o.id, o.name,
           COALESCE(AVG(h.lat), ${BOX.lat0} + ${BOX.dlat} * ${unit('o.id', 0)}) AS lat,
           COALESCE(AVG(h.lon), ${BOX.lon0} + ${BOX.dlon} * ${unit('o.id', 1)}) AS lon
    FROM org_node o LEFT JOIN org_node x ON x.parent_id = o.id
         LEFT JOIN household h ON h.org_id = x.id AND h.lat IS NOT NULL
    WHERE o.level = 'village' GROUP BY o.id, o.name),
  a AS (SELECT created_at FROM app_user WHERE login = 'admin'),
  r AS (SELECT n.i, g.id AS org_id, g.code, g.name AS gname, v.name AS vname, v.lat AS vlat, v.lon AS vlon,
               n.i / gc.c AS seq, g.id * 1000000 + (n.i / gc.c) / 40 AS hamlet
        FROM n CROSS JOIN gc JOIN g ON g.k = n.i % gc.c JOIN v ON v.id = g.parent_id)
INSERT INTO household (number, org_id, head_name, address, lat, lon, status, visit_interval_days, notes,
                       created_at, updated_at)
SELECT 'HY' || substr(r.code, 7, 6) || '-' || CAST(r.seq + 1 AS TEXT),
       r.org_id,
       ${nameExpr('(r.i + 17)')},
       r.vname || r.gname || CAST(r.seq % 300 + 1 AS TEXT) || '号',
       r.vlat + 0.10 * (${unit('r.hamlet', 2)} + ${unit('r.hamlet', 3)} - 1) + 0.0025 * (2 * ${unit('r.i', 4)} - 1),
       r.vlon + 0.11 * (${unit('r.hamlet', 5)} + ${unit('r.hamlet', 6)} - 1) + 0.003 * (2 * ${unit('r.i', 7)} - 1),
       CASE WHEN ${hashInt('r.i', 8)} % 100 < 35 THEN 'poor' WHEN ${hashInt('r.i', 8)} % 100 < 85 THEN 'exited' ELSE 'monitored' END,
       30, '',
       a.created_at - 86400 * (60 + r.i % 1000),
       a.created_at - 86400 * (60 + r.i % 1000) + 86400 * (r.i % 50)
FROM r CROSS JOIN a;

INSERT INTO household_geo (id, min_lat, max_lat, min_lon, max_lon)
SELECT h.id, h.lat, h.lat, h.lon, h.lon FROM household h
WHERE h.lat IS NOT NULL AND NOT EXISTS (SELECT 1 FROM household_geo x WHERE x.id = h.id);

WITH c AS (
  SELECT h.id, ${pick(CAUSES, `${hashInt('h.id', 9)} % ${CAUSES.length}`)} AS c1,
         CASE WHEN ${hashInt('h.id', 10)} % 3 = 0 THEN ${pick(SECOND_CAUSES, `${hashInt('h.id', 11)} % ${SECOND_CAUSES.length}`)} END AS c2
  FROM household h WHERE NOT EXISTS (SELECT 1 FROM household_cause x WHERE x.household_id = h.id))
INSERT INTO household_cause (household_id, cause)
SELECT id, c1 FROM c UNION ALL SELECT id, c2 FROM c WHERE c2 IS NOT NULL AND c2 <> c1;

WITH s1 AS (
  SELECT h.id, h.status, h.created_at, h.updated_at,
         CASE h.status WHEN 'monitored' THEN ${Math.min(2021, Y)} + ${hashInt('h.id', 12)} % ${Math.max(1, Y - 2020)}
                       ELSE ${Math.min(2016, Y)} + ${hashInt('h.id', 12)} % ${Math.max(1, Y - 2015)} END AS ey
  FROM household h WHERE NOT EXISTS (SELECT 1 FROM household_status x WHERE x.household_id = h.id)),
  s2 AS (SELECT s1.*, 1 + ${hashInt('s1.id', 13)} % (CASE WHEN ey = ${Y} THEN ${MON} ELSE 12 END) AS em FROM s1),
  s AS (SELECT s2.*, 1 + ${hashInt('s2.id', 14)} % (CASE WHEN ey = ${Y} AND em = ${MON} THEN ${Math.min(DAY, 28)} ELSE 28 END) AS ed FROM s2)
INSERT INTO household_status (household_id, status, effective_date, reason, changed_at, changed_by)
SELECT id, 'poor', '201' || CAST(4 + id % 2 AS TEXT) || '-' || ${pad2('(1 + id % 12)')} || '-' || ${pad2('(1 + id % 28)')},
       '建档立卡 registered', created_at, CAST(NULL AS BIGINT) FROM s
UNION ALL
SELECT id, status, CAST(ey AS TEXT) || '-' || ${pad2('em')} || '-' || ${pad2('ed')},
       CASE status WHEN 'exited' THEN '人均纯收入稳定超过标准，两不愁三保障均达标' ELSE '因病返贫风险，纳入监测' END,
       updated_at, CAST(NULL AS BIGINT) FROM s WHERE status <> 'poor';`,
  },
];

const out = [];
if (opts.dialect === 'sqlite') out.push('PRAGMA foreign_keys = ON;');
out.push('BEGIN;');
for (const g of GENERATORS) if (g.count > 0) out.push(`-- ${g.name}: ${g.count}`, g.sql(g.count).trim());
out.push('COMMIT;');
if (opts.dialect === 'pg') out.push('ANALYZE;');   // PostgreSQL's autovacuum would do this within a minute
process.stdout.write(out.join('\n') + '\n');
