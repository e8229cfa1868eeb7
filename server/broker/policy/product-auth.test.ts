/**
 * The product's authentication and topic rules on an instance NOT in open mode (PRODUCT.md §1,
 * §3, §4), with real clients over real sockets against a broker serving a real console
 * database: signature mode (password computed as the cloud's Java demo does), device
 * credentials, client ID and Group ID rules, parent topics, and the codes of every refusal in
 * MQTT 3.1.1 and 5.0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IConnackPacket, IPubackPacket, ISubackPacket } from 'mqtt-packet';
import { hmacSha1Base64 } from '../../crypto/signatures';
import { permissionService } from '../../services/topic-permissions';
import type { Connection } from '../protocol/connection';
import { groupService, topicService } from '../../services/instance-resources';
import { connectClient, eventually, inboxOf, RawClient, withTimeout } from '../testing/helpers';
import {
  addAccessKey,
  addDeviceCredential,
  addTopicAndGroup,
  setKeyEnabled,
  signatureLogin,
  startProductBroker,
  type ProductBroker,
} from './testing/product-broker';

let pb: ProductBroker;
let key: { id: string; secret: string };
const GROUP = 'GID_devices';

/** The CONNACK code (3.1.1 return code or MQTT 5 reason code) a raw client gets. */
async function connackCode(version: 4 | 5, clientId: string, username?: string, password?: string | Buffer): Promise<number> {
  const c = await RawClient.connect(pb.port, version);
  try {
    const ack = (await c.handshake({ clientId, username, password: typeof password === 'string' ? Buffer.from(password) : password })) as IConnackPacket;
    const code = version === 5 ? ack.reasonCode! : ack.returnCode!;
    if (code !== 0) await c.waitClose();
    return code;
  } finally {
    c.close();
  }
}

function login(clientId: string, k = key) {
  return signatureLogin(k.id, k.secret, pb.instanceId, clientId);
}

function connectionOf(clientId: string): Connection {
  const conn = [...pb.broker.instance(pb.instanceId)!.connections].find((c) => c.clientId === clientId);
  assert.ok(conn, `no connection for ${clientId}`);
  return conn;
}

before(async () => {
  pb = await startProductBroker();
  addTopicAndGroup(pb, 'Orders', GROUP);
  key = addAccessKey(pb);
});
after(() => pb.close());

describe('signature mode', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion === 4 ? '3.1.1' : '5.0'}: Base64(HMAC-SHA1(secret, clientId)) logs in; messages flow under a parent topic`, async () => {
      const subId = `${GROUP}@@@sub-${protocolVersion}`;
      const pubId = `${GROUP}@@@pub-${protocolVersion}`;
      // Exactly the Java demo: Tools.macSignature(clientId, secretKey) = Base64(HmacSHA1(secretKey, clientId)).
      const password = hmacSha1Base64(key.secret, subId);
      const sub = await connectClient(pb.port, { protocolVersion, clientId: subId, username: `Signature|${key.id}|${pb.instanceId}`, password });
      const pub = await connectClient(pb.port, { protocolVersion, clientId: pubId, ...login(pubId) });
      try {
        await sub.subscribeAsync('Orders/#', { qos: 1 });
        await pub.publishAsync('Orders/eu/42', 'shipped', { qos: 1 });
        const [m] = await inboxOf(sub).waitFor(1);
        assert.equal(`${m!.topic} ${m!.payload}`, 'Orders/eu/42 shipped');
      } finally {
        await Promise.all([sub.endAsync(), pub.endAsync()]);
      }
    });
  }

  it('refuses bad credentials with CONNACK 4 / 0x86, foreign or disabled ones with 5 / 0x87, unknown groups with 2 / 0x85', async () => {
    const other = addAccessKey(pb);
    setKeyEnabled(pb, other.id, false);
    const id = `${GROUP}@@@dev1`;
    const good = login(id);
    const cases: [string, string, string | undefined, string | Buffer | undefined, number, number][] = [
      ['wrong password', id, good.username, 'bm90IHRoZSBzaWduYXR1cmU=', 4, 0x86],
      ['signature of another client ID', id, good.username, login(`${GROUP}@@@dev2`).password, 4, 0x86],
      ['unknown AccessKey', id, `Signature|LTAI00000000000000000000|${pb.instanceId}`, good.password, 4, 0x86],
      ['no user name', id, undefined, undefined, 4, 0x86],
      ['malformed user name', id, `Signature|${key.id}`, good.password, 4, 0x86],
      ['unknown mode', id, `Password|${key.id}|${pb.instanceId}`, good.password, 4, 0x86],
      ['another instance', id, `Signature|${key.id}|mqtt-cn-000000000000`, good.password, 5, 0x87],
      ['disabled AccessKey', id, `Signature|${other.id}|${pb.instanceId}`, hmacSha1Base64(other.secret, id), 5, 0x87],
      ['unknown Group ID', 'GID_nobody@@@dev1', good.username, login('GID_nobody@@@dev1').password, 2, 0x85],
    ];
    for (const [what, clientId, username, password, v4, v5] of cases) {
      assert.equal(await connackCode(4, clientId, username, password), v4, `3.1.1: ${what}`);
      assert.equal(await connackCode(5, clientId, username, password), v5, `5.0: ${what}`);
    }
  });

  it('client IDs must be <GroupID>@@@<DeviceID>, at most 64 printable characters without / : , %', async () => {
    for (const clientId of [
      'no-separator',
      `${GROUP}@@@`,
      '@@@dev',
      `${GROUP}@@@a/b`,
      `${GROUP}@@@a:b`,
      `${GROUP}@@@a,b`,
      `${GROUP}@@@a%b`,
      `${GROUP}@@@a b`,
      `${GROUP}@@@${'x'.repeat(64 - GROUP.length - 2)}`, // 65 characters
    ]) {
      const { username, password } = login(clientId);
      assert.equal(await connackCode(4, clientId, username, password), 2, `3.1.1: ${clientId}`);
      assert.equal(await connackCode(5, clientId, username, password), 0x85, `5.0: ${clientId}`);
    }
    // An empty client ID (the server would assign one) is refused too.
    assert.equal(await connackCode(5, '', login('').username, login('').password), 0x85);
    const longest = `${GROUP}@@@${'x'.repeat(64 - GROUP.length - 3)}`;
    assert.equal(longest.length, 64);
    assert.equal(await connackCode(4, longest, login(longest).username, login(longest).password), 0);
  });
});

describe('device credentials', () => {
  it('DeviceCredential|<DeviceAccessKeyId>|<InstanceId> logs in only for the client ID it was registered for', async () => {
    const id = `${GROUP}@@@sensor-1`;
    const cred = addDeviceCredential(pb, id);
    const username = `DeviceCredential|${cred.keyId}|${pb.instanceId}`;
    const c = await connectClient(pb.port, { clientId: id, username, password: hmacSha1Base64(cred.secret, id) });
    await c.subscribeAsync('Orders/sensor', { qos: 1 });
    await c.endAsync();

    const otherId = `${GROUP}@@@sensor-2`;
    assert.equal(await connackCode(4, otherId, username, hmacSha1Base64(cred.secret, otherId)), 5);
    assert.equal(await connackCode(5, otherId, username, hmacSha1Base64(cred.secret, otherId)), 0x87);
    assert.equal(await connackCode(5, id, username, hmacSha1Base64('wrong', id)), 0x86);
    assert.equal(await connackCode(4, id, `DeviceCredential|dk-unknown|${pb.instanceId}`, hmacSha1Base64(cred.secret, id)), 4);
  });

  it('re-registering replaces the pair: the connection of the old one is closed (credential revoked), the old pair refused', async () => {
    const id = `${GROUP}@@@sensor-3`;
    const old = addDeviceCredential(pb, id);
    const username = `DeviceCredential|${old.keyId}|${pb.instanceId}`;
    const c = await connectClient(pb.port, { protocolVersion: 5, clientId: id, username, password: hmacSha1Base64(old.secret, id) });
    const conn = connectionOf(id);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    const fresh = addDeviceCredential(pb, id);
    await closed;
    assert.equal(conn.endReason, 'credential revoked');
    assert.equal(await connackCode(5, id, username, hmacSha1Base64(old.secret, id)), 0x86);
    const again = await connectClient(pb.port, {
      clientId: id,
      username: `DeviceCredential|${fresh.keyId}|${pb.instanceId}`,
      password: hmacSha1Base64(fresh.secret, id),
    });
    await again.endAsync();
  });

  it('a credential registered a moment ago logs in before the broker reloads the database', async () => {
    const id = `${GROUP}@@@sensor-4`;
    const cred = addDeviceCredential(pb, id, { reload: false });
    const c = await connectClient(pb.port, { clientId: id, username: `DeviceCredential|${cred.keyId}|${pb.instanceId}`, password: hmacSha1Base64(cred.secret, id) });
    // Re-registered again, not reloaded either: the new pair works, the old one no longer.
    const next = addDeviceCredential(pb, id, { reload: false });
    assert.equal(await connackCode(4, id, `DeviceCredential|${cred.keyId}|${pb.instanceId}`, hmacSha1Base64(cred.secret, id)), 4);
    assert.equal(await connackCode(4, id, `DeviceCredential|${next.keyId}|${pb.instanceId}`, hmacSha1Base64(next.secret, id)), 0);
    c.end(true);
  });
});

describe('parent topics', () => {
  it('MQTT 5: PUBLISH outside a parent topic gets 0x87 and reaches nobody; SUBSCRIBE gets 0x87', async () => {
    const subId = `${GROUP}@@@watch`;
    const watcher = await connectClient(pb.port, { protocolVersion: 5, clientId: subId, ...login(subId) });
    await watcher.subscribeAsync('Orders/#', { qos: 1 });
    const c = await RawClient.connect(pb.port, 5);
    const id = `${GROUP}@@@raw5`;
    await c.handshake({ clientId: id, ...withBuffer(login(id)) });
    c.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'Unknown/#', qos: 1 },
        { topic: '+/eu', qos: 1 },
        { topic: '#', qos: 1 },
        { topic: '$SYS/#', qos: 1 },
        { topic: 'Orders/+/x', qos: 1 },
        { topic: '$share/g/Orders/x', qos: 1 },
        { topic: '$share/g/Other/x', qos: 1 },
      ],
    });
    assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [0x87, 0x87, 0x87, 0x87, 1, 1, 0x87]);
    c.send({ cmd: 'publish', topic: 'Unknown/a', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
    assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0x87);
    c.send({ cmd: 'publish', topic: 'Orders', payload: Buffer.from('ok'), qos: 1, messageId: 3, dup: false, retain: false });
    assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0);
    const [m] = await inboxOf(watcher).waitFor(1);
    assert.equal(m!.topic, 'Orders');
    c.close();
    await watcher.endAsync();
  });

  it('3.1.1: SUBSCRIBE outside a parent topic gets 0x80; PUBLISH closes the connection (topic auth failed)', async () => {
    const c = await RawClient.connect(pb.port, 4);
    const id = `${GROUP}@@@raw4`;
    await c.handshake({ clientId: id, ...withBuffer(login(id)) });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'Unknown/#', qos: 1 }, { topic: 'Orders/#', qos: 1 }] });
    assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [0x80, 1]);
    const conn = connectionOf(id);
    c.send({ cmd: 'publish', topic: 'Unknown/a', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    await c.waitClose();
    assert.equal(conn.endReason, 'topic auth failed');
  });

  it('a deny rule still wins on a created parent topic', async () => {
    permissionService.create(pb.backend, { instanceId: pb.instanceId, filter: 'Orders/secret/#', action: 'both', effect: 'deny' });
    pb.refresh();
    const id = `${GROUP}@@@deny`;
    const c = await RawClient.connect(pb.port, 5);
    await c.handshake({ clientId: id, ...withBuffer(login(id)) });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'Orders/secret/a', qos: 1 }, { topic: 'Orders/open', qos: 1 }] });
    assert.deepEqual(((await c.next('suback')) as ISubackPacket).granted, [0x80, 1]);
    c.send({ cmd: 'publish', topic: 'Orders/secret/a', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
    assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0x87);
    c.close();
  });
});

describe('live configuration', () => {
  it('a group and a parent topic created later work as soon as the policy is refreshed', async () => {
    const id = 'GID_late@@@dev';
    assert.equal(await connackCode(5, id, login(id).username, login(id).password), 0x85);
    addTopicAndGroup(pb, 'Late', 'GID_late');
    const c = await connectClient(pb.port, { protocolVersion: 5, clientId: id, ...login(id) });
    assert.equal((await c.subscribeAsync('Late/#', { qos: 1 }))[0]!.qos, 1);
    await c.endAsync();
  });

  it('disabling the AccessKey closes its connections (credential revoked); enabling it lets clients in again', async () => {
    const k = addAccessKey(pb);
    const ids = [`${GROUP}@@@k1`, `${GROUP}@@@k2`];
    const clients = await Promise.all(ids.map((id, i) => connectClient(pb.port, { protocolVersion: i === 0 ? 4 : 5, clientId: id, ...login(id, k) })));
    const conns = ids.map(connectionOf);
    const bystanderId = `${GROUP}@@@bystander`;
    const bystander = await connectClient(pb.port, { clientId: bystanderId, ...login(bystanderId) });
    const closed = clients.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve())));
    setKeyEnabled(pb, k.id, false);
    await Promise.all(closed);
    for (const conn of conns) assert.equal(conn.endReason, 'credential revoked');
    assert.ok(bystander.connected, 'a client of another key stays');
    assert.equal(await connackCode(4, ids[0]!, login(ids[0]!, k).username, login(ids[0]!, k).password), 5);
    setKeyEnabled(pb, k.id, true);
    assert.equal(await connackCode(4, ids[0]!, login(ids[0]!, k).username, login(ids[0]!, k).password), 0);
    await bystander.endAsync();
  });

  it('deleting a Group ID closes its clients (MQTT 5 DISCONNECT 0x87, not authorized) and refuses them (2 / 0x85); other groups stay', async () => {
    addTopicAndGroup(pb, 'Doomed', 'GID_doomed');
    // An offline persistent session of the group, with a message waiting for it.
    const sleeperId = 'GID_doomed@@@sleeper';
    const sleeper = await connectClient(pb.port, { clientId: sleeperId, clean: false, ...login(sleeperId) });
    await sleeper.subscribeAsync('Doomed/#', { qos: 1 });
    await sleeper.endAsync();
    const ids = ['GID_doomed@@@a', 'GID_doomed@@@b'];
    const clients = await Promise.all(ids.map((id, i) => connectClient(pb.port, { protocolVersion: i === 0 ? 4 : 5, clientId: id, ...login(id) })));
    const conns = ids.map(connectionOf);
    const bystanderId = `${GROUP}@@@group-bystander`;
    const bystander = await connectClient(pb.port, { protocolVersion: 5, clientId: bystanderId, ...login(bystanderId) });
    await bystander.publishAsync('Doomed/waiting', 'for the sleeper', { qos: 1 });
    const disconnect = new Promise<number | undefined>((resolve) => clients[1]!.once('disconnect', (p) => resolve(p.reasonCode)));
    const closed = clients.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve())));
    for (const c of clients) c.options.reconnectPeriod = 0;

    groupService.remove(pb.backend, { instanceId: pb.instanceId, name: 'GID_doomed' });
    pb.refresh();
    await withTimeout(Promise.all(closed), 1000, 'the group\'s clients closed');
    assert.equal(await disconnect, 0x87);
    for (const conn of conns) assert.equal(conn.endReason, 'not authorized');
    assert.ok(bystander.connected, 'a client of another group stays');
    assert.equal(await connackCode(4, ids[0]!, login(ids[0]!).username, login(ids[0]!).password), 2);
    assert.equal(await connackCode(5, ids[1]!, login(ids[1]!).username, login(ids[1]!).password), 0x85);

    // The group's sessions ended with it: created again, the sleeper starts afresh, nothing waiting.
    groupService.create(pb.backend, { instanceId: pb.instanceId, name: 'GID_doomed' });
    pb.refresh();
    const c = await RawClient.connect(pb.port, 4);
    const ack = (await c.handshake({ clientId: sleeperId, clean: false, ...withBuffer(login(sleeperId)) })) as IConnackPacket;
    assert.equal(ack.returnCode, 0);
    assert.equal(ack.sessionPresent, false, 'no session is left for a deleted group\'s client');
    c.send({ cmd: 'pingreq' });
    await c.next('pingresp');
    assert.deepEqual(
      c.pending().map((p) => p.cmd),
      [],
      'no offline message',
    );
    c.close();
    await bystander.endAsync();
  });

  it('deleting a parent topic ends the subscriptions under it, online and offline: nothing arrives, even once it is created again', async () => {
    addTopicAndGroup(pb, 'Fleeting', 'GID_fleet');
    const onlineId = 'GID_fleet@@@online';
    const offlineId = 'GID_fleet@@@offline';
    const online = await connectClient(pb.port, { protocolVersion: 5, clientId: onlineId, ...login(onlineId) });
    await online.subscribeAsync(['Fleeting/#', 'Orders/fleet'], { qos: 1 });
    const offline = await connectClient(pb.port, { clientId: offlineId, clean: false, ...login(offlineId) });
    await offline.subscribeAsync('Fleeting/+', { qos: 1 });
    await offline.endAsync();
    const sessions = pb.broker.instance(pb.instanceId)!.sessions;

    topicService.remove(pb.backend, { instanceId: pb.instanceId, name: 'Fleeting' });
    pb.refresh();
    assert.deepEqual([...(sessions.get(onlineId)?.subscriptions?.keys() ?? [])], ['Orders/fleet'], 'the other parent topic\'s subscription stays');
    assert.equal(sessions.get(offlineId)?.subscriptionCount, 0);

    // Created again: the old subscriptions do not come back with it.
    topicService.create(pb.backend, { instanceId: pb.instanceId, name: 'Fleeting' });
    pb.refresh();
    const pubId = `${GROUP}@@@fleet-pub`;
    const pub = await connectClient(pb.port, { protocolVersion: 5, clientId: pubId, ...login(pubId) });
    await pub.publishAsync('Fleeting/x', 'gone', { qos: 1 });
    await pub.publishAsync('Orders/fleet', 'kept', { qos: 1 });
    const [m] = await inboxOf(online).waitFor(1);
    assert.equal(`${m!.topic} ${m!.payload}`, 'Orders/fleet kept');
    // Offline messages would come first, right after CONNACK; a fresh message marks the end.
    const back = await connectClient(pb.port, { clientId: offlineId, clean: false, ...login(offlineId) });
    await back.subscribeAsync('Orders/fleet-back', { qos: 1 });
    await pub.publishAsync('Orders/fleet-back', 'marker', { qos: 1 });
    const got = await inboxOf(back).waitFor(1);
    assert.deepEqual(
      got.map((r) => r.topic),
      ['Orders/fleet-back'],
      'no offline message for a subscription that ended',
    );
    assert.equal(inboxOf(online).messages.length, 1);
    await Promise.all([online.endAsync(), pub.endAsync(), back.endAsync()]);
  });

  it('open mode: anyone connects, any client ID and topic; switching it off closes those connections', async () => {
    pb.setInstance({ openMode: true });
    try {
      const c = await connectClient(pb.port, { protocolVersion: 5 }); // MQTT.js's own 'mqttjs_…' client ID, no credentials
      assert.deepEqual((await c.subscribeAsync('anything/#', { qos: 1 }))[0]!.qos, 1);
      await c.publishAsync('anything/x', 'y', { qos: 1 });
      const conn = connectionOf(c.options.clientId!);
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      pb.setInstance({ openMode: false });
      await closed;
      assert.equal(conn.endReason, 'not authorized');
    } finally {
      pb.setInstance({ openMode: false });
    }
    await eventually(() => pb.broker.instance(pb.instanceId)!.connectedCount === 0, 'every client gone');
  });
});

function withBuffer(l: { username: string; password: string }): { username: string; password: Buffer } {
  return { username: l.username, password: Buffer.from(l.password) };
}
