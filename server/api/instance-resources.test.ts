/** The topics and groups routers: the same life cycle over parent topics and Group IDs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SPEC } from '@/lib/schemas';
import { appRouter } from './root';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';

type Caller = Awaited<ReturnType<typeof adminCaller>>;
const UNKNOWN_ID = 'mqtt-cn-zzzzzzzzzz';

const kinds = [
  {
    router: 'topics',
    duplicateKey: 'e.duplicate.topic',
    notFoundKey: 'e.notFound.topic',
    names: ['Orders', 'Alerts', 'Telemetry'],
    bad: [
      ['ab', 'v.topicName.length'],
      ['x'.repeat(65), 'v.topicName.length'],
      ['Orders/eu', 'v.topicName.chars'],
      ['Ord ers', 'v.topicName.chars'],
    ],
  },
  {
    router: 'groups',
    duplicateKey: 'e.duplicate.group',
    notFoundKey: 'e.notFound.group',
    names: ['GID_orders', 'GID-alerts', 'GID_telemetry'],
    bad: [
      ['orders1', 'v.groupName.prefix'],
      ['GID_ab', 'v.groupName.length'],
      [`GID_${'x'.repeat(61)}`, 'v.groupName.length'],
      ['GID_a/b', 'v.groupName.chars'],
    ],
  },
] as const;

for (const kind of kinds) {
  describe(`${kind.router} router`, () => {
    let backend: TempBackend;
    let admin: Caller;
    let api: Caller['topics'];
    let instanceId: string;
    let otherId: string;
    const [A, B, C] = kind.names;

    before(async () => {
      backend = tempBackend();
      admin = await adminCaller(backend);
      api = admin[kind.router];
      instanceId = (await admin.instances.create({ name: 'main', ...DEFAULT_SPEC })).id;
      otherId = (await admin.instances.create({ name: 'other', ...DEFAULT_SPEC })).id;
    });
    after(() => backend.cleanup());

    it('a new instance has none', async () => {
      assert.deepEqual(await api.list({ instanceId }), []);
    });

    it('create stores the trimmed name and description', async () => {
      const row = await api.create({ instanceId, name: ` ${B} `, description: '  second one  ' });
      assert.equal(row.instanceId, instanceId);
      assert.equal(row.name, B);
      assert.equal(row.description, 'second one');
      assert.ok(Math.abs(row.createdAt - Date.now()) < 5000);
      const noDescription = await api.create({ instanceId, name: A });
      assert.equal(noDescription.description, '');
    });

    it('list shows the instance’s resources sorted by name', async () => {
      const names = (await api.list({ instanceId })).map((r) => r.name);
      assert.deepEqual(names, [A, B].sort());
      assert.deepEqual(await api.list({ instanceId: otherId }), []);
    });

    it('a duplicate name is refused with CONFLICT on the name field, and nothing is saved', async () => {
      for (const name of [A, `  ${A}  `]) {
        await rejectsWith(api.create({ instanceId, name, description: 'again' }), {
          code: 'CONFLICT',
          key: kind.duplicateKey,
          fields: { name: kind.duplicateKey },
          params: { name: A },
        });
      }
      const rows = await api.list({ instanceId });
      assert.equal(rows.length, 2);
      assert.equal(rows.find((r) => r.name === A)!.description, '');
    });

    it('the same name is fine in another instance', async () => {
      const row = await api.create({ instanceId: otherId, name: A });
      assert.equal(row.instanceId, otherId);
    });

    it('bad names and descriptions are refused with BAD_REQUEST and the field key', async () => {
      for (const [name, key] of kind.bad) {
        await rejectsWith(api.create({ instanceId, name }), { code: 'BAD_REQUEST', key, fields: { name: key } });
      }
      await rejectsWith(api.create({ instanceId, name: C, description: 'd'.repeat(257) }), {
        code: 'BAD_REQUEST',
        key: 'v.description.length',
        fields: { description: 'v.description.length' },
      });
      await rejectsWith(api.create({ instanceId: 'main', name: C }), {
        code: 'BAD_REQUEST',
        fields: { instanceId: 'v.instanceId.format' },
      });
      assert.equal((await api.list({ instanceId })).length, 2, 'nothing was saved');
    });

    it('unknown instance → NOT_FOUND for every procedure', async () => {
      const expected = { code: 'NOT_FOUND', key: 'e.notFound.instance', params: { id: UNKNOWN_ID } } as const;
      await rejectsWith(api.list({ instanceId: UNKNOWN_ID }), expected);
      await rejectsWith(api.create({ instanceId: UNKNOWN_ID, name: C }), expected);
      await rejectsWith(api.describe({ instanceId: UNKNOWN_ID, name: A, description: 'x' }), expected);
      await rejectsWith(api.delete({ instanceId: UNKNOWN_ID, name: A }), expected);
    });

    it('describe changes only the description', async () => {
      const [before] = (await api.list({ instanceId })).filter((r) => r.name === B);
      const after = await api.describe({
        instanceId,
        name: B,
        description: ' new text ',
        // A rename attempt is not part of the input and is ignored: names are immutable.
        ...({ newName: 'Renamed', id: 999 } as object),
      });
      assert.deepEqual(after, { ...before, description: 'new text' });
      assert.equal((await api.list({ instanceId })).find((r) => r.name === B)!.description, 'new text');
      // Clearing it works too.
      assert.equal((await api.describe({ instanceId, name: B, description: '' })).description, '');
    });

    it('there is no way to rename: the router has list, create, describe and delete only', () => {
      const procs = Object.keys(appRouter._def.procedures)
        .filter((p) => p.startsWith(`${kind.router}.`))
        .sort();
      assert.deepEqual(procs, ['create', 'delete', 'describe', 'list'].map((p) => `${kind.router}.${p}`));
    });

    it('describe: unknown name → NOT_FOUND, bad description → BAD_REQUEST', async () => {
      await rejectsWith(api.describe({ instanceId, name: C, description: 'x' }), {
        code: 'NOT_FOUND',
        key: kind.notFoundKey,
        params: { instanceId, name: C },
      });
      await rejectsWith(api.describe({ instanceId, name: A, description: 'd'.repeat(257) }), {
        code: 'BAD_REQUEST',
        fields: { description: 'v.description.length' },
      });
      await rejectsWith(api.describe({ instanceId, name: '', description: 'x' }), {
        code: 'BAD_REQUEST',
        fields: { name: 'v.required' },
      });
    });

    it('delete removes it from this instance only', async () => {
      assert.deepEqual(await api.delete({ instanceId, name: A }), { ok: true });
      assert.deepEqual(
        (await api.list({ instanceId })).map((r) => r.name),
        [B],
      );
      assert.deepEqual(
        (await api.list({ instanceId: otherId })).map((r) => r.name),
        [A],
      );
      await rejectsWith(api.delete({ instanceId, name: A }), {
        code: 'NOT_FOUND',
        key: kind.notFoundKey,
        params: { instanceId, name: A },
      });
      // The name can be used again.
      await api.create({ instanceId, name: A });
    });

    it('lists 500 of them', async () => {
      const id = (await admin.instances.create({ name: `many-${kind.router}`, ...DEFAULT_SPEC })).id;
      const prefix = kind.router === 'topics' ? 'T_' : 'GID_';
      for (let i = 0; i < 500; i++) await api.create({ instanceId: id, name: `${prefix}${String(i).padStart(3, '0')}` });
      const rows = await api.list({ instanceId: id });
      assert.equal(rows.length, 500);
      assert.equal(rows[0]!.name, `${prefix}000`);
      assert.equal(rows[499]!.name, `${prefix}499`);
      const inList = (await admin.instances.list()).find((i) => i.id === id)!;
      assert.equal(kind.router === 'topics' ? inList.topicCount : inList.groupCount, 500);
    });
  });
}

describe('topics and groups are separate', () => {
  it('a topic and a group may share a name', async () => {
    const backend = tempBackend();
    try {
      const admin = await adminCaller(backend);
      const { id } = await admin.instances.create({ name: 'shared', ...DEFAULT_SPEC });
      await admin.topics.create({ instanceId: id, name: 'GID_same' });
      await admin.groups.create({ instanceId: id, name: 'GID_same' });
      assert.equal((await admin.topics.list({ instanceId: id })).length, 1);
      assert.equal((await admin.groups.list({ instanceId: id })).length, 1);
      await admin.topics.delete({ instanceId: id, name: 'GID_same' });
      assert.equal((await admin.groups.list({ instanceId: id })).length, 1);
    } finally {
      backend.cleanup();
    }
  });
});
