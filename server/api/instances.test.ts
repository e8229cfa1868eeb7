/** The instances router: create, list, get, update, delete (with cascade), ports, endpoints. */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_SPEC, instanceIdSchema } from '@/lib/schemas';
import { DEFAULT_PORTS, FIRST_EXTRA_PORT, isPortFree } from '../services/ports';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';

type Caller = Awaited<ReturnType<typeof adminCaller>>;
const UNKNOWN_ID = 'mqtt-cn-zzzzzzzzzz';

const portsOf = (i: { tcpPort: number; tlsPort: number; wsPort: number; wssPort: number }) => [
  i.tcpPort,
  i.tlsPort,
  i.wsPort,
  i.wssPort,
];

describe('instances router', () => {
  let backend: TempBackend;
  let admin: Caller;
  before(async () => {
    backend = tempBackend();
    admin = await adminCaller(backend);
  });
  after(() => backend.cleanup());

  describe('create', () => {
    it('creates an instance with a generated ID, the trimmed name, the spec, open mode off', async () => {
      const inst = await admin.instances.create({ name: ' create-basic ', ...DEFAULT_SPEC });
      assert.ok(instanceIdSchema.safeParse(inst.id).success, inst.id);
      assert.equal(inst.name, 'create-basic');
      assert.equal(inst.maxConnections, DEFAULT_SPEC.maxConnections);
      assert.equal(inst.maxTps, DEFAULT_SPEC.maxTps);
      assert.equal(inst.maxSubscriptions, DEFAULT_SPEC.maxSubscriptions);
      assert.equal(inst.openMode, false);
      assert.ok(Math.abs(inst.createdAt - Date.now()) < 5000);
      assert.deepEqual(await admin.instances.get({ id: inst.id }), inst);
    });

    it('accepts the spec as numeric strings (form values) and open mode', async () => {
      const inst = await admin.instances.create({
        name: 'create-open',
        maxConnections: '100000',
        maxTps: '20000',
        maxSubscriptions: '1000000',
        openMode: true,
      } as never);
      assert.equal(inst.maxConnections, 100000);
      assert.equal(inst.maxTps, 20000);
      assert.equal(inst.maxSubscriptions, 1000000);
      assert.equal(inst.openMode, true);
    });

    it('refuses a duplicate name with CONFLICT on the name field', async () => {
      await admin.instances.create({ name: 'dup', ...DEFAULT_SPEC });
      const count = (await admin.instances.list()).length;
      for (const name of ['dup', '  dup ']) {
        await rejectsWith(admin.instances.create({ name, ...DEFAULT_SPEC }), {
          code: 'CONFLICT',
          key: 'e.duplicate.instance',
          fields: { name: 'e.duplicate.instance' },
          params: { name: 'dup' },
        });
      }
      assert.equal((await admin.instances.list()).length, count, 'nothing was saved');
    });

    it('refuses bad values with BAD_REQUEST and the field key, saving nothing', async () => {
      const count = (await admin.instances.list()).length;
      await rejectsWith(admin.instances.create({ name: 'ab', ...DEFAULT_SPEC }), {
        code: 'BAD_REQUEST',
        key: 'v.instanceName.length',
        fields: { name: 'v.instanceName.length' },
      });
      await rejectsWith(admin.instances.create({ name: 'bad name', ...DEFAULT_SPEC }), {
        code: 'BAD_REQUEST',
        fields: { name: 'v.instanceName.chars' },
      });
      await rejectsWith(admin.instances.create({ name: 'good-name', ...DEFAULT_SPEC, maxConnections: 123 }), {
        code: 'BAD_REQUEST',
        fields: { maxConnections: 'v.spec.maxConnections' },
      });
      await rejectsWith(admin.instances.create({ name: 'good-name', ...DEFAULT_SPEC, maxTps: 2000 }), {
        code: 'BAD_REQUEST',
        fields: { maxTps: 'v.spec.maxTps' },
      });
      await rejectsWith(admin.instances.create({ name: 'good-name', ...DEFAULT_SPEC, maxSubscriptions: 5 }), {
        code: 'BAD_REQUEST',
        fields: { maxSubscriptions: 'v.spec.maxSubscriptions' },
      });
      assert.equal((await admin.instances.list()).length, count);
    });
  });

  describe('get and list', () => {
    it('get: unknown ID → NOT_FOUND, malformed ID → BAD_REQUEST on the id field', async () => {
      await rejectsWith(admin.instances.get({ id: UNKNOWN_ID }), {
        code: 'NOT_FOUND',
        key: 'e.notFound.instance',
        params: { id: UNKNOWN_ID },
      });
      await rejectsWith(admin.instances.get({ id: 'demo' }), {
        code: 'BAD_REQUEST',
        key: 'v.instanceId.format',
        fields: { id: 'v.instanceId.format' },
      });
    });

    it('list shows every instance with its topic and group counts', async () => {
      const inst = await admin.instances.create({ name: 'counted', ...DEFAULT_SPEC });
      await admin.topics.create({ instanceId: inst.id, name: 'TopicA' });
      await admin.topics.create({ instanceId: inst.id, name: 'TopicB' });
      await admin.groups.create({ instanceId: inst.id, name: 'GID_one' });
      const row = (await admin.instances.list()).find((i) => i.id === inst.id);
      assert.ok(row);
      assert.equal(row.name, 'counted');
      assert.equal(row.topicCount, 2);
      assert.equal(row.groupCount, 1);
      const other = (await admin.instances.list()).find((i) => i.name === 'dup');
      assert.equal(other?.topicCount, 0);
      assert.equal(other?.groupCount, 0);
    });
  });

  describe('update', () => {
    it('changes the name, the spec and open mode; ID and ports stay', async () => {
      const inst = await admin.instances.create({ name: 'to-update', ...DEFAULT_SPEC });
      const updated = await admin.instances.update({ id: inst.id, name: 'updated', maxConnections: 5000, openMode: true });
      assert.equal(updated.id, inst.id);
      assert.equal(updated.name, 'updated');
      assert.equal(updated.maxConnections, 5000);
      assert.equal(updated.maxTps, inst.maxTps);
      assert.equal(updated.openMode, true);
      assert.deepEqual(portsOf(updated), portsOf(inst));
      assert.deepEqual(await admin.instances.get({ id: inst.id }), updated);
      // Nothing to change: the instance as it is.
      assert.deepEqual(await admin.instances.update({ id: inst.id }), updated);
      // Keeping its own name is not a duplicate.
      assert.equal((await admin.instances.update({ id: inst.id, name: 'updated', maxTps: '500' } as never)).maxTps, 500);
    });

    it("refuses another instance's name, bad values and unknown instances", async () => {
      const a = await admin.instances.create({ name: 'update-a', ...DEFAULT_SPEC });
      await admin.instances.create({ name: 'update-b', ...DEFAULT_SPEC });
      await rejectsWith(admin.instances.update({ id: a.id, name: 'update-b' }), {
        code: 'CONFLICT',
        key: 'e.duplicate.instance',
        fields: { name: 'e.duplicate.instance' },
      });
      await rejectsWith(admin.instances.update({ id: a.id, name: 'x' }), {
        code: 'BAD_REQUEST',
        fields: { name: 'v.instanceName.length' },
      });
      await rejectsWith(admin.instances.update({ id: a.id, maxSubscriptions: 1 }), {
        code: 'BAD_REQUEST',
        fields: { maxSubscriptions: 'v.spec.maxSubscriptions' },
      });
      await rejectsWith(admin.instances.update({ id: UNKNOWN_ID, name: 'whatever' }), {
        code: 'NOT_FOUND',
        key: 'e.notFound.instance',
      });
      assert.equal((await admin.instances.get({ id: a.id })).name, 'update-a', 'nothing was saved');
    });
  });

  describe('delete', () => {
    it('needs the exact instance name typed in', async () => {
      const inst = await admin.instances.create({ name: 'Keep-Me', ...DEFAULT_SPEC });
      for (const confirmName of ['', 'keep-me', 'Keep-Me ', ' Keep-Me', 'Keep', inst.id]) {
        await rejectsWith(admin.instances.delete({ id: inst.id, confirmName }), {
          code: 'BAD_REQUEST',
          key: 'e.deleteConfirm',
          fields: { confirmName: 'e.deleteConfirm' },
          params: { name: 'Keep-Me' },
        });
      }
      assert.equal((await admin.instances.get({ id: inst.id })).name, 'Keep-Me');
    });

    it('removes the instance with its topics and groups, and nothing of other instances', async () => {
      const doomed = await admin.instances.create({ name: 'doomed', ...DEFAULT_SPEC });
      const other = await admin.instances.create({ name: 'survivor', ...DEFAULT_SPEC });
      for (const inst of [doomed, other]) {
        await admin.topics.create({ instanceId: inst.id, name: 'Orders' });
        await admin.topics.create({ instanceId: inst.id, name: 'Alerts' });
        await admin.groups.create({ instanceId: inst.id, name: 'GID_workers' });
      }
      assert.deepEqual(await admin.instances.delete({ id: doomed.id, confirmName: 'doomed' }), { ok: true });

      await rejectsWith(admin.instances.get({ id: doomed.id }), { code: 'NOT_FOUND' });
      assert.ok(!(await admin.instances.list()).some((i) => i.id === doomed.id));
      await rejectsWith(admin.topics.list({ instanceId: doomed.id }), { code: 'NOT_FOUND', key: 'e.notFound.instance' });
      const sqlite = backend.db.$client;
      const left = (table: string, id: string) =>
        (sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE instance_id = ?`).get(id) as { n: number }).n;
      assert.equal(left('topics', doomed.id), 0);
      assert.equal(left('groups', doomed.id), 0);
      assert.equal(left('topics', other.id), 2);
      assert.equal(left('groups', other.id), 1);
      assert.equal((await admin.topics.list({ instanceId: other.id })).length, 2);

      // The name is free again.
      await admin.instances.create({ name: 'doomed', ...DEFAULT_SPEC });
    });

    it('unknown instance → NOT_FOUND', async () => {
      await rejectsWith(admin.instances.delete({ id: UNKNOWN_ID, confirmName: 'x' }), {
        code: 'NOT_FOUND',
        key: 'e.notFound.instance',
      });
    });
  });
});

describe('instance ports', () => {
  let backend: TempBackend;
  let admin: Caller;
  beforeEach(async () => {
    backend = tempBackend();
    admin = await adminCaller(backend);
  });
  afterEach(() => backend.cleanup());

  it('the first instance gets 1883/8883/8083/8084 when they are free; the second gets other free ports', async () => {
    const defaultsFree = (await Promise.all(Object.values(DEFAULT_PORTS).map(isPortFree))).every(Boolean);
    const first = await admin.instances.create({ name: 'first', ...DEFAULT_SPEC });
    if (defaultsFree) {
      assert.deepEqual(portsOf(first), [1883, 8883, 8083, 8084]);
    } else {
      // Something on this machine listens on a well-known port: the first instance counts up too.
      assert.ok(portsOf(first).every((p) => p >= FIRST_EXTRA_PORT), `${portsOf(first)}`);
    }
    const second = await admin.instances.create({ name: 'second', ...DEFAULT_SPEC });
    const all = [...portsOf(first), ...portsOf(second)];
    assert.equal(new Set(all).size, 8, `${all}`);
    assert.ok(portsOf(second).every((p) => p >= FIRST_EXTRA_PORT && p <= 65535), `${portsOf(second)}`);
  });

  it('instances created at the same time get distinct ports', async () => {
    const created = await Promise.all(
      ['para-1', 'para-2', 'para-3'].map((name) => admin.instances.create({ name, ...DEFAULT_SPEC })),
    );
    const all = created.flatMap(portsOf);
    assert.equal(new Set(all).size, 12, `${all}`);
  });

  it("a deleted instance's well-known ports can be given again", async () => {
    const first = await admin.instances.create({ name: 'first', ...DEFAULT_SPEC });
    await admin.instances.delete({ id: first.id, confirmName: 'first' });
    const defaultsFree = (await Promise.all(Object.values(DEFAULT_PORTS).map(isPortFree))).every(Boolean);
    const again = await admin.instances.create({ name: 'again', ...DEFAULT_SPEC });
    if (defaultsFree) assert.deepEqual(portsOf(again), [1883, 8883, 8083, 8084]);
    else assert.ok(portsOf(again).every((p) => p >= FIRST_EXTRA_PORT), `${portsOf(again)}`);
  });
});

describe('instance endpoints', () => {
  let backend: TempBackend;
  let admin: Caller;
  before(async () => {
    backend = tempBackend({ publicHost: 'broker.internal' });
    admin = await adminCaller(backend);
  });
  after(() => backend.cleanup());

  it('lists the four transports with the host from the configuration', async () => {
    const inst = await admin.instances.create({ name: 'endpoints', ...DEFAULT_SPEC });
    const eps = await admin.instances.endpoints({ id: inst.id });
    assert.deepEqual(eps, [
      { kind: 'tcp', url: `mqtt://broker.internal:${inst.tcpPort}`, host: 'broker.internal', port: inst.tcpPort },
      { kind: 'tls', url: `mqtts://broker.internal:${inst.tlsPort}`, host: 'broker.internal', port: inst.tlsPort },
      { kind: 'ws', url: `ws://broker.internal:${inst.wsPort}/mqtt`, host: 'broker.internal', port: inst.wsPort },
      { kind: 'wss', url: `wss://broker.internal:${inst.wssPort}/mqtt`, host: 'broker.internal', port: inst.wssPort },
    ]);
  });

  it('uses the host set in the settings', async () => {
    const inst = await admin.instances.create({ name: 'endpoints-host', ...DEFAULT_SPEC });
    await admin.settings.setPublicHost({ publicHost: 'mqtt.example.com' });
    const urls = (await admin.instances.endpoints({ id: inst.id })).map((e) => e.url);
    assert.deepEqual(urls, [
      `mqtt://mqtt.example.com:${inst.tcpPort}`,
      `mqtts://mqtt.example.com:${inst.tlsPort}`,
      `ws://mqtt.example.com:${inst.wsPort}/mqtt`,
      `wss://mqtt.example.com:${inst.wssPort}/mqtt`,
    ]);
    await admin.settings.setPublicHost({ publicHost: '[2001:db8::1]' });
    const v6 = await admin.instances.endpoints({ id: inst.id });
    assert.equal(v6[0]!.url, `mqtt://[2001:db8::1]:${inst.tcpPort}`);
    assert.equal(v6[3]!.url, `wss://[2001:db8::1]:${inst.wssPort}/mqtt`);
  });

  it('unknown instance → NOT_FOUND', async () => {
    await rejectsWith(admin.instances.endpoints({ id: UNKNOWN_ID }), { code: 'NOT_FOUND', key: 'e.notFound.instance' });
  });
});

describe('endpoints with an IPv6 host from MAGPIE_PUBLIC_HOST', () => {
  it('puts the address in brackets', async () => {
    const backend = tempBackend({ publicHost: '::1' });
    try {
      const admin = await adminCaller(backend);
      const inst = await admin.instances.create({ name: 'ipv6', ...DEFAULT_SPEC });
      const eps = await admin.instances.endpoints({ id: inst.id });
      assert.equal(eps[0]!.url, `mqtt://[::1]:${inst.tcpPort}`);
      assert.equal(eps[2]!.url, `ws://[::1]:${inst.wsPort}/mqtt`);
    } finally {
      backend.cleanup();
    }
  });
});
