/**
 * Token mode (PRODUCT.md §3) with real clients: `Token|<AccessKeyId>|<InstanceId>` and
 * `R|<t1>|W|<t2>` / `RW|<t>`; R scopes SUBSCRIBE and W scopes PUBLISH to the token's
 * resources; `$SYS/uploadToken` replaces a token in session; `$SYS/tokenExpireNotice` and
 * `$SYS/tokenInvalidNotice` arrive without a subscription; an expired or revoked token
 * disconnects its clients. Token rows are inserted as the token API writes them (SHA-256 only).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import type { IConnackPacket, IPubackPacket } from 'mqtt-packet';
import type { Connection } from '../protocol/connection';
import { connectClient, inboxOf, RawClient, withTimeout } from '../testing/helpers';
import { addAccessKey, addToken, addTopicAndGroup, revokeToken, setKeyEnabled, startProductBroker, type ProductBroker } from './testing/product-broker';

let pb: ProductBroker;
let key: { id: string; secret: string };
const GROUP = 'GID_tok';
let seq = 0;
const nextId = () => `${GROUP}@@@dev-${++seq}`;
const username = (k = key) => `Token|${k.id}|${pb.instanceId}`;

before(async () => {
  pb = await startProductBroker();
  addTopicAndGroup(pb, 'Orders', GROUP);
  addTopicAndGroup(pb, 'Alerts', 'GID_other');
  key = addAccessKey(pb);
});
after(() => pb.close());

async function connackCode(version: 4 | 5, password: string, user = username()): Promise<number> {
  const c = await RawClient.connect(pb.port, version);
  try {
    const ack = (await c.handshake({ clientId: nextId(), username: user, password: Buffer.from(password) })) as IConnackPacket;
    return version === 5 ? ack.reasonCode! : ack.returnCode!;
  } finally {
    c.close();
  }
}

async function tokenClient(password: string, protocolVersion: 4 | 5 = 5, clientId = nextId()): Promise<MqttClient> {
  return connectClient(pb.port, { protocolVersion, clientId, username: username(), password });
}

function connectionOf(clientId: string): Connection {
  const conn = [...pb.broker.instance(pb.instanceId)!.connections].find((c) => c.clientId === clientId);
  assert.ok(conn, `no connection for ${clientId}`);
  return conn;
}

/** The failure code of a QoS 1 publish (MQTT 5), 0 when accepted (MQTT.js resolves for 0x00 and 0x10 alike). */
async function pubackCode(c: MqttClient, topic: string, payload = 'x'): Promise<number> {
  try {
    await c.publishAsync(topic, payload, { qos: 1 });
    return 0;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === undefined) throw err;
    return code;
  }
}

async function subackCode(c: MqttClient, filter: string): Promise<number> {
  try {
    return (await c.subscribeAsync(filter, { qos: 1 }))[0]!.qos;
  } catch (err) {
    // MQTT.js rejects a refused subscription with the SUBACK packet attached.
    const granted = (err as { packet?: { granted?: (number | { qos: number })[] } }).packet?.granted?.[0];
    if (granted === undefined) throw err;
    return typeof granted === 'number' ? granted : granted.qos;
  }
}

const closedPromise = (c: MqttClient) => new Promise<void>((resolve) => c.once('close', () => resolve()));

describe('token mode: CONNECT', () => {
  it('accepts R|<t1>|W|<t2> in either order, and RW|<t>, in 3.1.1 and 5.0', async () => {
    const r = addToken(pb, key.id, 'R', ['Orders/#']);
    const w = addToken(pb, key.id, 'W', ['Orders/#']);
    const rw = addToken(pb, key.id, 'R,W', ['Orders/#']);
    for (const v of [4, 5] as const) {
      assert.equal(await connackCode(v, `R|${r}|W|${w}`), 0);
      assert.equal(await connackCode(v, `W|${w}|R|${r}`), 0);
      assert.equal(await connackCode(v, `RW|${rw}`), 0);
      assert.equal(await connackCode(v, `R|${rw}`), 0);
    }
  });

  it('a token applied for a moment ago works before the broker reloads the database', async () => {
    const rw = addToken(pb, key.id, 'R,W', ['Orders/#'], undefined, { reload: false });
    const c = await tokenClient(`RW|${rw}`);
    try {
      assert.equal(await subackCode(c, 'Orders/#'), 1);
      assert.equal(await pubackCode(c, 'Orders/fresh'), 0);
      // Swept while still missing from the snapshot: still valid, not mistaken for revoked.
      await new Promise((r) => setTimeout(r, 1200));
      assert.ok(c.connected);
      assert.equal(await pubackCode(c, 'Orders/fresh'), 0);
    } finally {
      await c.endAsync();
    }
  });

  it('refuses unknown, malformed or foreign tokens with 4 / 0x86, expired, revoked or mismatched ones with 5 / 0x87', async () => {
    const other = addAccessKey(pb);
    const r = addToken(pb, key.id, 'R', ['Orders/#']);
    const expired = addToken(pb, key.id, 'R', ['Orders/#'], Date.now() - 1000);
    const revoked = addToken(pb, key.id, 'R', ['Orders/#']);
    revokeToken(pb, revoked);
    const foreign = addToken(pb, other.id, 'R', ['Orders/#']);
    const disabledKey = addAccessKey(pb);
    const ofDisabled = addToken(pb, disabledKey.id, 'R', ['Orders/#']);
    setKeyEnabled(pb, disabledKey.id, false);
    const cases: [string, string, string | undefined, number, number][] = [
      ['unknown token', 'R|not-a-token', undefined, 4, 0x86],
      ['no token', 'R|', undefined, 4, 0x86],
      ['unknown type', `X|${r}`, undefined, 4, 0x86],
      ['two read tokens', `R|${r}|RW|${r}`, undefined, 4, 0x86],
      ["another AccessKey's token", `R|${foreign}`, undefined, 4, 0x86],
      ['expired token', `R|${expired}`, undefined, 5, 0x87],
      ['revoked token', `R|${revoked}`, undefined, 5, 0x87],
      ['read token used to write', `W|${r}`, undefined, 5, 0x87],
      ['disabled AccessKey', `R|${ofDisabled}`, username(disabledKey), 5, 0x87],
      ['another instance', `R|${r}`, `Token|${key.id}|mqtt-cn-000000000000`, 5, 0x87],
    ];
    for (const [what, password, user, v4, v5] of cases) {
      assert.equal(await connackCode(4, password, user), v4, `3.1.1: ${what}`);
      assert.equal(await connackCode(5, password, user), v5, `5.0: ${what}`);
    }
  });
});

describe('token mode: scope', () => {
  it('W scopes PUBLISH and R scopes SUBSCRIBE to the resources, wildcards included (MQTT 5 codes)', async () => {
    const r = addToken(pb, key.id, 'R', ['Orders/+/eu', 'Orders/a/#']);
    const w = addToken(pb, key.id, 'W', ['Orders/+/eu', 'Orders/a/#', 'Alerts/fire']);
    const c = await tokenClient(`R|${r}|W|${w}`);
    try {
      for (const [topic, code] of [
        ['Orders/x/eu', 0],
        ['Orders/a', 0], // `a/#` includes `a`
        ['Orders/a/b/c', 0],
        ['Alerts/fire', 0],
        ['Orders/x/us', 0x87],
        ['Orders/x/eu/more', 0x87],
        ['Alerts/fire/2', 0x87],
        ['Orders', 0x87],
      ] as const) {
        assert.equal(await pubackCode(c, topic), code, topic);
      }
      for (const [filter, code] of [
        ['Orders/x/eu', 1],
        ['Orders/+/eu', 1],
        ['Orders/a/#', 1],
        ['Orders/a/+/c', 1],
        ['Orders/a', 1],
        ['Orders/#', 0x87],
        ['Orders/+/+', 0x87],
        ['Alerts/fire', 0x87], // written, not readable
      ] as const) {
        assert.equal(await subackCode(c, filter), code, filter);
      }
      // What it may read it receives.
      await c.publishAsync('Orders/a/z', 'hello', { qos: 1 });
      const [m] = await inboxOf(c).waitFor(1);
      assert.equal(`${m!.topic} ${m!.payload}`, 'Orders/a/z hello');
    } finally {
      await c.endAsync();
    }
  });

  it('3.1.1: a read-only token cannot publish (the connection is closed, topic auth failed); SUBSCRIBE outside gets 0x80', async () => {
    const r = addToken(pb, key.id, 'R', ['Orders/in']);
    const id = nextId();
    const c = await tokenClient(`R|${r}`, 4, id);
    assert.equal(await subackCode(c, 'Orders/in'), 1);
    assert.equal(await subackCode(c, 'Orders/out'), 0x80);
    const conn = connectionOf(id);
    const closed = closedPromise(c);
    c.publish('Orders/in', 'x', { qos: 0 });
    await withTimeout(closed, 3000, 'close');
    assert.equal(conn.endReason, 'topic auth failed');
    c.end(true);
  });
});

describe('token mode: reconnecting with a persistent session', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion === 4 ? '3.1.1' : '5.0'}: a narrower R token ends the subscriptions it does not cover; a W-only token keeps none`, async () => {
      const wide = addToken(pb, key.id, 'R', ['Orders/#']);
      const narrow = addToken(pb, key.id, 'R', ['Orders/a/#']);
      const w = addToken(pb, key.id, 'W', ['Orders/#']);
      const id = nextId();
      const persistent = protocolVersion === 5 ? { properties: { sessionExpiryInterval: 600 } } : {};
      const login = (password: string) => ({ protocolVersion, clientId: id, clean: false, username: username(), password, ...persistent });

      const first = await connectClient(pb.port, login(`R|${wide}`));
      await first.subscribeAsync(['Orders/a/#', 'Orders/b/#'], { qos: 1 });
      await first.endAsync();

      const second = await connectClient(pb.port, login(`R|${narrow}|W|${w}`));
      assert.equal(second.connected, true);
      await second.publishAsync('Orders/b/1', 'not for you', { qos: 1 });
      await second.publishAsync('Orders/a/1', 'yours', { qos: 1 });
      const [m] = await inboxOf(second).waitFor(1);
      assert.equal(`${m!.topic} ${m!.payload}`, 'Orders/a/1 yours');
      // The subscription it may still have works as before; the other one is gone for good.
      await second.publishAsync('Orders/b/2', 'not for you', { qos: 1 });
      await second.publishAsync('Orders/a/2', 'yours', { qos: 1 });
      const got = await inboxOf(second).waitFor(2);
      assert.deepEqual(
        got.map((r) => r.topic),
        ['Orders/a/1', 'Orders/a/2'],
      );
      await second.endAsync();

      // Without an R token nothing of the session's subscriptions remains.
      const third = await connectClient(pb.port, login(`W|${w}`));
      assert.equal(pb.broker.instance(pb.instanceId)!.sessions.get(id)?.subscriptionCount, 0);
      await third.publishAsync('Orders/a/3', 'nobody', { qos: 1 });
      await third.endAsync();
      const fourth = await connectClient(pb.port, login(`R|${wide}|W|${w}`));
      await fourth.subscribeAsync('Orders/z', { qos: 1 });
      await fourth.publishAsync('Orders/z', 'marker', { qos: 1 });
      const after = await inboxOf(fourth).waitFor(1);
      assert.deepEqual(
        after.map((r) => r.topic),
        ['Orders/z'],
        'nothing was kept for the ended subscriptions',
      );
      await fourth.endAsync();
    });
  }
});

describe('token mode: in session', () => {
  it('$SYS/uploadToken replaces the token of that type; the upload reaches no subscriber', async () => {
    const w1 = addToken(pb, key.id, 'W', ['Orders/one']);
    const w2 = addToken(pb, key.id, 'W', ['Orders/two']);
    const r = addToken(pb, key.id, 'R', ['Orders/#']);
    const c = await tokenClient(`W|${w1}|R|${r}`);
    try {
      assert.equal(await subackCode(c, 'Orders/#'), 1);
      assert.equal(await pubackCode(c, 'Orders/one'), 0);
      assert.equal(await pubackCode(c, 'Orders/two'), 0x87);
      await c.publishAsync('$SYS/uploadToken', JSON.stringify({ token: w2, type: 'W' }), { qos: 1 });
      assert.equal(await pubackCode(c, 'Orders/two'), 0);
      assert.equal(await pubackCode(c, 'Orders/one'), 0x87);
      const topics = (await inboxOf(c).waitFor(2)).map((m) => m.topic);
      assert.deepEqual(topics, ['Orders/one', 'Orders/two']); // its own messages, not the upload
    } finally {
      await c.endAsync();
    }
  });

  it('an invalid upload gets $SYS/tokenInvalidNotice with its code, then the connection is closed', async () => {
    const r = addToken(pb, key.id, 'R', ['Orders/#']);
    const narrow = addToken(pb, key.id, 'R', ['Orders/other']);
    const writeOnly = addToken(pb, key.id, 'W', ['Orders/#']);
    const expired = addToken(pb, key.id, 'R', ['Orders/#'], Date.now() - 1);
    const revoked = addToken(pb, key.id, 'R', ['Orders/#']);
    revokeToken(pb, revoked);
    for (const [upload, code, type] of [
      ['not json', 1, ''],
      [JSON.stringify({ token: 'forged', type: 'R' }), 1, 'R'],
      [JSON.stringify({ token: expired, type: 'R' }), 2, 'R'],
      [JSON.stringify({ token: revoked, type: 'R' }), 3, 'R'],
      [JSON.stringify({ token: narrow, type: 'R' }), 4, 'R'], // does not cover Orders/#, subscribed below
      [JSON.stringify({ token: writeOnly, type: 'R' }), 5, 'R'],
    ] as const) {
      const id = nextId();
      const c = await tokenClient(`R|${r}`, 5, id);
      await c.subscribeAsync('Orders/#', { qos: 1 });
      const conn = connectionOf(id);
      const closed = closedPromise(c);
      c.publish('$SYS/uploadToken', upload, { qos: 1 });
      const [notice] = await inboxOf(c).waitFor(1);
      assert.equal(notice!.topic, '$SYS/tokenInvalidNotice');
      assert.deepEqual(JSON.parse(notice!.payload.toString()), { code, type });
      await withTimeout(closed, 3000, 'close');
      assert.equal(conn.endReason, 'token invalid');
      c.end(true);
    }
  });

  it('$SYS/tokenExpireNotice arrives without a subscription once the token is within 5 minutes of expiry', async () => {
    const expireTime = Date.now() + 4 * 60_000;
    const rw = addToken(pb, key.id, 'R,W', ['Orders/#'], expireTime);
    const c = await tokenClient(`RW|${rw}`);
    try {
      const [notice] = await inboxOf(c).waitFor(1);
      assert.equal(notice!.topic, '$SYS/tokenExpireNotice');
      assert.deepEqual(JSON.parse(notice!.payload.toString()), { expireTime, type: 'RW' });
      // Uploading a fresh token takes over; its expiry is far away, so nothing more is said.
      const fresh = addToken(pb, key.id, 'R,W', ['Orders/#']);
      await c.publishAsync('$SYS/uploadToken', JSON.stringify({ token: fresh, type: 'RW' }), { qos: 1 });
      assert.equal(await pubackCode(c, 'Orders/x'), 0);
      assert.equal(inboxOf(c).messages.length, 1);
    } finally {
      await c.endAsync();
    }
  });

  it('an expiring token: notice, then $SYS/tokenInvalidNotice code 2 and disconnect within 5 seconds', async () => {
    const expireTime = Date.now() + 1500;
    const w = addToken(pb, key.id, 'W', ['Orders/#'], expireTime);
    const id = nextId();
    const c = await tokenClient(`W|${w}`, 4, id);
    const conn = connectionOf(id);
    const closed = closedPromise(c);
    const messages = await inboxOf(c).waitFor(2, 5000);
    await withTimeout(closed, 5000, 'close');
    assert.ok(Date.now() - expireTime < 5000);
    assert.deepEqual(
      messages.map((m) => [m.topic, JSON.parse(m.payload.toString())]),
      [
        ['$SYS/tokenExpireNotice', { expireTime, type: 'W' }],
        ['$SYS/tokenInvalidNotice', { code: 2, type: 'W' }],
      ],
    );
    assert.equal(conn.endReason, 'token invalid');
    c.end(true);
  });

  it('a revoked token: $SYS/tokenInvalidNotice code 3 and disconnect; a disabled AccessKey closes its token clients', async () => {
    const r = addToken(pb, key.id, 'R', ['Orders/#']);
    const id = nextId();
    const c = await tokenClient(`R|${r}`, 5, id);
    const conn = connectionOf(id);
    const closed = closedPromise(c);
    const started = Date.now();
    revokeToken(pb, r);
    const [notice] = await inboxOf(c).waitFor(1, 5000);
    await withTimeout(closed, 5000, 'close');
    assert.ok(Date.now() - started < 5000);
    assert.equal(notice!.topic, '$SYS/tokenInvalidNotice');
    assert.deepEqual(JSON.parse(notice!.payload.toString()), { code: 3, type: 'R' });
    assert.equal(conn.endReason, 'token invalid');
    c.end(true);

    const k = addAccessKey(pb);
    const t = addToken(pb, k.id, 'R', ['Orders/#']);
    const id2 = nextId();
    const c2 = await connectClient(pb.port, { clientId: id2, username: username(k), password: `R|${t}` });
    const conn2 = connectionOf(id2);
    const closed2 = closedPromise(c2);
    setKeyEnabled(pb, k.id, false);
    await withTimeout(closed2, 3000, 'close');
    assert.equal(conn2.endReason, 'credential revoked');
    c2.end(true);
  });

  it('a PUBLISH to $SYS/uploadToken from a signature client is refused like any topic outside a parent topic', async () => {
    const c = await RawClient.connect(pb.port, 5);
    const { hmacSha1Base64 } = await import('../../crypto/signatures');
    const id = nextId();
    await c.handshake({ clientId: id, username: `Signature|${key.id}|${pb.instanceId}`, password: Buffer.from(hmacSha1Base64(key.secret, id)) });
    c.send({ cmd: 'publish', topic: '$SYS/uploadToken', payload: Buffer.from('{}'), qos: 1, messageId: 1, dup: false, retain: false });
    assert.equal(((await c.next('puback')) as IPubackPacket).reasonCode, 0x87);
    c.close();
  });
});
