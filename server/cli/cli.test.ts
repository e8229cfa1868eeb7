/**
 * The `magpie` command as users run it: every case spawns the real bin/magpie.js with
 * MAGPIE_DATA_DIR pointing at a fresh temporary directory, and checks exit code and output.
 * What the CLI wrote is read back through a Backend the test holds open on the same database,
 * the way the console does while the CLI runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accessKeys, groups, instances, topics } from '@/db/schema';
import { DEFAULT_SPEC } from '@/lib/schemas';
import { openBackend, type Backend } from '../backend';
import { loadConfig } from '../config';
import { DEFAULT_PORTS, FIRST_EXTRA_PORT, isPortFree } from '../services/ports';
import { jsonError, ok, okJson, magpie as run, ROOT } from './testing/run-cli';

const INSTANCE_ID = /^mqtt-cn-[a-z0-9]{12}$/;
const UNKNOWN_INSTANCE = 'mqtt-cn-zzzzzzzzzzzz';

const magpie = (args: string[], opts: { dataDir: string; cwd?: string }) => run(args, opts.dataDir, opts.cwd);

function tempDir(prefix = 'magpie-cli-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function backendOn(dataDir: string): Backend {
  return openBackend({ ...loadConfig(), dataDir });
}

interface InstanceJson {
  id: string;
  name: string;
  openMode: boolean;
  maxConnections: number;
  maxTps: number;
  maxSubscriptions: number;
  tcpPort: number;
  tlsPort: number;
  wsPort: number;
  wssPort: number;
  endpoints: { kind: string; url: string; port: number }[];
}

const portsOf = (i: InstanceJson) => [i.tcpPort, i.tlsPort, i.wsPort, i.wssPort];

describe('magpie CLI: help and usage', () => {
  let dataDir: string;
  before(() => (dataDir = tempDir()));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('--help lists every resource and verb; --version prints the package version', async () => {
    const help = ok(await magpie(['--help'], { dataDir }));
    for (const line of [
      'magpie accesskey create',
      'magpie accesskey delete <id> --yes',
      'magpie instance create --name <name>',
      'magpie instance endpoints <id>',
      'magpie topic create <name> --instance <id>',
      'magpie group describe <name> --instance <id> --description <text>',
    ]) {
      assert.ok(help.includes(line), `missing "${line}" in:\n${help}`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(ok(await magpie(['--version'], { dataDir })).trim(), pkg.version);
    // Help never touches the data directory.
    assert.equal(fs.readdirSync(dataDir).length, 0);
  });

  it('an unknown verb exits 2 with the reason and the resource help', async () => {
    const r = await magpie(['instance', 'frob'], { dataDir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^magpie: unknown command 'frob'/);
    assert.match(r.stderr, /Usage: magpie instance/);
    assert.equal(r.stdout, '');
  });

  it('a missing required flag exits 2; with --json the error is a JSON document on stderr', async () => {
    const r = await magpie(['topic', 'list', '--json'], { dataDir });
    assert.equal(r.code, 2);
    const err = jsonError(r);
    assert.equal(err.code, 'USAGE');
    assert.match(err.message, /--instance/);
    assert.equal(r.stdout, '');
  });
});

describe('magpie CLI: accesskey', () => {
  let dataDir: string;
  let backend: Backend;
  let first: { id: string; secret: string };
  let second: { id: string; secret: string };
  before(() => (dataDir = tempDir()));
  after(() => {
    backend?.db.$client.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('create --json prints the ID and, this once, the secret', async () => {
    const key = okJson<{ id: string; secret: string; enabled: boolean }>(await magpie(['accesskey', 'create', '--json'], { dataDir }));
    assert.match(key.id, /^LTAI[0-9A-Za-z]{20}$/);
    assert.match(key.secret, /^[0-9A-Za-z]{30}$/);
    assert.equal(key.enabled, true);
    first = key;
  });

  it('create without --json prints ID and secret and says the secret is shown only now', async () => {
    const out = ok(await magpie(['accesskey', 'create', '--description', 'ci key'], { dataDir }));
    const id = /AccessKey ID:\s+(LTAI\w+)/.exec(out)?.[1];
    const secret = /AccessKey secret:\s+(\w+)/.exec(out)?.[1];
    assert.ok(id && secret, out);
    assert.match(out, /only time the secret is shown/);
    second = { id, secret };
    backend = backendOn(dataDir);
    const row = backend.db.select().from(accessKeys).where(eq(accessKeys.id, id)).get();
    assert.equal(row?.description, 'ci key');
    assert.ok(!row?.secretEncrypted.includes(secret), 'the secret is stored sealed');
  });

  it('list and get never show a secret', async () => {
    const listJson = await magpie(['accesskey', 'list', '--json'], { dataDir });
    const keys = okJson<Record<string, unknown>[]>(listJson);
    assert.deepEqual(keys.map((k) => k.id).sort(), [first.id, second.id].sort());
    for (const k of keys) assert.ok(!('secret' in k) && !('secretEncrypted' in k), JSON.stringify(k));

    const listText = ok(await magpie(['accesskey', 'list'], { dataDir }));
    assert.match(listText, /^ID\s+STATUS\s+LAST USED\s+CREATED\s+DESCRIPTION$/m);
    assert.ok(listText.includes(first.id) && listText.includes(second.id) && listText.includes('ci key'), listText);

    const getText = ok(await magpie(['accesskey', 'get', second.id], { dataDir }));
    assert.match(getText, new RegExp(`^ID:\\s+${second.id}$`, 'm'));
    assert.match(getText, /^Status:\s+enabled$/m);

    for (const out of [listJson.stdout, listText, getText]) {
      assert.ok(!out.includes(first.secret) && !out.includes(second.secret), `a secret leaked:\n${out}`);
    }
  });

  it('disable (with --id) turns a key off', async () => {
    const key = okJson<{ id: string; enabled: boolean }>(
      await magpie(['accesskey', 'disable', '--id', first.id, '--json'], { dataDir }),
    );
    assert.deepEqual([key.id, key.enabled], [first.id, false]);
    assert.equal(backend.db.select().from(accessKeys).where(eq(accessKeys.id, first.id)).get()?.enabled, false);
  });

  it('delete needs --yes, then removes the key', async () => {
    const refused = await magpie(['accesskey', 'delete', first.id], { dataDir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^magpie: .*Add --yes to confirm/);
    assert.ok(backend.db.select().from(accessKeys).where(eq(accessKeys.id, first.id)).get(), 'still there');

    const done = okJson(await magpie(['accesskey', 'delete', first.id, '--yes', '--json'], { dataDir }));
    assert.deepEqual(done, { deleted: true, id: first.id });
    assert.equal(backend.db.select().from(accessKeys).where(eq(accessKeys.id, first.id)).get(), undefined);
  });
});

describe('magpie CLI: instance, topic, group', () => {
  let dataDir: string;
  let backend: Backend;
  let demo: InstanceJson;
  let secondId: string;
  before(() => {
    dataDir = tempDir();
    backend = backendOn(dataDir); // held open the whole time, as the console would
  });
  after(() => {
    backend.db.$client.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('instance create --json: ID mqtt-cn-… , default spec, open mode, the well-known ports when free', async () => {
    const defaultsFree = (await Promise.all(Object.values(DEFAULT_PORTS).map(isPortFree))).every(Boolean);
    demo = okJson<InstanceJson>(await magpie(['instance', 'create', '--name', 'demo', '--open', '--json'], { dataDir }));
    assert.match(demo.id, INSTANCE_ID);
    assert.equal(demo.name, 'demo');
    assert.equal(demo.openMode, true);
    assert.deepEqual(
      { maxConnections: demo.maxConnections, maxTps: demo.maxTps, maxSubscriptions: demo.maxSubscriptions },
      DEFAULT_SPEC,
    );
    if (defaultsFree) {
      assert.deepEqual(portsOf(demo), [1883, 8883, 8083, 8084]);
    } else {
      // Something on this machine listens on a well-known port: the instance gets free ports instead.
      for (const p of portsOf(demo)) assert.ok(p >= FIRST_EXTRA_PORT, `port ${p}`);
    }
    assert.deepEqual(
      demo.endpoints.map((e) => e.url),
      [
        `mqtt://localhost:${demo.tcpPort}`,
        `mqtts://localhost:${demo.tlsPort}`,
        `ws://localhost:${demo.wsPort}/mqtt`,
        `wss://localhost:${demo.wssPort}/mqtt`,
      ],
    );
  });

  it('a second instance (human output) gets a spec of its own and different ports', async () => {
    const out = ok(await magpie(['instance', 'create', '--name', 'second', '--max-connections', '5k', '--max-tps', '500'], { dataDir }));
    assert.match(out, /^Instance second created\./);
    secondId = /^ID:\s+(\S+)$/m.exec(out)?.[1] ?? '';
    assert.match(secondId, INSTANCE_ID);
    assert.match(out, /^Mode:\s+authenticated$/m);
    assert.match(out, /^Max connections:\s+5,000$/m);
    const row = backend.db.select().from(instances).where(eq(instances.id, secondId)).get();
    assert.ok(row);
    assert.deepEqual([row.maxConnections, row.maxTps, row.maxSubscriptions], [5000, 500, DEFAULT_SPEC.maxSubscriptions]);
    const mine = [row.tcpPort, row.tlsPort, row.wsPort, row.wssPort];
    assert.equal(new Set([...mine, ...portsOf(demo)]).size, 8, `ports overlap: ${mine} vs ${portsOf(demo)}`);
    for (const p of mine) assert.match(out, new RegExp(`://localhost:${p}`));
  });

  it('instance list and get (by --id) show both instances and the endpoints', async () => {
    const list = ok(await magpie(['instance', 'list'], { dataDir }));
    assert.match(list, /^ID\s+NAME\s+MODE\s+CONNECTIONS/);
    assert.match(list, new RegExp(`^${demo.id}\\s+demo\\s+OPEN\\s+1,000\\s`, 'm'));
    assert.match(list, new RegExp(`^${secondId}\\s+second\\s+auth\\s+5,000\\s`, 'm'));

    const got = okJson<InstanceJson>(await magpie(['instance', 'get', '--id', demo.id, '--json'], { dataDir }));
    assert.deepEqual(got, demo);
  });

  it('bad spec values and a bad name are refused with one line per field; nothing is saved', async () => {
    const r = await magpie(['instance', 'create', '--name', 'x', '--max-tps', '7', '--max-connections', 'lots'], { dataDir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^magpie: max-tps: Choose a maximum message TPS from the list: 100, 500/m);
    assert.match(r.stderr, /^magpie: max-connections: Choose a maximum number of connections/m);
    assert.match(r.stderr, /^magpie: name: The name must be 3-64 characters long\.$/m);
    assert.equal(backend.db.select().from(instances).all().length, 2);
  });

  it('instance update --max-keep-alive sets the cap; a value that is not a number is refused', async () => {
    const updated = okJson<InstanceJson & { maxKeepAlive: number }>(
      await magpie(['instance', 'update', secondId, '--max-keep-alive', '60', '--json'], { dataDir }),
    );
    assert.equal(updated.maxKeepAlive, 60);
    const r = await magpie(['instance', 'update', secondId, '--max-keep-alive', 'soon'], { dataDir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^magpie: max-keep-alive: The maximum keep-alive must be a whole number of seconds/m);
    assert.match(ok(await magpie(['instance', 'get', secondId], { dataDir })), /^Max keep-alive:\s+60 s$/m);
  });

  it('topic create --json, and a bad topic name is refused', async () => {
    const topic = okJson<{ name: string; instanceId: string; description: string }>(
      await magpie(['topic', 'create', '--instance', demo.id, '--name', 'Orders', '--description', 'order events', '--json'], {
        dataDir,
      }),
    );
    assert.deepEqual([topic.name, topic.instanceId, topic.description], ['Orders', demo.id, 'order events']);

    const bad = await magpie(['topic', 'create', 'Bad/Name', '--instance', demo.id], { dataDir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^magpie: name: A parent topic name may contain only letters, digits, "-" and "_"/);
    assert.deepEqual(
      backend.db.select().from(topics).all().map((t) => t.name),
      ['Orders'],
    );
  });

  it('group create, then a duplicate and a name without the GID prefix are refused', async () => {
    const out = ok(await magpie(['group', 'create', 'GID_demo', '--instance', demo.id], { dataDir }));
    assert.match(out, /Group ID GID_demo created in instance/);

    const dup = await magpie(['group', 'create', '--name', 'GID_demo', '--instance', demo.id, '--json'], { dataDir });
    assert.equal(dup.code, 1);
    assert.equal(dup.stdout, '');
    const err = jsonError(dup);
    assert.equal(err.code, 'CONFLICT');
    assert.match(err.message, /The Group ID "GID_demo" already exists/);

    const bad = await magpie(['group', 'create', '--name', 'orders', '--instance', demo.id], { dataDir });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'magpie: name: A Group ID must start with "GID_" or "GID-".\n');
    assert.equal(backend.db.select().from(groups).all().length, 1);
  });

  it('an unknown instance is refused with the reason', async () => {
    const r = await magpie(['group', 'list', '--instance', UNKNOWN_INSTANCE], { dataDir });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `magpie: Instance "${UNKNOWN_INSTANCE}" does not exist.\n`);
  });

  it('topic list --json and group list show what was created', async () => {
    const list = okJson<{ name: string }[]>(await magpie(['topic', 'list', '--instance', demo.id, '--json'], { dataDir }));
    assert.deepEqual(
      list.map((t) => t.name),
      ['Orders'],
    );
    const text = ok(await magpie(['group', 'list', '--instance', demo.id], { dataDir }));
    assert.match(text, /^GROUP ID\s+CREATED\s+DESCRIPTION\n/);
    assert.match(text, /^GID_demo\s+\S+Z\s+-$/m);
  });

  it('delete needs --yes; instance delete --yes removes its topics and groups too', async () => {
    const refused = await magpie(['group', 'delete', 'GID_demo', '--instance', demo.id], { dataDir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Add --yes to confirm/);
    assert.equal(backend.db.select().from(groups).all().length, 1);

    const done = okJson(await magpie(['instance', 'delete', demo.id, '--yes', '--json'], { dataDir }));
    assert.deepEqual(done, { deleted: true, id: demo.id, name: 'demo' });
    assert.deepEqual(
      backend.db.select().from(instances).all().map((i) => i.id),
      [secondId],
    );
    assert.equal(backend.db.select().from(topics).all().length, 0);
    assert.equal(backend.db.select().from(groups).all().length, 0);
  });
});

describe('magpie CLI: working directory and a shared database', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('runs from another working directory: absolute MAGPIE_DATA_DIR as given, a relative one against that cwd', async () => {
    const cwd = tempDir('magpie-cwd-');
    const absolute = tempDir();
    dirs.push(cwd, absolute);

    const inst = okJson<InstanceJson>(await magpie(['instance', 'create', '--name', 'elsewhere', '--json'], { dataDir: absolute, cwd }));
    const backend = backendOn(absolute);
    try {
      assert.equal(backend.db.select().from(instances).where(eq(instances.id, inst.id)).get()?.name, 'elsewhere');
    } finally {
      backend.db.$client.close();
    }
    assert.deepEqual(fs.readdirSync(cwd), [], 'nothing is written to the cwd');

    ok(await magpie(['accesskey', 'create'], { dataDir: 'rel-data', cwd }));
    assert.ok(fs.existsSync(path.join(cwd, 'rel-data', 'magpie.db')));
    assert.ok(!fs.existsSync(path.join(ROOT, 'rel-data')));
  });

  it('works while another process holds the database open, waiting out its write lock', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const backend = backendOn(dataDir);
    try {
      const demo = backend.db
        .insert(instances)
        .values({ id: 'mqtt-cn-sharedsha12', name: 'shared', ...DEFAULT_SPEC, tcpPort: 41883, tlsPort: 41884, wsPort: 41885, wssPort: 41886 })
        .returning()
        .get();
      // Hold the write lock for a while: the CLI must wait (busy timeout), not fail.
      backend.db.$client.exec('BEGIN IMMEDIATE');
      const pending = magpie(['topic', 'create', '--instance', demo.id, '--name', 'Shared', '--json'], { dataDir });
      await new Promise((r) => setTimeout(r, 1500));
      backend.db.$client.exec('COMMIT');
      const created = okJson<{ name: string }>(await pending);
      assert.equal(created.name, 'Shared');
      // The row the CLI wrote, read back through this process's own handle.
      const rows = backend.db.select().from(topics).where(eq(topics.instanceId, demo.id)).all();
      assert.deepEqual(
        rows.map((t) => t.name),
        ['Shared'],
      );
    } finally {
      if (backend.db.$client.inTransaction) backend.db.$client.exec('ROLLBACK');
      backend.db.$client.close();
    }
  });
});
