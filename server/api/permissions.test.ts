/** The permissions router: topic permission rules of an instance (list, create, delete). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SPEC } from '@/lib/schemas';
import { appRouter } from './root';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';

type Caller = Awaited<ReturnType<typeof adminCaller>>;
const UNKNOWN_ID = 'mqtt-cn-zzzzzzzzzz';

describe('permissions router', () => {
  let backend: TempBackend;
  let admin: Caller;
  let instanceId: string;
  let otherId: string;

  before(async () => {
    backend = tempBackend();
    admin = await adminCaller(backend);
    instanceId = (await admin.instances.create({ name: 'main', ...DEFAULT_SPEC })).id;
    otherId = (await admin.instances.create({ name: 'other', ...DEFAULT_SPEC })).id;
  });
  after(() => backend.cleanup());

  it('a new instance has none', async () => {
    assert.deepEqual(await admin.permissions.list({ instanceId }), []);
  });

  it('create stores the rule with a trimmed description', async () => {
    const row = await admin.permissions.create({
      instanceId,
      filter: 'test/nosubscribe',
      action: 'subscribe',
      effect: 'deny',
      description: '  paho suite  ',
    });
    assert.equal(row.instanceId, instanceId);
    assert.equal(row.filter, 'test/nosubscribe');
    assert.equal(row.action, 'subscribe');
    assert.equal(row.effect, 'deny');
    assert.equal(row.description, 'paho suite');
    assert.ok(Math.abs(row.createdAt - Date.now()) < 5000);
    const noDescription = await admin.permissions.create({ instanceId, filter: 'secret/#', action: 'both', effect: 'deny' });
    assert.equal(noDescription.description, '');
    // The same filter with another action is another rule.
    await admin.permissions.create({ instanceId, filter: 'secret/#', action: 'publish', effect: 'allow' });
  });

  it('list shows the instance’s rules sorted by filter, then action', async () => {
    const rows = await admin.permissions.list({ instanceId });
    assert.deepEqual(
      rows.map((r) => [r.filter, r.action, r.effect]),
      [
        ['secret/#', 'both', 'deny'],
        ['secret/#', 'publish', 'allow'],
        ['test/nosubscribe', 'subscribe', 'deny'],
      ],
    );
    assert.deepEqual(await admin.permissions.list({ instanceId: otherId }), []);
  });

  it('a duplicate (filter, action) is refused with CONFLICT on the filter field, whatever the effect', async () => {
    for (const effect of ['deny', 'allow'] as const) {
      await rejectsWith(admin.permissions.create({ instanceId, filter: 'secret/#', action: 'both', effect }), {
        code: 'CONFLICT',
        key: 'e.duplicate.permission',
        fields: { filter: 'e.duplicate.permission' },
        params: { filter: 'secret/#', action: 'both' },
      });
    }
    assert.equal((await admin.permissions.list({ instanceId })).length, 3);
    // The same rule is fine in another instance.
    await admin.permissions.create({ instanceId: otherId, filter: 'secret/#', action: 'both', effect: 'deny' });
  });

  it('bad filters, actions and effects are refused with BAD_REQUEST and the field key', async () => {
    const bad: [unknown, string][] = [
      ['', 'v.required'],
      [undefined, 'v.required'],
      ['x'.repeat(257), 'v.permissionFilter.length'],
      ['a/#/b', 'v.permissionFilter.format'],
      ['a#', 'v.permissionFilter.format'],
      ['a/b+', 'v.permissionFilter.format'],
      ['a\u0000b', 'v.permissionFilter.format'],
      ['$share/g/a/#', 'v.permissionFilter.shared'],
    ];
    for (const [filter, key] of bad) {
      await rejectsWith(admin.permissions.create({ instanceId, filter: filter as string, action: 'both', effect: 'deny' }), {
        code: 'BAD_REQUEST',
        fields: { filter: key },
      });
    }
    await admin.permissions.create({ instanceId, filter: 'x'.repeat(256), action: 'publish', effect: 'deny' });
    await admin.permissions.delete({ instanceId, filter: 'x'.repeat(256), action: 'publish' });
    await rejectsWith(admin.permissions.create({ instanceId, filter: 'a', action: 'read' as 'publish', effect: 'deny' }), {
      code: 'BAD_REQUEST',
      fields: { action: 'v.permission.action' },
    });
    await rejectsWith(admin.permissions.create({ instanceId, filter: 'a', action: 'both', effect: 'maybe' as 'deny' }), {
      code: 'BAD_REQUEST',
      fields: { effect: 'v.permission.effect' },
    });
    await rejectsWith(
      admin.permissions.create({ instanceId, filter: 'a', action: 'both', effect: 'deny', description: 'd'.repeat(257) }),
      { code: 'BAD_REQUEST', fields: { description: 'v.description.length' } },
    );
    assert.equal((await admin.permissions.list({ instanceId })).length, 3, 'nothing was saved');
  });

  it('unknown instance → NOT_FOUND for every procedure', async () => {
    const expected = { code: 'NOT_FOUND', key: 'e.notFound.instance', params: { id: UNKNOWN_ID } } as const;
    await rejectsWith(admin.permissions.list({ instanceId: UNKNOWN_ID }), expected);
    await rejectsWith(admin.permissions.create({ instanceId: UNKNOWN_ID, filter: 'a', action: 'both', effect: 'deny' }), expected);
    await rejectsWith(admin.permissions.delete({ instanceId: UNKNOWN_ID, filter: 'a', action: 'both' }), expected);
  });

  it('delete removes the (filter, action) rule from this instance only', async () => {
    assert.deepEqual(await admin.permissions.delete({ instanceId, filter: 'secret/#', action: 'both' }), { ok: true });
    assert.deepEqual(
      (await admin.permissions.list({ instanceId })).map((r) => [r.filter, r.action]),
      [
        ['secret/#', 'publish'],
        ['test/nosubscribe', 'subscribe'],
      ],
    );
    assert.equal((await admin.permissions.list({ instanceId: otherId })).length, 1);
    await rejectsWith(admin.permissions.delete({ instanceId, filter: 'secret/#', action: 'both' }), {
      code: 'NOT_FOUND',
      key: 'e.notFound.permission',
      params: { instanceId, filter: 'secret/#', action: 'both' },
    });
    // It can be created again.
    await admin.permissions.create({ instanceId, filter: 'secret/#', action: 'both', effect: 'allow' });
  });

  it('deleting the instance deletes its rules', async () => {
    const { id } = await admin.instances.create({ name: 'doomed', ...DEFAULT_SPEC });
    await admin.permissions.create({ instanceId: id, filter: '#', action: 'both', effect: 'deny' });
    await admin.instances.delete({ id, confirmName: 'doomed' });
    const left = backend.db.$client.prepare('SELECT count(*) AS n FROM topic_permissions WHERE instance_id = ?').get(id) as { n: number };
    assert.equal(left.n, 0);
  });

  it('the router has list, create and delete only', () => {
    const procs = Object.keys(appRouter._def.procedures)
      .filter((p) => p.startsWith('permissions.'))
      .sort();
    assert.deepEqual(procs, ['permissions.create', 'permissions.delete', 'permissions.list']);
  });
});
