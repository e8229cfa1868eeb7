/** The settings router: the host name shown in endpoint URLs, how long telemetry is kept. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openBackend } from '../backend';
import { readRetentionDays } from '../telemetry/settings';
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

  describe('telemetry retention', () => {
    it('is 3 days until one is saved', async () => {
      assert.deepEqual(await admin.settings.telemetryRetention(), { telemetryRetentionDays: 3 });
    });

    it('saves a whole number of days from 1 to 365, which the broker reads on its next reload', async () => {
      assert.deepEqual(await admin.settings.setTelemetryRetention({ telemetryRetentionDays: 7 }), { telemetryRetentionDays: 7 });
      assert.deepEqual(await admin.settings.telemetryRetention(), { telemetryRetentionDays: 7 });
      assert.equal(readRetentionDays(backend.db), 7);
      await admin.settings.setTelemetryRetention({ telemetryRetentionDays: 1 });
      assert.equal(readRetentionDays(backend.db), 1);
      await admin.settings.setTelemetryRetention({ telemetryRetentionDays: 365 });
      assert.deepEqual(await admin.settings.telemetryRetention(), { telemetryRetentionDays: 365 });
    });

    it('refuses 0, 366, fractions and non-numbers on its field and keeps the saved value', async () => {
      await admin.settings.setTelemetryRetention({ telemetryRetentionDays: 5 });
      for (const bad of [0, 366, 2.5, -1, 'many']) {
        await rejectsWith(admin.settings.setTelemetryRetention({ telemetryRetentionDays: bad as number }), {
          code: 'BAD_REQUEST',
          key: 'v.telemetryRetentionDays',
          fields: { telemetryRetentionDays: 'v.telemetryRetentionDays' },
        });
      }
      assert.deepEqual(await admin.settings.telemetryRetention(), { telemetryRetentionDays: 5 });
      assert.equal(readRetentionDays(backend.db), 5);
    });
  });
});
