/**
 * The `statistics` tRPC router (the instance's Statistics tab) on samples the REAL broker
 * process records while MQTT.js clients connect, subscribe and publish (sampled every 500 ms
 * here through MAGPIE_TELEMETRY_SAMPLE_MS).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { adminCaller, rejectsWith } from '../testing/temp-backend';
import { startBrokerProcess, until, type BrokerProcess } from '../supervisor/testing/broker-process';

type Caller = Awaited<ReturnType<typeof adminCaller>>;

describe('statistics router (real broker process)', () => {
  let bp: BrokerProcess;
  let admin: Caller;
  let instanceId: string;
  const clients: mqtt.MqttClient[] = [];
  const savedSampleMs = process.env.MAGPIE_TELEMETRY_SAMPLE_MS;

  before(async () => {
    process.env.MAGPIE_TELEMETRY_SAMPLE_MS = '500';
    bp = await startBrokerProcess();
    instanceId = bp.instance.id;
    admin = await adminCaller(bp.backend);
  });

  after(async () => {
    if (savedSampleMs === undefined) delete process.env.MAGPIE_TELEMETRY_SAMPLE_MS;
    else process.env.MAGPIE_TELEMETRY_SAMPLE_MS = savedSampleMs;
    for (const c of clients) c.end(true);
    await bp?.stop();
  });

  it('an instance nothing has happened on yet: samples with no connections and no traffic', async () => {
    // The broker's first sample of an instance is the baseline the next ones count from.
    await until(async () => (await admin.statistics.series({ instanceId, range: '1h' })).samples.length > 0, 'a first sample', 10_000);
    const r = await admin.statistics.series({ instanceId, range: '1h' });
    assert.ok(r.samples.every((s) => s.connections === 0 && s.subscriptions === 0 && s.inPerSecond === 0), JSON.stringify(r.samples));
    assert.deepEqual((await admin.statistics.topics({ instanceId, range: '1h' })).topics, []);
  });

  it('connections, subscriptions and messages per second show up in the series; messages per parent topic too', async () => {
    const url = `mqtt://127.0.0.1:${bp.instance.tcpPort}`;
    const sub = await mqtt.connectAsync(url, { clientId: 'GID_s@@@sub', reconnectPeriod: 0 });
    clients.push(sub);
    await sub.subscribeAsync(['Orders/#', 'Alerts/#'], { qos: 1 });
    const pub = await mqtt.connectAsync(url, { clientId: 'GID_s@@@pub', reconnectPeriod: 0 });
    clients.push(pub);
    for (let i = 0; i < 30; i++) await pub.publishAsync(`Orders/${i % 3}`, String(i), { qos: 1 });
    for (let i = 0; i < 5; i++) await pub.publishAsync('Alerts/x', String(i), { qos: 1 });

    await until(
      async () => {
        const t = (await admin.statistics.topics({ instanceId, range: '1h' })).topics;
        return t.find((x) => x.topic === 'Orders')?.messagesIn === 30 && t.find((x) => x.topic === 'Alerts')?.messagesIn === 5;
      },
      'the per-topic counts',
      10_000,
    );
    const topics = (await admin.statistics.topics({ instanceId, range: '1h' })).topics;
    assert.deepEqual(
      topics.map((t) => [t.topic, t.messagesIn, t.messagesOut]),
      [
        ['Orders', 30, 30],
        ['Alerts', 5, 5],
      ],
    );

    // Samples reach the database about a second after they are taken.
    await until(
      async () => {
        const r = await admin.statistics.series({ instanceId, range: '1h' });
        return r.samples.some((s) => s.connections === 2 && s.subscriptions === 2) && r.samples.some((s) => s.inPerSecond > 0 && s.outPerSecond > 0);
      },
      'samples with the traffic',
      10_000,
    );
    const series = await admin.statistics.series({ instanceId, range: '1h' });
    assert.equal(series.to - series.from, 3_600_000);
    assert.ok(series.samples.length > 0);
    assert.equal(Math.max(...series.samples.map((s) => s.connections)), 2);
    assert.equal(Math.max(...series.samples.map((s) => s.subscriptions)), 2);
    // One point per 10 s bucket at most, in time order.
    const buckets = series.samples.map((s) => Math.floor(s.time / series.bucketMs));
    assert.deepEqual(buckets, [...new Set(buckets)].sort((a, b) => a - b));
    for (const s of series.samples) assert.ok(s.time >= series.from && s.time <= series.to);
  });

  it('longer ranges fold the samples into coarser buckets (a week in at most 720 points)', async () => {
    const week = await admin.statistics.series({ instanceId, range: '7d' });
    assert.equal(week.bucketMs, 14 * 60_000);
    assert.ok(week.samples.length <= 720);
    assert.equal(week.samples.length, new Set(week.samples.map((s) => Math.floor(s.time / week.bucketMs))).size);
    assert.equal(Math.max(...week.samples.map((s) => s.connections)), 2);
    const hour = await admin.statistics.series({ instanceId, range: '1h' });
    // The backend's own sample interval (10 s, the default) is the finest bucket.
    assert.equal(hour.bucketMs, 10_000);
  });

  it('bad input: an unknown range or instance', async () => {
    await rejectsWith(admin.statistics.series({ instanceId, range: '2h' as '1h' }), { code: 'BAD_REQUEST', fields: { range: 'v.statistics.range' } });
    await rejectsWith(admin.statistics.topics({ instanceId: 'mqtt-cn-nosuchinstance', range: '1h' }), {
      code: 'NOT_FOUND',
      key: 'e.notFound.instance',
    });
  });
});
