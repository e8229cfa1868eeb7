/**
 * `magpie permission …` as users run it: the real bin/magpie.js on a temporary data directory;
 * what it wrote is read back through a Backend held open on the same database.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { topicPermissions } from '@/db/schema';
import { openBackend, type Backend } from '../backend';
import { loadConfig } from '../config';
import { jsonError, magpie, ok, okJson } from './testing/run-cli';

const UNKNOWN_INSTANCE = 'mqtt-cn-zzzzzzzzzzzz';

interface RuleJson {
  instanceId: string;
  filter: string;
  action: string;
  effect: string;
  description: string;
}

describe('magpie CLI: permission', () => {
  let dataDir: string;
  let backend: Backend;
  let id: string;
  const rows = () => backend.db.select().from(topicPermissions).all().map((r) => [r.filter, r.action, r.effect]);

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-cli-perm-'));
    id = okJson<{ id: string }>(await magpie(['instance', 'create', '--name', 'perms', '--open', '--json'], dataDir)).id;
    backend = openBackend({ ...loadConfig(), dataDir });
  });
  after(() => {
    backend.db.$client.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the help lists the three verbs with their flags', async () => {
    const help = ok(await magpie(['--help'], dataDir));
    for (const line of [
      'magpie permission list --instance <id>',
      'magpie permission create --instance <id> --filter <filter> --action <action> --effect <effect> [--description <text>]',
      'magpie permission delete --instance <id> --filter <filter> --action <action> --yes',
    ]) {
      assert.ok(help.includes(line), `missing "${line}" in:\n${help}`);
    }
  });

  it('list of an instance without rules says everything is allowed', async () => {
    assert.match(ok(await magpie(['permission', 'list', '--instance', id], dataDir)), /No topic permissions in instance .*every topic may be published and subscribed/);
    assert.deepEqual(okJson(await magpie(['permission', 'list', '--instance', id, '--json'], dataDir)), []);
  });

  it('create stores rules; text and --json output', async () => {
    const out = ok(
      await magpie(['permission', 'create', '--instance', id, '--filter', 'test/nosubscribe', '--action', 'subscribe', '--effect', 'deny', '--description', 'paho'], dataDir),
    );
    assert.equal(out.trim(), `Deny subscribe rule for topic filter test/nosubscribe of instance ${id} created.`);
    const rule = okJson<RuleJson>(
      await magpie(['permissions', 'create', '--instance', id, '--filter', 'secret/#', '--action', 'both', '--effect', 'allow', '--json'], dataDir),
    );
    assert.deepEqual([rule.instanceId, rule.filter, rule.action, rule.effect, rule.description], [id, 'secret/#', 'both', 'allow', '']);
    assert.deepEqual(rows(), [
      ['test/nosubscribe', 'subscribe', 'deny'],
      ['secret/#', 'both', 'allow'],
    ]);
  });

  it('list shows them sorted by filter', async () => {
    const text = ok(await magpie(['permission', 'list', '--instance', id], dataDir));
    const lines = text.trim().split('\n');
    assert.match(lines[0]!, /^FILTER\s+ACTION\s+EFFECT\s+CREATED\s+DESCRIPTION$/);
    assert.match(lines[1]!, /^secret\/#\s+both\s+allow\s/);
    assert.match(lines[2]!, /^test\/nosubscribe\s+subscribe\s+deny\s.*paho$/);
    const list = okJson<RuleJson[]>(await magpie(['permission', 'list', '--instance', id, '--json'], dataDir));
    assert.deepEqual(list.map((r) => r.filter), ['secret/#', 'test/nosubscribe']);
  });

  it('bad input exits 1 with the flag and the message; nothing is saved', async () => {
    const cases: [string[], string, RegExp][] = [
      [['--filter', 'a/#/b', '--action', 'both', '--effect', 'deny'], 'filter', /^magpie: filter: Not a valid MQTT topic filter/],
      [['--filter', '$share/g/a', '--action', 'both', '--effect', 'deny'], 'filter', /^magpie: filter: Use the plain topic filter/],
      [['--filter', 'a', '--action', 'read', '--effect', 'deny'], 'action', /^magpie: action: Choose publish, subscribe or both\./],
      [['--filter', 'a', '--action', 'both', '--effect', 'block'], 'effect', /^magpie: effect: Choose allow or deny\./],
    ];
    for (const [flags, flag, message] of cases) {
      const r = await magpie(['permission', 'create', '--instance', id, ...flags], dataDir);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      const j = await magpie(['permission', 'create', '--instance', id, ...flags, '--json'], dataDir);
      assert.equal(j.code, 1);
      const err = jsonError(j);
      assert.equal(err.code, 'BAD_REQUEST');
      assert.ok(err.fields?.[flag], JSON.stringify(err));
    }
    assert.equal(rows().length, 2);
  });

  it('a duplicate (filter, action) is refused with CONFLICT on --filter', async () => {
    const r = await magpie(['permission', 'create', '--instance', id, '--filter', 'secret/#', '--action', 'both', '--effect', 'deny', '--json'], dataDir);
    assert.equal(r.code, 1);
    const err = jsonError(r);
    assert.equal(err.code, 'CONFLICT');
    assert.equal(err.key, 'e.duplicate.permission');
    assert.equal(err.fields?.filter?.key, 'e.duplicate.permission');
    assert.equal(rows().length, 2);
  });

  it('a missing flag is a usage error (exit 2); an unknown instance exits 1', async () => {
    const r = await magpie(['permission', 'create', '--instance', id, '--filter', 'a', '--action', 'both'], dataDir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--effect/);
    const unknown = await magpie(['permission', 'list', '--instance', UNKNOWN_INSTANCE, '--json'], dataDir);
    assert.equal(unknown.code, 1);
    assert.equal(jsonError(unknown).code, 'NOT_FOUND');
  });

  it('delete needs --yes, goes by filter and action, and an unknown rule is NOT_FOUND', async () => {
    const refused = await magpie(['permission', 'delete', '--instance', id, '--filter', 'test/nosubscribe', '--action', 'subscribe'], dataDir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Add --yes to confirm/);
    assert.equal(rows().length, 2);

    const wrongAction = await magpie(['permission', 'delete', '--instance', id, '--filter', 'test/nosubscribe', '--action', 'publish', '--yes', '--json'], dataDir);
    assert.equal(wrongAction.code, 1);
    assert.equal(jsonError(wrongAction).code, 'NOT_FOUND');

    const done = okJson(await magpie(['permission', 'delete', '--instance', id, '--filter', 'test/nosubscribe', '--action', 'subscribe', '--yes', '--json'], dataDir));
    assert.deepEqual(done, { deleted: true, instanceId: id, filter: 'test/nosubscribe', action: 'subscribe', effect: 'deny' });
    const text = ok(await magpie(['permission', 'delete', '--instance', id, '--filter', 'secret/#', '--action', 'both', '-y'], dataDir));
    assert.equal(text.trim(), `Deleted the allow both rule for topic filter secret/# of instance ${id}.`);
    assert.deepEqual(rows(), []);
  });
});
