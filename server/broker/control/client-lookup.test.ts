/**
 * Client lookup through the REAL broker process (control methods clientLookup, groupClients,
 * topicSubscribers, disconnectClient), with MQTT.js clients on real sockets: what the console's
 * "Client lookup" page shows, the admin disconnect as the client feels it, and bad params
 * refused without harming the broker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { TelemetryReader } from '../../telemetry/queries';
import { startBrokerProcess, until, type BrokerProcess } from '../../supervisor/testing/broker-process';
import type { ClientLookup } from './client-lookup';
import type { GroupClients } from './group-clients';
import type { TopicSubscribers } from './topic-subscribers';

describe('client lookup control methods (real broker process)', () => {
  let bp: BrokerProcess;
  let instanceId: string;
  const clients: mqtt.MqttClient[] = [];

  const tcp = () => `mqtt://127.0.0.1:${bp.instance.tcpPort}`;
  const ws = () => `ws://127.0.0.1:${bp.instance.wsPort}/mqtt`;
  async function connect(url: string, options: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(c);
    return c;
  }
  const request = <T>(method: string, params: unknown) => bp.supervisor.request<T>(method, params);
  const lookup = (clientId: string) => request<ClientLookup>('clientLookup', { instanceId, clientId });

  before(async () => {
    bp = await startBrokerProcess();
    instanceId = bp.instance.id;
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await bp?.stop();
  });

  it('shows a live MQTT 5 WebSocket client: address, transport, protocol, keep-alive, times, subscriptions with their options', async () => {
    const before = Date.now();
    const c = await connect(ws(), { clientId: 'GID_lookup@@@ws-5', protocolVersion: 5, keepalive: 42, username: 'someone' });
    await c.subscribeAsync('Orders/+/temp', { qos: 1, nl: true, rap: true, rh: 1, properties: { subscriptionIdentifier: 7 } });
    await c.subscribeAsync('$share/workers/Orders/#', { qos: 2 });

    const r = await lookup('GID_lookup@@@ws-5');
    assert.equal(r.online, 1);
    assert.equal(r.connections.length, 1);
    const conn = r.connections[0]!;
    assert.equal(conn.transport, 'ws');
    assert.equal(conn.protocolVersion, 5);
    assert.equal(conn.keepAliveSeconds, 42);
    assert.equal(conn.username, 'someone');
    assert.match(conn.remoteAddress, /^127\.0\.0\.1:\d+$/);
    assert.ok(conn.connectedAt !== null && conn.connectedAt >= before && conn.connectedAt <= Date.now());
    assert.ok(conn.lastActivity >= conn.connectedAt!);
    assert.ok(r.session);
    assert.equal(r.session.online, true);
    assert.equal(r.session.persistent, false);
    assert.equal(r.session.cleanSession, null, 'MQTT 5 has no clean session flag');
    assert.deepEqual(r.session.subscriptions, [
      { filter: '$share/workers/Orders/#', shareGroup: 'workers', qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: 0 },
      { filter: 'Orders/+/temp', shareGroup: null, qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 1, subscriptionId: 7 },
    ]);
  });

  it('a 3.1.1 TCP client with cleanSession=false: persistent while online, then offline with its session and queued messages', async () => {
    const c = await connect(tcp(), { clientId: 'GID_lookup@@@keeper', protocolVersion: 4, clean: false, keepalive: 0 });
    await c.subscribeAsync('Orders/keeper', { qos: 1 });
    let r = await lookup('GID_lookup@@@keeper');
    // The address is the client's own end of the socket.
    assert.equal(r.connections[0]!.remoteAddress, `127.0.0.1:${(c.stream as import('node:net').Socket).localPort}`);
    assert.equal(r.connections[0]!.transport, 'tcp');
    assert.equal(r.connections[0]!.protocolVersion, 4);
    assert.equal(r.connections[0]!.keepAliveSeconds, 0);
    assert.equal(r.session?.persistent, true);
    assert.equal(r.session?.cleanSession, false);
    assert.equal(r.session?.expirySeconds, null, 'a 3.1.1 persistent session never expires by itself');

    await c.endAsync();
    await until(async () => (await lookup('GID_lookup@@@keeper')).online === 0, 'the client to be offline');
    const publisher = await connect(tcp(), { clientId: 'GID_lookup@@@publisher', protocolVersion: 4 });
    await publisher.publishAsync('Orders/keeper', 'one', { qos: 1 });
    await publisher.publishAsync('Orders/keeper', 'two', { qos: 1 });
    r = await lookup('GID_lookup@@@keeper');
    assert.deepEqual(r.connections, []);
    assert.equal(r.session?.online, false);
    assert.equal(r.session?.queued, 2);
    assert.ok(r.session?.disconnectedAt !== null && r.session!.disconnectedAt! <= Date.now());
    assert.equal(r.session?.expiresAt, null);
    assert.deepEqual(
      r.session?.subscriptions.map((s) => [s.filter, s.qos]),
      [['Orders/keeper', 1]],
    );
  });

  it('a client ID nobody uses: not online, no session', async () => {
    const r = await lookup('GID_lookup@@@nobody');
    assert.deepEqual(r, { instanceId, clientId: 'GID_lookup@@@nobody', online: 0, connections: [], session: null });
  });

  it('by Group ID: the online count and the clients page by page, sorted by client ID; offline sessions counted apart', async () => {
    for (const d of ['c', 'a', 'b']) await connect(tcp(), { clientId: `GID_fleet@@@${d}`, protocolVersion: 4 });
    await connect(tcp(), { clientId: 'GID_fleet2@@@x', protocolVersion: 4 }); // another group with a common prefix
    const keeper = await connect(tcp(), { clientId: 'GID_fleet@@@sleeper', protocolVersion: 4, clean: false });
    await keeper.endAsync();
    await until(async () => (await lookup('GID_fleet@@@sleeper')).online === 0, 'the sleeper to be offline');

    const page1 = await request<GroupClients>('groupClients', { instanceId, groupId: 'GID_fleet', limit: 2 });
    assert.equal(page1.online, 3);
    assert.equal(page1.offlineSessions, 1);
    assert.deepEqual(page1.clients.map((c) => c.clientId), ['GID_fleet@@@a', 'GID_fleet@@@b']);
    assert.equal(page1.clients[0]!.transport, 'tcp');
    const page2 = await request<GroupClients>('groupClients', { instanceId, groupId: 'GID_fleet', offset: 2, limit: 2 });
    assert.deepEqual(page2.clients.map((c) => c.clientId), ['GID_fleet@@@c']);
    const none = await request<GroupClients>('groupClients', { instanceId, groupId: 'GID_empty' });
    assert.equal(none.online, 0);
    assert.deepEqual(none.clients, []);
  });

  it('by topic: wildcard, exact and shared subscribers (online first) and offline persistent sessions; non-matching ones are not listed', async () => {
    const a = await connect(tcp(), { clientId: 'GID_topic@@@plus', protocolVersion: 4 });
    await a.subscribeAsync('Plant/+/temp', { qos: 1 });
    const b = await connect(tcp(), { clientId: 'GID_topic@@@hash', protocolVersion: 5 });
    await b.subscribeAsync(['Plant/#', 'Plant/line-1/temp'], { qos: 0 });
    const s = await connect(tcp(), { clientId: 'GID_topic@@@shared', protocolVersion: 5 });
    await s.subscribeAsync('$share/g1/Plant/line-1/+', { qos: 2 });
    const other = await connect(tcp(), { clientId: 'GID_topic@@@other', protocolVersion: 4 });
    await other.subscribeAsync('Plant/line-2/temp', { qos: 1 });
    const sleeper = await connect(tcp(), { clientId: 'GID_topic@@@asleep', protocolVersion: 4, clean: false });
    await sleeper.subscribeAsync('Plant/line-1/temp', { qos: 1 });
    await sleeper.endAsync();
    await until(async () => (await lookup('GID_topic@@@asleep')).online === 0, 'asleep to be offline');

    const r = await request<TopicSubscribers>('topicSubscribers', { instanceId, topic: 'Plant/line-1/temp' });
    assert.equal(r.total, 4);
    assert.equal(r.online, 3);
    assert.deepEqual(
      r.subscribers.map((x) => [x.clientId, x.online, x.matches.map((m) => `${m.filter}@${m.qos}${m.shareGroup ? `/${m.shareGroup}` : ''}`)]),
      [
        ['GID_topic@@@hash', true, ['Plant/#@0', 'Plant/line-1/temp@0']],
        ['GID_topic@@@plus', true, ['Plant/+/temp@1']],
        ['GID_topic@@@shared', true, ['$share/g1/Plant/line-1/+@2/g1']],
        ['GID_topic@@@asleep', false, ['Plant/line-1/temp@1']],
      ],
    );
    assert.equal(r.subscribers[0]!.connection?.transport, 'tcp');
    assert.equal(r.subscribers[3]!.connection, null);
    assert.equal(r.p2p, null);

    const paged = await request<TopicSubscribers>('topicSubscribers', { instanceId, topic: 'Plant/line-1/temp', offset: 3, limit: 1 });
    assert.deepEqual(paged.subscribers.map((x) => x.clientId), ['GID_topic@@@asleep']);
  });

  it('a P2P topic reaches its target only: the lookup names the target, not the subscribers of matching filters', async () => {
    const r = await request<TopicSubscribers>('topicSubscribers', { instanceId, topic: 'Plant/p2p/GID_topic@@@plus' });
    assert.deepEqual(r.p2p, { clientId: 'GID_topic@@@plus', online: true, hasSession: true });
    assert.deepEqual(r.subscribers, []);
  });

  it('disconnect: an MQTT 5 client gets DISCONNECT 0x98 (administrative action) and is gone; the device trace says why', async () => {
    const c = await connect(tcp(), { clientId: 'GID_admin@@@victim5', protocolVersion: 5 });
    const reasons: number[] = [];
    c.on('disconnect', (packet) => reasons.push(packet.reasonCode ?? -1));
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    const answer = await request<{ disconnected: number }>('disconnectClient', { instanceId, clientId: 'GID_admin@@@victim5' });
    assert.deepEqual(answer, { disconnected: 1 });
    await closed;
    assert.deepEqual(reasons, [0x98]);
    assert.equal((await lookup('GID_admin@@@victim5')).online, 0);

    const reader = new TelemetryReader(bp.backend.dataDir);
    try {
      const trace = () => reader.deviceEvents({ instanceId, clientId: 'GID_admin@@@victim5', from: 0, to: Date.now() + 60_000 });
      await until(() => trace().some((e) => e.action === 'close'), 'the close event', 5000);
      assert.equal(trace().find((e) => e.action === 'close')?.description, 'disconnected by admin');
    } finally {
      reader.close();
    }
  });

  it('disconnect: a 3.1.1 client sees its connection close; its persistent session stays; nobody online answers 0', async () => {
    const c = await connect(tcp(), { clientId: 'GID_admin@@@victim4', protocolVersion: 4, clean: false });
    await c.subscribeAsync('Orders/victim', { qos: 1 });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    assert.deepEqual(await request('disconnectClient', { instanceId, clientId: 'GID_admin@@@victim4' }), { disconnected: 1 });
    await closed;
    const r = await lookup('GID_admin@@@victim4');
    assert.equal(r.online, 0);
    assert.equal(r.session?.persistent, true);
    assert.deepEqual(await request('disconnectClient', { instanceId, clientId: 'GID_admin@@@victim4' }), { disconnected: 0 });
  });

  it('stats: connections and subscriptions as the limits count them, and the current TPS', async () => {
    type Stats = Record<string, { connections: number; subscriptions: number; tps: number | null }>;
    const publisher = await connect(tcp(), { clientId: 'GID_stats@@@pub', protocolVersion: 4 });
    await request<Stats>('stats', {});
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 0; i < 20; i++) await publisher.publishAsync('Nobody/listens', String(i), { qos: 1 });
    const stats = (await request<Stats>('stats', {}))[instanceId]!;
    const online = clients.filter((c) => c.connected).length;
    assert.equal(stats.connections, online);
    assert.ok(stats.tps !== null && stats.tps > 0, JSON.stringify(stats));
    // Every session's, offline persistent ones included: ws-5 2 (one of them shared), keeper 1,
    // plus 1, hash 2, shared 1, other 1, asleep 1, victim4 1.
    assert.equal(stats.subscriptions, 10, JSON.stringify(stats));
  });

  it('bad params are refused with a reason, and the broker keeps serving', async () => {
    const bad: [string, unknown, RegExp][] = [
      ['clientLookup', null, /params must be an object/],
      ['clientLookup', { instanceId }, /"clientId" must be a string/],
      ['clientLookup', { instanceId, clientId: 42 }, /"clientId" must be a string/],
      ['clientLookup', { instanceId, clientId: 'x'.repeat(2000) }, /"clientId" must be a string of 1-1024/],
      ['clientLookup', { instanceId: 'mqtt-cn-nosuchthing', clientId: 'a' }, /does not serve instance/],
      ['groupClients', { instanceId, groupId: 'GID_x', limit: 0 }, /"limit" must be an integer/],
      ['groupClients', { instanceId, groupId: 'GID_x', offset: -1 }, /"offset" must be an integer/],
      ['topicSubscribers', { instanceId, topic: 'Plant/#' }, /not a topic name/],
      ['topicSubscribers', { instanceId, topic: '' }, /"topic" must be a string/],
      ['disconnectClient', [instanceId, 'a'], /params must be an object/],
    ];
    for (const [method, params, message] of bad) {
      await assert.rejects(request(method, params), message, `${method} ${JSON.stringify(params)?.slice(0, 60)}`);
    }
    assert.equal((await lookup('GID_topic@@@plus')).online, 1);
    assert.equal(bp.supervisor.status().restarts, 0);
  });
});
