// durability.test.mjs: nothing acknowledged is lost. Writes answered 2xx must
// survive SIGKILL of the server, one after another and with several writers
// racing the kill; the audit chain must still verify afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, stop, launch, as, DEMO_PASSWORD } from '../lib/server.mjs';
import { expectOk, landmarks, orgCode, auditVerify } from './helpers.mjs';

let srv, admin, T;

before(async () => {
  srv = await startServer();
  admin = await as(srv, 'admin');
  T = await landmarks(admin);
});

after(() => stopServer(srv));

async function restartAfterKill() {
  const r = await stop(srv, 'SIGKILL');
  assert.equal(r.sig, 'SIGKILL');
  await launch(srv);
  admin = await as(srv, 'admin');
}

function verifyChain() {
  const v = auditVerify(srv);
  assert.equal(v.status, 0, v.stdout + v.stderr);
}

test('50 acknowledged writes survive SIGKILL whole', async () => {
  const village = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '耐久村' }), 201);
  const acked = [];
  for (let i = 0; i < 45; i++) {
    const body = { parent_id: village.id, code: orgCode(), name: `耐久${i}组` };
    acked.push(expectOk(await admin.post('/api/v1/org', body), 201));
  }
  // Updates and users too: the last write before the kill included.
  const renamed = expectOk(await admin.patch(`/api/v1/org/${acked[0].id}`, { name: '改名后的组' }), 200);
  acked[0] = renamed;
  const users = [];
  for (let i = 0; i < 3; i++)
    users.push(expectOk(await admin.post('/api/v1/users', {
      login: `durable${i}`, display_name: `耐久用户${i}`, role: 'villager', org_id: acked[i + 1].id, password: DEMO_PASSWORD, phone: `1391234000${i}`,
    }), 201));
  const lastUser = expectOk(await admin.patch(`/api/v1/users/${users[2].id}`, { display_name: '最后一次写入' }), 200);
  users[2] = lastUser;
  const auditTotal = expectOk(await admin.get('/api/v1/audit'), 200).total;

  await restartAfterKill();

  const list = expectOk(await admin.get('/api/v1/org'), 200).items;
  for (const o of acked) assert.deepEqual(list.find((x) => x.id === o.id), o, `org ${o.id}`);
  for (const u of users) {
    const now = expectOk(await admin.get(`/api/v1/users/${u.id}`), 200);
    assert.deepEqual({ ...now, last_login_at: null }, { ...u, last_login_at: null }, `user ${u.login}`);
    assert.equal(expectOk(await admin.post(`/api/v1/users/${u.id}/reveal`, { password: DEMO_PASSWORD }), 200).phone,
      `1391234000${users.indexOf(u)}`, 'the encrypted phone still decrypts');
  }
  // The new users can sign in: the password hashes are whole.
  await as(srv, 'durable0');
  assert.ok(expectOk(await admin.get('/api/v1/audit'), 200).total >= auditTotal + 2, 'audit records of the writes kept');
  verifyChain();
});

test('concurrent writers racing a SIGKILL: every acknowledged write is present', async () => {
  const village = expectOk(await admin.post('/api/v1/org', { parent_id: T.town, code: orgCode(), name: '并发村' }), 201);
  const acked = [];
  let killed = false;
  const writer = async (w) => {
    for (let i = 0; !killed; i++) {
      const body = { parent_id: village.id, code: orgCode(), name: `并发${w}-${i}` };
      try {
        const r = await admin.post('/api/v1/org', body);
        if (r.status === 201) acked.push(r.json);
        else if (!killed) assert.fail(`write failed before the kill: ${r.status} ${r.text}`);
      } catch {
        return;   // the server died under us: this write was never acknowledged
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  // Let the writers get going, then kill the server in mid-flight.
  while (acked.length < 20) await new Promise((ok) => setTimeout(ok, 5));
  killed = true;
  await stop(srv, 'SIGKILL');
  await Promise.all(writers);
  assert.ok(acked.length >= 20);

  await launch(srv);
  admin = await as(srv, 'admin');
  const list = expectOk(await admin.get('/api/v1/org'), 200).items;
  const missing = acked.filter((o) => !list.some((x) => x.id === o.id && x.code === o.code && x.name === o.name && x.parent_id === o.parent_id));
  assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes lost`);
  // Codes stay unique and every node of the village is whole.
  const mine = list.filter((o) => o.parent_id === village.id);
  assert.equal(new Set(mine.map((o) => o.code)).size, mine.length);
  assert.ok(mine.every((o) => o.level === 'group' && o.depth === 3));
  verifyChain();
  // And the server takes writes again, continuing the chain.
  expectOk(await admin.post('/api/v1/org', { parent_id: village.id, code: orgCode(), name: '重启后' }), 201);
  verifyChain();
});
