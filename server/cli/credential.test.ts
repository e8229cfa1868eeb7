/**
 * `magpie credential …` and the instance-limit flags of `magpie instance update`, as users run
 * them: the real bin/magpie.js on a temporary data directory; what it wrote is read back through
 * a Backend held open on the same database.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { deviceCredentials, instances } from '@/db/schema';
import { openBackend, type Backend } from '../backend';
import { loadConfig } from '../config';
import { jsonError, magpie, ok, okJson } from './testing/run-cli';

const CLIENT = 'GID_sensors@@@device-001';

interface Issued {
  instanceId: string;
  clientId: string;
  deviceAccessKeyId: string;
  deviceAccessKeySecret: string;
}

describe('magpie CLI: credential and instance limits', () => {
  let dataDir: string;
  let backend: Backend;
  let id: string;
  const stored = () => backend.db.select().from(deviceCredentials).all();

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-cli-cred-'));
    id = okJson<{ id: string }>(await magpie(['instance', 'create', '--name', 'creds', '--json'], dataDir)).id;
    ok(await magpie(['group', 'create', 'GID_sensors', '--instance', id], dataDir));
    backend = openBackend({ ...loadConfig(), dataDir });
  });
  after(() => {
    backend.db.$client.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the help lists the credential verbs with their flags, and the new instance update flags', async () => {
    const help = ok(await magpie(['--help'], dataDir));
    for (const line of [
      'magpie credential list --instance <id>',
      'magpie credential get <clientId> --instance <id>',
      'magpie credential register <clientId> --instance <id>',
      'magpie credential refresh <clientId> --instance <id>',
      'magpie credential unregister <clientId> --instance <id> --yes',
    ]) {
      assert.ok(help.includes(line), `missing "${line}" in:\n${help}`);
    }
    const update = ok(await magpie(['instance', 'update', '--help'], dataDir));
    for (const flag of ['--max-topic-length <chars>', '--max-payload-kb <kb>', '--max-subscriptions-per-client <n>', '--offline-retention-hours <hours>', '--offline-store-limit <n>']) {
      assert.ok(update.includes(flag), `missing ${flag} in:\n${update}`);
    }
  });

  it('register prints the secret once (text), and --json gives ID and secret; the database holds it sealed', async () => {
    const text = ok(await magpie(['credential', 'register', CLIENT, '--instance', id], dataDir));
    assert.match(text, /^DeviceAccessKeyId:\s+dk-[0-9A-Za-z]{20}$/m);
    assert.match(text, /^DeviceAccessKeySecret:\s+[0-9A-Za-z]{30}$/m);
    assert.match(text, new RegExp(`^MQTT user name:\\s+DeviceCredential\\|dk-[0-9A-Za-z]{20}\\|${id}$`, 'm'));
    assert.match(text, /only time the secret is shown/);
    // Registering again replaces the pair.
    const issued = okJson<Issued>(await magpie(['credential', 'register', '--client-id', CLIENT, '--instance', id, '--json'], dataDir));
    assert.equal(issued.clientId, CLIENT);
    assert.match(issued.deviceAccessKeySecret, /^[0-9A-Za-z]{30}$/);
    assert.ok(!text.includes(issued.deviceAccessKeyId), 'a new DeviceAccessKeyId');
    const rows = stored();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.accessKeyId, issued.deviceAccessKeyId);
    assert.equal(openBackend({ ...loadConfig(), dataDir }).secrets.open(rows[0]!.secretEncrypted), issued.deviceAccessKeySecret);
  });

  it('list and get never print a secret', async () => {
    const secretOf = () => openBackend({ ...loadConfig(), dataDir }).secrets.open(stored()[0]!.secretEncrypted);
    const secret = secretOf();
    const list = ok(await magpie(['credential', 'list', '--instance', id], dataDir));
    assert.match(list.split('\n')[0]!, /^CLIENT ID\s+DEVICE ACCESS KEY ID\s+CREATED\s+UPDATED$/);
    assert.match(list, new RegExp(`^${CLIENT}\\s+dk-`, 'm'));
    const listJson = okJson<unknown[]>(await magpie(['credential', 'list', '--instance', id, '--json'], dataDir));
    assert.equal(listJson.length, 1);
    const get = ok(await magpie(['credential', 'get', CLIENT, '--instance', id], dataDir));
    assert.match(get, /^Client ID:\s+GID_sensors@@@device-001$/m);
    for (const out of [list, JSON.stringify(listJson), get]) assert.ok(!out.includes(secret));
  });

  it('refresh keeps the DeviceAccessKeyId and prints a new secret', async () => {
    const before = stored()[0]!;
    const refreshed = okJson<Issued>(await magpie(['credential', 'refresh', CLIENT, '--instance', id, '--json'], dataDir));
    assert.equal(refreshed.deviceAccessKeyId, before.accessKeyId);
    assert.notEqual(stored()[0]!.secretEncrypted, before.secretEncrypted);
  });

  it('bad client IDs and an unknown group exit 1 with the reason on --client-id; nothing is stored', async () => {
    const bad = await magpie(['credential', 'register', 'GID_sensors@@@dev/1', '--instance', id], dataDir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^magpie: client-id: A client ID may contain only printable characters/m);
    const noGroup = await magpie(['credential', 'register', 'GID_other@@@dev', '--instance', id, '--json'], dataDir);
    assert.equal(noGroup.code, 1);
    const err = jsonError(noGroup);
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.key, 'e.credential.noGroup');
    assert.match(err.message, /Group ID "GID_other" does not exist/);
    assert.ok(err.fields?.['client-id']);
    const missing = await magpie(['credential', 'get', '--instance', id], dataDir);
    assert.equal(missing.code, 2, 'no client ID is a usage error');
    assert.equal(stored().length, 1);
  });

  it('unregister needs --yes, then removes the credential', async () => {
    const refused = await magpie(['credential', 'unregister', CLIENT, '--instance', id], dataDir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Add --yes to confirm/);
    assert.equal(stored().length, 1);
    const done = okJson<{ unregistered: boolean }>(await magpie(['credential', 'unregister', CLIENT, '--instance', id, '--yes', '--json'], dataDir));
    assert.equal(done.unregistered, true);
    assert.equal(stored().length, 0);
    const gone = await magpie(['credential', 'get', CLIENT, '--instance', id], dataDir);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No device credential is registered for client ID "GID_sensors@@@device-001"/);
  });

  it('instance update sets the limits (payload in KB) and instance get shows them', async () => {
    const updated = okJson<Record<string, number>>(
      await magpie(
        [
          'instance', 'update', id,
          '--max-topic-length', '128',
          '--max-payload-kb', '256',
          '--max-subscriptions-per-client', '50',
          '--offline-retention-hours', '24',
          '--offline-store-limit', '5000',
          '--json',
        ],
        dataDir,
      ),
    );
    assert.deepEqual(
      [updated.maxTopicLength, updated.maxPayloadBytes, updated.maxSubscriptionsPerClient, updated.offlineRetentionHours, updated.offlineStoreLimit],
      [128, 256 * 1024, 50, 24, 5000],
    );
    const text = ok(await magpie(['instance', 'get', id], dataDir));
    assert.match(text, /^Max topic length:\s+128 characters$/m);
    assert.match(text, /^Max payload:\s+256 KB$/m);
    assert.match(text, /^Subscriptions per client:\s+50$/m);
    assert.match(text, /^Offline retention:\s+24 h$/m);
    assert.match(text, /^Offline store limit:\s+5,000 messages$/m);
  });

  it('out-of-range or non-numeric limits exit 1 with one line per flag; nothing changes', async () => {
    const r = await magpie(
      ['instance', 'update', id, '--max-topic-length', '8', '--max-payload-kb', '1.5', '--offline-retention-hours', 'soon', '--offline-store-limit', '0'],
      dataDir,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^magpie: max-topic-length: The maximum topic length must be a whole number of characters from 16 to 1024\.$/m);
    assert.match(r.stderr, /^magpie: max-payload-kb: The maximum payload must be a whole number of KB from 1 to 1024\.$/m);
    assert.match(r.stderr, /^magpie: offline-retention-hours: Offline message retention must be a whole number of hours/m);
    assert.match(r.stderr, /^magpie: offline-store-limit: The offline message store limit must be a whole number/m);
    const j = jsonError(await magpie(['instance', 'update', id, '--max-subscriptions-per-client', '1001', '--json'], dataDir));
    assert.equal(j.code, 'BAD_REQUEST');
    assert.equal(j.fields?.['max-subscriptions-per-client']?.key, 'v.limit.maxSubscriptionsPerClient');
    const row = backend.db.select().from(instances).where(eq(instances.id, id)).get()!;
    assert.deepEqual(
      [row.maxTopicLength, row.maxPayloadBytes, row.maxSubscriptionsPerClient, row.offlineRetentionHours, row.offlineStoreLimit],
      [128, 256 * 1024, 50, 24, 5000],
    );
  });

  it('instance create takes the limits too; a bad one refuses the whole instance', async () => {
    const created = okJson<Record<string, number | string>>(
      await magpie(
        ['instance', 'create', '--name', 'limited', '--max-topic-length', '256', '--max-payload-kb', '512', '--offline-store-limit', '2000', '--json'],
        dataDir,
      ),
    );
    assert.deepEqual(
      [created.maxTopicLength, created.maxPayloadBytes, created.offlineStoreLimit, created.maxSubscriptionsPerClient, created.offlineRetentionHours],
      [256, 512 * 1024, 2000, 30, 72], // the last two: the defaults
    );
    const r = await magpie(['instance', 'create', '--name', 'too-limited', '--max-topic-length', '8'], dataDir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^magpie: max-topic-length: The maximum topic length must be a whole number of characters from 16 to 1024\.$/m);
    assert.equal(backend.db.select().from(instances).where(eq(instances.name, 'too-limited')).get(), undefined);
    ok(await magpie(['instance', 'delete', String(created.id), '--yes'], dataDir));
  });
});
