/** Port allocation for new instances, with the "is this port free" probe replaced. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { instances } from '@/db/schema';
import { DEFAULT_SPEC } from '@/lib/schemas';
import { openBackend } from '../backend';
import { AppError } from '../errors';
import { tempBackend, type TempBackend } from '../testing/temp-backend';
import { createInstance, deleteInstance } from './instances';
import { allocatePorts, DEFAULT_PORTS, FIRST_EXTRA_PORT, isPortFree, portsInUse } from './ports';

const allFree = async () => true;
const busy =
  (...ports: number[]) =>
  async (port: number) =>
    !ports.includes(port);
/** Free after a tick, like the real probe: lets concurrent creates interleave. */
const slowFree = (port: number) => new Promise<boolean>((resolve) => setTimeout(() => resolve(port > 0), 1));

const portsOf = (i: { tcpPort: number; tlsPort: number; wsPort: number; wssPort: number }) => [
  i.tcpPort,
  i.tlsPort,
  i.wsPort,
  i.wssPort,
];

let seq = 0;
function insertInstance(backend: TempBackend, ports: number[]) {
  const [tcpPort, tlsPort, wsPort, wssPort] = ports as [number, number, number, number];
  seq++;
  backend.db
    .insert(instances)
    .values({ id: `mqtt-cn-fixture${String(seq).padStart(5, '0')}`, name: `fixture-${seq}`, ...DEFAULT_SPEC, tcpPort, tlsPort, wsPort, wssPort })
    .run();
}

describe('allocatePorts', () => {
  let backend: TempBackend;
  beforeEach(() => {
    backend = tempBackend();
  });
  afterEach(() => backend.cleanup());

  it('the first instance gets 1883/8883/8083/8084', async () => {
    assert.deepEqual(await allocatePorts(backend.db, allFree), { tcpPort: 1883, tlsPort: 8883, wsPort: 8083, wssPort: 8084 });
    assert.deepEqual(DEFAULT_PORTS, { tcpPort: 1883, tlsPort: 8883, wsPort: 8083, wssPort: 8084 });
  });

  it('when one well-known port is busy on the machine, all four come from the free range', async () => {
    for (const port of Object.values(DEFAULT_PORTS)) {
      assert.deepEqual(portsOf(await allocatePorts(backend.db, busy(port))), [
        FIRST_EXTRA_PORT,
        FIRST_EXTRA_PORT + 1,
        FIRST_EXTRA_PORT + 2,
        FIRST_EXTRA_PORT + 3,
      ]);
    }
  });

  it('later instances get the next ports no instance owns and nothing listens on', async () => {
    insertInstance(backend, [1883, 8883, 8083, 8084]);
    assert.deepEqual(portsOf(await allocatePorts(backend.db, allFree)), [11883, 11884, 11885, 11886]);
    insertInstance(backend, [11883, 11884, 11885, 11886]);
    assert.deepEqual(portsOf(await allocatePorts(backend.db, allFree)), [11887, 11888, 11889, 11890]);
    // Skips busy ports and ports of other instances, wherever they are.
    insertInstance(backend, [11888, 20000, 20001, 20002]);
    assert.deepEqual(portsOf(await allocatePorts(backend.db, busy(11887, 11890))), [11889, 11891, 11892, 11893]);
  });

  it('an instance holding any one well-known port sends the next one to the free range', async () => {
    insertInstance(backend, [30000, 30001, 8083, 30002]);
    assert.deepEqual(portsOf(await allocatePorts(backend.db, allFree)), [11883, 11884, 11885, 11886]);
  });

  it('the well-known ports are given again once no instance holds them', async () => {
    insertInstance(backend, [1883, 8883, 8083, 8084]);
    backend.db.delete(instances).run();
    assert.equal(portsInUse(backend.db).size, 0);
    assert.deepEqual(portsOf(await allocatePorts(backend.db, allFree)), [1883, 8883, 8083, 8084]);
  });

  it('no free ports left → CONFLICT e.noFreePorts', async () => {
    await assert.rejects(allocatePorts(backend.db, async () => false), (err: AppError) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'CONFLICT');
      assert.equal(err.key, 'e.noFreePorts');
      return true;
    });
    // Three free ports are not enough either.
    await assert.rejects(allocatePorts(backend.db, async (p) => p === 40000 || p === 40001 || p === 40002), /No free ports/);
  });
});

describe('isPortFree', () => {
  it('is false while something listens on the port and true after it stops', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '0.0.0.0' }, resolve));
    const { port } = server.address() as net.AddressInfo;
    assert.equal(await isPortFree(port), false);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(await isPortFree(port), true);
  });
});

describe('createInstance ports', () => {
  let backend: TempBackend;
  beforeEach(() => {
    backend = tempBackend();
  });
  afterEach(() => backend.cleanup());

  it('first instance 1883/8883/8083/8084, second distinct ports', async () => {
    const first = await createInstance(backend, { name: 'first', ...DEFAULT_SPEC }, allFree);
    const second = await createInstance(backend, { name: 'second', ...DEFAULT_SPEC }, allFree);
    assert.deepEqual(portsOf(first), [1883, 8883, 8083, 8084]);
    assert.deepEqual(portsOf(second), [11883, 11884, 11885, 11886]);
  });

  it('concurrent creates never share a port', async () => {
    const created = await Promise.all(
      Array.from({ length: 5 }, (_, i) => createInstance(backend, { name: `concurrent-${i}`, ...DEFAULT_SPEC }, slowFree)),
    );
    const all = created.flatMap(portsOf);
    assert.equal(new Set(all).size, all.length, `${all}`);
    assert.ok(created.some((i) => i.tcpPort === 1883));
  });

  it('a create in another process (another database connection) at the same time gets other ports', async () => {
    const cli = openBackend(backend.config);
    try {
      const [a, b] = await Promise.all([
        createInstance(backend, { name: 'console-side', ...DEFAULT_SPEC }, slowFree),
        createInstance(cli, { name: 'cli-side', ...DEFAULT_SPEC }, slowFree),
      ]);
      const all = [...portsOf(a), ...portsOf(b)];
      assert.equal(new Set(all).size, 8, `${all}`);
    } finally {
      cli.db.$client.close();
    }
  });

  it('a duplicate name is refused before any port is probed', async () => {
    await createInstance(backend, { name: 'taken', ...DEFAULT_SPEC }, allFree);
    let probes = 0;
    await assert.rejects(
      createInstance(backend, { name: 'taken', ...DEFAULT_SPEC }, async () => {
        probes++;
        return true;
      }),
      (err: AppError) => err.key === 'e.duplicate.instance' && err.field === 'name',
    );
    assert.equal(probes, 0);
  });

  it('deleting the first instance frees the well-known ports', async () => {
    const first = await createInstance(backend, { name: 'first', ...DEFAULT_SPEC }, allFree);
    deleteInstance(backend, first.id, 'first');
    const next = await createInstance(backend, { name: 'next', ...DEFAULT_SPEC }, allFree);
    assert.deepEqual(portsOf(next), [1883, 8883, 8083, 8084]);
  });
});
