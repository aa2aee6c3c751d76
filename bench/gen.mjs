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
//   - phone numbers (they are encrypted with the server's key; NULL here).
//
// Each entity is one generator below; a later issue adds households, visits...
// as more entries of GENERATORS, sized from the same options.

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : '1']);
    return acc;
  }, []));
const opts = {
  users: Number(args.users ?? process.env.BENCH_USERS ?? 100000),
  dialect: args.dialect ?? 'sqlite',
};
if (!Number.isInteger(opts.users) || opts.users < 0) throw new Error('--users must be a whole number');
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
];

const out = [];
if (opts.dialect === 'sqlite') out.push('PRAGMA foreign_keys = ON;');
out.push('BEGIN;');
for (const g of GENERATORS) if (g.count > 0) out.push(`-- ${g.name}: ${g.count}`, g.sql(g.count).trim());
out.push('COMMIT;');
if (opts.dialect === 'pg') out.push('ANALYZE;');   // PostgreSQL's autovacuum would do this within a minute
process.stdout.write(out.join('\n') + '\n');
