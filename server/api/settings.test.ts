/** The settings router: the host name shown in endpoint URLs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openBackend } from '../backend';
import { adminCaller, rejectsWith, tempBackend, type TempBackend } from '../testing/temp-backend';

type Caller = Awaited<ReturnType<typeof adminCaller>>;

describe('settings router', () => {
  let backend: TempBackend;
  let admin: Caller;
  before(async () => {
    backend = tempBackend({ publicHost: 'from-env.example' });
    admin = await adminCaller(backend);
  });
  after(() => backend.cleanup());

  it('get: the host from MAGPIE_PUBLIC_HOST until one is saved', async () => {
    assert.deepEqual(await admin.settings.get(), { publicHost: 'from-env.example' });
  });

  it('setPublicHost saves the trimmed host', async () => {
    assert.deepEqual(await admin.settings.setPublicHost({ publicHost: '  mqtt.example.com ' }), { publicHost: 'mqtt.example.com' });
    assert.deepEqual(await admin.settings.get(), { publicHost: 'mqtt.example.com' });
    await admin.settings.setPublicHost({ publicHost: '10.0.0.5' });
    assert.deepEqual(await admin.settings.get(), { publicHost: '10.0.0.5' });
  });

  it('the saved host survives a restart (a new backend on the same data directory)', async () => {
    await admin.settings.setPublicHost({ publicHost: 'persisted.example' });
    const restarted = openBackend(backend.config);
    try {
      const again = await adminCaller(restarted);
      assert.deepEqual(await again.settings.get(), { publicHost: 'persisted.example' });
    } finally {
      restarted.db.$client.close();
    }
  });

  it('refuses a bad host on the publicHost field and keeps the saved one', async () => {
    await admin.settings.setPublicHost({ publicHost: 'kept.example' });
    await rejectsWith(admin.settings.setPublicHost({ publicHost: 'http://x.example:80/' }), {
      code: 'BAD_REQUEST',
      key: 'v.host.format',
      fields: { publicHost: 'v.host.format' },
    });
    await rejectsWith(admin.settings.setPublicHost({ publicHost: '  ' }), {
      code: 'BAD_REQUEST',
      key: 'v.required',
      fields: { publicHost: 'v.required' },
    });
    assert.deepEqual(await admin.settings.get(), { publicHost: 'kept.example' });
  });
});
