// org_users.test.mjs: the county tree (list in scope, create, validate, rename,
// move) and user administration (create, validate, filter, page, update,
// reveal), with phones masked everywhere but the audited reveal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, as, DEMO_PASSWORD } from '../lib/server.mjs';
import { expectError, expectOk, landmarks, orgCode, uniq, sql } from './helpers.mjs';

let srv, admin, T;

before(async () => {
  srv = await startServer();
  admin = await as(srv, 'admin');
  T = await landmarks(admin);
});

after(() => stopServer(srv));

const orgList = async (c) => expectOk(await c.get('/api/v1/org'), 200).items;

// Ids of the subtree rooted at id in a full list (by parent links).
function subtree(list, id) {
  const out = new Set([id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const o of list) if (o.parent_id && out.has(o.parent_id) && !out.has(o.id)) { out.add(o.id); grew = true; }
  }
  return out;
}

async function newUser(body, who = admin) {
  return expectOk(await who.post('/api/v1/users', {
    login: uniq('ou'), display_name: '测试用户', role: 'villager', org_id: T.group, password: DEMO_PASSWORD, ...body,
  }), 201);
}

test('the org list holds exactly the caller\'s subtree, in tree order', async () => {
  const all = await orgList(admin);
  assert.equal(all[0].level, 'county');
  assert.equal(all.length, subtree(all, T.county).size);
  for (const o of all) {
    assert.deepEqual(Object.keys(o).sort(), ['code', 'depth', 'id', 'level', 'name', 'parent_id']);
    assert.equal(o.level, ['county', 'town', 'village', 'group'][o.depth]);
  }
  // Pre-order: every node comes after its parent, and a subtree is contiguous.
  const pos = new Map(all.map((o, i) => [o.id, i]));
  for (const o of all) if (o.parent_id) assert.ok(pos.get(o.parent_id) < pos.get(o.id));
  const cases = [['official', T.town], ['secretary', T.village], ['cadre', T.village], ['villager', T.group], ['auditor', T.county]];
  await Promise.all(cases.map(async ([login, root]) => {
    const mine = await orgList(await as(srv, login));
    assert.deepEqual(new Set(mine.map((o) => o.id)), subtree(all, root), login);
    assert.equal(mine[0].id, root, `${login}: list starts at the own node`);
  }));
});

test('creating nodes: the level follows the parent, codes are 12 digits and unique', async () => {
  const town = expectOk(await admin.post('/api/v1/org', { parent_id: T.county, code: orgCode(), name: '新镇' }), 201);
  assert.equal(town.level, 'town');
  assert.equal(town.depth, 1);
  assert.equal(town.parent_id, T.county);
  const village = expectOk(await admin.post('/api/v1/org', { parent_id: town.id, code: orgCode(), name: '新村' }), 201);
  assert.equal(village.level, 'village');
  const group = expectOk(await admin.post('/api/v1/org', { parent_id: village.id, code: orgCode(), name: '新村一组' }), 201);
  assert.equal(group.level, 'group');
  assert.equal(group.depth, 3);
  assert.deepEqual(expectOk(await admin.get(`/api/v1/org/${group.id}`), 200), group);
  expectError(await admin.post('/api/v1/org', { parent_id: group.id, code: orgCode(), name: '太深' }), 400, 'invalid_parent');

  for (const code of ['51142310500', '5114231050001', '51142310500a', '５１１４２３１０５０００', ' 11423105000', '-11423105000', '1.1423105000'])
    expectError(await admin.post('/api/v1/org', { parent_id: village.id, code, name: 'x' }), 400, 'invalid_org_code');
  expectError(await admin.post('/api/v1/org', { parent_id: village.id, code: 'abc', name: 'x' }, { headers: { 'Accept-Language': 'en' } }),
    400, 'invalid_org_code', { lang: 'en' });
  expectError(await admin.post('/api/v1/org', { parent_id: village.id, code: group.code, name: 'dup' }), 409, 'conflict');
  expectError(await admin.post('/api/v1/org', { parent_id: village.id, code: '511423105000', name: 'dup' }), 409, 'conflict');
  expectError(await admin.patch(`/api/v1/org/${group.id}`, { code: village.code }), 409, 'conflict');
  expectError(await admin.patch(`/api/v1/org/${group.id}`, { code: '123' }), 400, 'invalid_org_code');
  // Nothing of the refused attempts was stored.
  const kids = (await orgList(admin)).filter((o) => o.parent_id === village.id);
  assert.deepEqual(kids.map((o) => o.id), [group.id]);
});

test('renaming and recoding a node', async () => {
  const v = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '旧名村' }), 201);
  const code = orgCode();
  const r = expectOk(await admin.patch(`/api/v1/org/${v.id}`, { name: '新名村', code }), 200);
  assert.deepEqual(r, { ...v, name: '新名村', code });
  // Keeping its own code is not a conflict; an empty patch changes nothing.
  assert.deepEqual(expectOk(await admin.patch(`/api/v1/org/${v.id}`, { code }), 200), r);
  assert.deepEqual(expectOk(await admin.patch(`/api/v1/org/${v.id}`, {}), 200), r);
  assert.deepEqual(expectOk(await admin.get(`/api/v1/org/${v.id}`), 200), r);
});

test('moving a village to another town takes its groups along and changes who sees it', async () => {
  const hcOfficial = await newUser({ role: 'official', org_id: T.hc });
  const official = await as(srv, 'official');
  const hcClient = await as(srv, hcOfficial.login);
  const v = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '搬迁村' }), 201);
  const g1 = expectOk(await admin.post('/api/v1/org', { parent_id: v.id, code: orgCode(), name: '搬迁一组' }), 201);
  const g2 = expectOk(await admin.post('/api/v1/org', { parent_id: v.id, code: orgCode(), name: '搬迁二组' }), 201);
  const resident = await newUser({ org_id: g1.id });
  const moved = [v.id, g1.id, g2.id];
  let mine = (await orgList(official)).map((o) => o.id);
  assert.ok(moved.every((id) => mine.includes(id)));

  const r = expectOk(await admin.patch(`/api/v1/org/${v.id}`, { parent_id: T.hc }), 200);
  assert.equal(r.parent_id, T.hc);
  assert.equal(r.level, 'village');
  assert.equal(r.depth, 2);
  const all = await orgList(admin);
  for (const g of [g1, g2]) {
    const now = all.find((o) => o.id === g.id);
    assert.equal(now.parent_id, v.id);
    assert.equal(now.level, 'group');
    assert.equal(now.depth, 3);
  }
  assert.ok(moved.every((id) => subtree(all, T.hc).has(id)));
  assert.ok(moved.every((id) => !subtree(all, T.town).has(id)));

  mine = (await orgList(official)).map((o) => o.id);
  assert.ok(moved.every((id) => !mine.includes(id)), 'the old town no longer sees it');
  const theirs = (await orgList(hcClient)).map((o) => o.id);
  assert.ok(moved.every((id) => theirs.includes(id)), 'the new town sees it');
  expectError(await official.get(`/api/v1/org/${g2.id}`), 403, 'out_of_scope');
  expectOk(await hcClient.get(`/api/v1/org/${g2.id}`), 200);
  // Its people move with it.
  expectError(await official.get(`/api/v1/users/${resident.id}`), 403, 'out_of_scope');
  expectOk(await hcClient.get(`/api/v1/users/${resident.id}`), 200);
  assert.ok((await hcClient.get(`/api/v1/users?org_id=${v.id}`)).json.items.some((u) => u.id === resident.id));
  // The list stays in tree order after the move.
  const pos = new Map(all.map((o, i) => [o.id, i]));
  for (const o of all) if (o.parent_id) assert.ok(pos.get(o.parent_id) < pos.get(o.id));
});

test('a node cannot move under itself, its descendants, or a parent of the wrong level', async () => {
  const v = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '固定村' }), 201);
  const g = expectOk(await admin.post('/api/v1/org', { parent_id: v.id, code: orgCode(), name: '固定一组' }), 201);
  const otherVillage = T.list.find((o) => o.parent_id === T.hc).id;
  const cases = [
    [v.id, v.id],           // itself
    [v.id, g.id],           // its own descendant
    [v.id, otherVillage],   // a village under a village
    [v.id, T.county],       // a village under the county
    [g.id, T.town],         // a group under a town
    [T.town, T.hc],         // a town under a town
    [T.county, T.hc],       // the root anywhere
  ];
  for (const [id, parent] of cases)
    expectError(await admin.patch(`/api/v1/org/${id}`, { parent_id: parent }), 400, 'invalid_parent');
  expectError(await admin.patch(`/api/v1/org/${v.id}`, { parent_id: 9999999 }), 404, 'not_found');
  const all = await orgList(admin);
  assert.equal(all.find((o) => o.id === v.id).parent_id, T.town);
  assert.equal(all.find((o) => o.id === g.id).parent_id, v.id);
  assert.equal(all.find((o) => o.id === T.town).parent_id, T.county);
});

test('creating users: masked phone, unique and valid logins, valid roles and phones', async () => {
  const login = uniq('zhang');
  const u = await newUser({ login, display_name: '张三', phone: '13812345678', role: 'cadre', org_id: T.village });
  assert.equal(u.phone, '138****5678');
  assert.equal(u.login, login);
  assert.equal(u.role, 'cadre');
  assert.equal(u.org_id, T.village);
  assert.equal(u.disabled, false);
  assert.equal(u.totp_enabled, false);
  assert.equal(u.last_login_at, null);
  for (const k of ['password', 'password_hash', 'phone_enc', 'phone_bidx']) assert.equal(u[k], undefined, k);
  assert.deepEqual(expectOk(await admin.get(`/api/v1/users/${u.id}`), 200), u);
  assert.equal((await newUser({ phone: null })).phone, null);
  assert.equal((await newUser({})).phone, null);

  expectError(await admin.post('/api/v1/users', { login, display_name: 'x', role: 'villager', org_id: T.group, password: DEMO_PASSWORD }),
    409, 'conflict');
  for (const bad of ['A', 'a', 'Upper', 'has space', '中文名', '-dash', '.dot', 'a/b', 'x'.repeat(65), 'semi;colon'])
    expectError(await admin.post('/api/v1/users', { login: bad, display_name: 'x', role: 'villager', org_id: T.group, password: DEMO_PASSWORD }),
      400, bad.length > 64 ? 'too_long' : 'invalid_login');
  expectError(await admin.post('/api/v1/users', { login: uniq('r'), display_name: 'x', role: 'root', org_id: T.group, password: DEMO_PASSWORD }),
    400, 'invalid_value', { field: 'role' });
  for (const phone of ['12345', '23812345678', '1381234567x', '138123456789', '+8613812345678'])
    expectError(await admin.post('/api/v1/users', { login: uniq('p'), display_name: 'x', role: 'villager', org_id: T.group, password: DEMO_PASSWORD, phone }),
      400, 'invalid_phone');
  expectError(await admin.post('/api/v1/users', { login: uniq('o'), display_name: 'x', role: 'villager', org_id: 9999999, password: DEMO_PASSWORD }),
    404, 'not_found');
});

test('listing users: filters by subtree, role and text; totals and stable paging', async () => {
  const v = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '名单村' }), 201);
  const g = expectOk(await admin.post('/api/v1/org', { parent_id: v.id, code: orgCode(), name: '名单一组' }), 201);
  const tag = uniq('lst');
  const made = await Promise.all([
    ...[0, 1, 2, 3].map((i) => newUser({ login: `${tag}-v${i}`, org_id: v.id, display_name: `王${i}` })),
    ...[0, 1, 2].map((i) => newUser({ login: `${tag}-g${i}`, org_id: g.id, role: 'cadre', display_name: `李${i}` })),
  ]);
  const ids = made.map((u) => u.id).sort((a, b) => a - b);

  const all = expectOk(await admin.get(`/api/v1/users?org_id=${v.id}`), 200);
  assert.equal(all.total, 7);
  assert.deepEqual(all.items.map((u) => u.id), ids, 'ordered by id, subtree included');
  assert.equal(expectOk(await admin.get(`/api/v1/users?org_id=${g.id}`), 200).total, 3);
  const cadres = expectOk(await admin.get(`/api/v1/users?org_id=${v.id}&role=cadre`), 200);
  assert.equal(cadres.total, 3);
  assert.ok(cadres.items.every((u) => u.role === 'cadre'));
  assert.equal(expectOk(await admin.get(`/api/v1/users?org_id=${v.id}&role=nobody`), 200).total, 0);
  const byName = expectOk(await admin.get(`/api/v1/users?q=${encodeURIComponent('王')}&org_id=${v.id}`), 200);
  assert.equal(byName.total, 4);
  const byLogin = expectOk(await admin.get(`/api/v1/users?q=${tag}-g`), 200);
  assert.deepEqual(byLogin.items.map((u) => u.login).sort(), [0, 1, 2].map((i) => `${tag}-g${i}`));
  assert.equal(expectOk(await admin.get(`/api/v1/users?q=${tag}_g`), 200).total, 0, '_ is not a wildcard');

  const seen = [];
  for (let page = 1; page <= 3; page++) {
    const p = expectOk(await admin.get(`/api/v1/users?org_id=${v.id}&per_page=3&page=${page}`), 200);
    assert.equal(p.total, 7);
    assert.equal(p.page, page);
    assert.equal(p.per_page, 3);
    assert.equal(p.items.length, page < 3 ? 3 : 1);
    seen.push(...p.items.map((u) => u.id));
  }
  assert.deepEqual(seen, ids);
  const beyond = expectOk(await admin.get(`/api/v1/users?org_id=${v.id}&per_page=3&page=4`), 200);
  assert.deepEqual([beyond.items.length, beyond.total], [0, 7]);
  const again = expectOk(await admin.get(`/api/v1/users?org_id=${v.id}&per_page=3&page=2`), 200);
  assert.deepEqual(again.items.map((u) => u.id), ids.slice(3, 6), 'the same page twice');

  // A town official lists only their town; filtering outside it is refused.
  const official = await as(srv, 'official');
  const theirs = expectOk(await official.get('/api/v1/users?per_page=200'), 200);
  const inTown = subtree(await orgList(admin), T.town);
  assert.ok(theirs.items.every((u) => inTown.has(u.org_id)));
  assert.ok(ids.every((id) => theirs.items.some((u) => u.id === id)));
  assert.ok(!theirs.items.some((u) => u.login === 'admin'));
  expectError(await official.get(`/api/v1/users?org_id=${T.hc}`), 403, 'out_of_scope');
});

test('updating users: name, role, org, phone, disabled; refusals leave the user unchanged', async () => {
  const u = await newUser({ phone: '13900001111' });
  let r = expectOk(await admin.patch(`/api/v1/users/${u.id}`, { display_name: '改名', role: 'cadre', org_id: T.village }), 200);
  assert.deepEqual([r.display_name, r.role, r.org_id, r.phone], ['改名', 'cadre', T.village, '139****1111']);
  r = expectOk(await admin.patch(`/api/v1/users/${u.id}`, { phone: '13700002222' }), 200);
  assert.equal(r.phone, '137****2222');
  r = expectOk(await admin.patch(`/api/v1/users/${u.id}`, { phone: null }), 200);
  assert.equal(r.phone, null);
  r = expectOk(await admin.patch(`/api/v1/users/${u.id}`, {}), 200);
  assert.equal(r.display_name, '改名');
  expectError(await admin.patch(`/api/v1/users/${u.id}`, { role: 'king' }), 400, 'invalid_value', { field: 'role' });
  expectError(await admin.patch(`/api/v1/users/${u.id}`, { phone: '123' }), 400, 'invalid_phone');
  expectError(await admin.patch(`/api/v1/users/${u.id}`, { org_id: 9999999 }), 404, 'not_found');
  expectError(await admin.patch('/api/v1/users/9999999', { display_name: 'x' }), 404, 'not_found');
  assert.deepEqual(expectOk(await admin.get(`/api/v1/users/${u.id}`), 200), r);
  // An admin cannot change their own role.
  const me = expectOk(await admin.get('/api/v1/me'), 200).user;
  expectError(await admin.patch(`/api/v1/users/${me.id}`, { role: 'villager' }), 403, 'forbidden');
  // A town admin can neither move their people out of the town nor reach others.
  const townAdmin = await newUser({ role: 'admin', org_id: T.town });
  const ta = await as(srv, townAdmin.login);
  expectError(await ta.patch(`/api/v1/users/${u.id}`, { org_id: T.hc }), 403, 'out_of_scope');
  expectError(await ta.patch(`/api/v1/users/${me.id}`, { display_name: 'x' }), 403, 'out_of_scope');
  expectError(await ta.post('/api/v1/users', { login: uniq('x'), display_name: 'x', role: 'admin', org_id: T.county, password: DEMO_PASSWORD }),
    403, 'out_of_scope');
  assert.equal(expectOk(await admin.get(`/api/v1/users/${u.id}`), 200).org_id, T.village);
});

test('revealing a phone needs the caller\'s password and is audited; the number appears nowhere else', async () => {
  const phone = '13812345678';
  const u = await newUser({ phone, display_name: '李四' });
  expectError(await admin.post(`/api/v1/users/${u.id}/reveal`, { password: 'Wrong#Pass2026' }), 403, 'reauth_failed');
  expectError(await admin.post(`/api/v1/users/${u.id}/reveal`, {}), 400, 'missing_field', { field: 'password' });
  const before = expectOk(await admin.get('/api/v1/audit?action=user.reveal'), 200).total;
  assert.deepEqual(expectOk(await admin.post(`/api/v1/users/${u.id}/reveal`, { password: DEMO_PASSWORD }), 200), { phone });
  const audit = expectOk(await admin.get('/api/v1/audit?action=user.reveal'), 200);
  assert.equal(audit.total, before + 1, 'one record per reveal; refused attempts reveal nothing');
  const rec = audit.items[0];
  assert.equal(rec.actor_login, 'admin');
  assert.equal(rec.entity, 'user');
  assert.equal(rec.entity_id, String(u.id));
  assert.equal(rec.ip, '127.0.0.1');
  assert.ok(!JSON.stringify(rec).includes(phone));
  // Without a phone there is nothing to reveal.
  const bare = await newUser({});
  assert.deepEqual(expectOk(await admin.post(`/api/v1/users/${bare.id}/reveal`, { password: DEMO_PASSWORD }), 200), { phone: null });

  // Masked in every GET and in the whole audit log, JSON and CSV.
  const seen = [
    (await admin.get(`/api/v1/users/${u.id}`)).text,
    (await admin.get('/api/v1/users?per_page=200')).text,
    (await admin.get(`/api/v1/users?q=${encodeURIComponent('李四')}`)).text,
    (await admin.get('/api/v1/audit?per_page=200')).text,
    (await admin.get(`/api/v1/audit?entity=user&entity_id=${u.id}`)).text,
    (await admin.get('/api/v1/audit.csv')).text,
    (await (await as(srv, 'auditor')).get('/api/v1/audit.csv')).text,
  ];
  for (const text of seen) assert.ok(!text.includes(phone), `unmasked phone in ${text.slice(0, 80)}`);
  assert.ok(seen[0].includes('138****5678'));
  assert.ok(seen[5].includes('138****5678'), 'the CSV shows the masked number');
  // Encrypted at rest, and never written to the server's log.
  const stored = sql(srv, 'SELECT * FROM app_user') + sql(srv, 'SELECT * FROM audit_log');
  assert.ok(stored.includes('138****5678') && !stored.includes(phone), 'phone stored in clear');
  assert.ok(!srv.log.includes(phone));
});

test('users: exact phone lookup through the blind index, without the phone stored in clear', async () => {
  const hit = expectOk(await admin.get('/api/v1/users?phone=13890001004'), 200);
  assert.deepEqual(hit.items.map((u) => u.login), ['secretary']);
  assert.equal(hit.items[0].phone, '138****1004');
  const miss = expectOk(await admin.get('/api/v1/users?phone=13890001999'), 200);
  assert.equal(miss.total, 0);
  const town = await as(srv, 'official');
  const outside = expectOk(await town.get('/api/v1/users?phone=13890001001'), 200);
  assert.equal(outside.total, 0, 'the county admin is outside a town official\'s scope');
});
