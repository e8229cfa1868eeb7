/**
 * `magpie cluster …` and `magpie rule …` as users run them: the real bin/magpie.js on a
 * temporary data directory; what they wrote is read back through a Backend on the same database.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rocketmqClusters, rules } from '@/db/schema';
import { openBackend, type Backend } from '../backend';
import { loadConfig } from '../config';
import { jsonError, magpie, ok, okJson, type CliResult as Result } from './testing/run-cli';


describe('magpie CLI: cluster and rule', () => {
  let dataDir: string;
  let backend: Backend;
  let id: string;
  let clusterId: number;
  const ruleRows = () => backend.db.select().from(rules).all().map((r) => [r.ruleId, r.type, r.source, r.target, r.enabled]);

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'magpie-cli-rule-'));
    id = okJson<{ id: string }>(await magpie(['instance', 'create', '--name', 'rules', '--json'], dataDir)).id;
    ok(await magpie(['topic', 'create', '--instance', id, '--name', 'Orders'], dataDir));
    ok(await magpie(['group', 'create', '--instance', id, '--name', 'GID_devices'], dataDir));
    backend = openBackend({ ...loadConfig(), dataDir });
  });
  after(() => {
    backend.db.$client.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the help lists the verbs with their flags', async () => {
    const help = ok(await magpie(['--help'], dataDir));
    for (const line of [
      'magpie cluster create --name <name> --endpoints <endpoints> [--namespace <namespace>] [--access-key <key>] [--secret-key <secret>] [--description <text>]',
      'magpie cluster delete <id> --yes',
      'magpie rule create <ruleId> --instance <id> --type <type> --source <source> --target <target> --cluster <cluster> [--description <text>] [--disabled]',
      'magpie rule enable <ruleId> --instance <id>',
      'magpie rule delete <ruleId> --instance <id> --yes',
    ]) {
      assert.ok(help.includes(line), `missing "${line}" in:\n${help}`);
    }
  });

  it('cluster create, list and get never print the SecretKey', async () => {
    const created = okJson<{ id: number; name: string; hasSecret: boolean }>(
      await magpie(['cluster', 'create', '--name', 'main', '--endpoints', '127.0.0.1:8081', '--access-key', 'ak', '--secret-key', 'top-secret', '--json'], dataDir),
    );
    clusterId = created.id;
    assert.deepEqual([created.name, created.hasSecret], ['main', true]);
    const text = ok(await magpie(['cluster', 'list'], dataDir));
    assert.match(text, /^ID\s+NAME\s+ENDPOINTS/);
    assert.match(text, /\n1\s+main\s+127\.0\.0\.1:8081\s+-\s+ak\s+0/);
    const get = ok(await magpie(['cluster', 'get', String(clusterId)], dataDir));
    assert.match(get, /SecretKey:\s+\(stored, never shown\)/);
    for (const out of [text, get, JSON.stringify(created)]) assert.ok(!out.includes('top-secret'));
  });

  it('cluster bad input exits 1 naming the flag', async () => {
    const r = await magpie(['cluster', 'create', '--name', 'x', '--endpoints', 'nohost'], dataDir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^magpie: name: A cluster name must be 3-64 characters long\.\nmagpie: endpoints: Enter the proxy endpoints as host:port/);
    const j = jsonError(await magpie(['cluster', 'create', '--name', 'other', '--endpoints', 'h:1', '--access-key', 'ak', '--json'], dataDir));
    assert.equal(j.fields?.['secret-key']?.key, 'v.cluster.secretMissing');
    assert.equal(backend.db.select().from(rocketmqClusters).all().length, 1);
  });

  it('rule create for each type, with the cluster by name or ID; list and get', async () => {
    assert.match(
      ok(await magpie(['rule', 'create', 'out-orders', '--instance', id, '--type', 'outflow', '--source', 'Orders', '--target', 'rmq_orders', '--cluster', 'main'], dataDir)),
      /^Rule out-orders \(outflow: Orders → rmq_orders\) created enabled\.$/m,
    );
    ok(await magpie(['rule', 'create', '--rule-id', 'in-orders', '--instance', id, '--type', 'inflow', '--source', 'rmq_in', '--target', 'Orders', '--cluster', String(clusterId), '--disabled'], dataDir));
    const status = okJson<{ ruleId: string; clusterName: string }>(
      await magpie(['rule', 'create', 'st-devices', '--instance', id, '--type', 'status', '--source', 'GID_devices', '--target', 'rmq_status', '--cluster', 'main', '--json'], dataDir),
    );
    assert.deepEqual([status.ruleId, status.clusterName], ['st-devices', 'main']);
    assert.deepEqual(ruleRows(), [
      ['out-orders', 'outflow', 'Orders', 'rmq_orders', true],
      ['in-orders', 'inflow', 'rmq_in', 'Orders', false],
      ['st-devices', 'status', 'GID_devices', 'rmq_status', true],
    ]);
    const list = ok(await magpie(['rule', 'list', '--instance', id], dataDir)).trim().split('\n');
    assert.match(list[0]!, /^RULE ID\s+TYPE\s+STATUS\s+SOURCE\s+TARGET\s+CLUSTER\s+DESCRIPTION$/);
    assert.match(list[1]!, /^in-orders\s+inflow\s+disabled\s+rmq_in\s+Orders\s+main/);
    assert.match(ok(await magpie(['rule', 'get', 'st-devices', '--instance', id], dataDir)), /Cluster:\s+main \(ID 1\)/);
  });

  it('rule refusals exit 1 with the reason and save nothing', async () => {
    const create = (...flags: string[]) => magpie(['rule', 'create', '--instance', id, ...flags], dataDir);
    const cases: Array<[Result, RegExp]> = [
      [await create('ab', '--type', 'outflow', '--source', 'Orders', '--target', 't', '--cluster', 'main'), /^magpie: rule-id: A rule ID must be 3-64 characters long\./],
      [await create('r-2', '--type', 'sideways', '--source', 'Orders', '--target', 't', '--cluster', 'main'), /^magpie: type: Choose a rule type/],
      [await create('r-2', '--type', 'outflow', '--source', 'Orders', '--target', 'a/b', '--cluster', 'main'), /^magpie: target: A RocketMQ topic name may contain only/],
      [await create('r-2', '--type', 'outflow', '--source', 'Nope', '--target', 't', '--cluster', 'main'), /^magpie: Parent topic "Nope" does not exist in instance/],
      [await create('r-2', '--type', 'outflow', '--source', 'Orders', '--target', 't', '--cluster', 'main'), /^magpie: Rule "out-orders" is already the data outflow rule of "Orders"/],
      [await create('r-2', '--type', 'status', '--source', 'GID_devices', '--target', 't', '--cluster', 'nope'), /^magpie: RocketMQ cluster nope does not exist\./],
    ];
    for (const [r, message] of cases) {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    const usage = await create('r-2', '--type', 'outflow');
    assert.equal(usage.code, 2, usage.stderr);
    assert.equal(ruleRows().length, 3);
  });

  it('update, disable and enable', async () => {
    ok(await magpie(['rule', 'update', 'out-orders', '--instance', id, '--target', 'rmq_v2', '--description', 'v2'], dataDir));
    ok(await magpie(['rule', 'disable', 'out-orders', '--instance', id], dataDir));
    assert.deepEqual(ruleRows()[0], ['out-orders', 'outflow', 'Orders', 'rmq_v2', false]);
    const on = okJson<{ enabled: boolean; description: string }>(await magpie(['rule', 'enable', 'out-orders', '--instance', id, '--json'], dataDir));
    assert.deepEqual([on.enabled, on.description], [true, 'v2']);
  });

  it('a parent topic or Group ID a rule uses cannot be deleted: exit 1 naming the rules, nothing deleted', async () => {
    const topic = await magpie(['topic', 'delete', 'Orders', '--instance', id, '--yes'], dataDir);
    assert.equal(topic.code, 1, topic.stderr);
    assert.equal(
      topic.stderr,
      'magpie: Parent topic "Orders" is used by 2 rules (in-orders, out-orders): delete those rules or change them to use another parent topic first.\n',
    );
    const group = jsonError(await magpie(['group', 'delete', 'GID_devices', '--instance', id, '--yes', '--json'], dataDir));
    assert.equal(group.code, 'PRECONDITION_FAILED');
    assert.equal(group.message, 'Group ID "GID_devices" is used by rule st-devices: delete the rule or change it to use another Group ID first.');
    assert.match(ok(await magpie(['topic', 'get', 'Orders', '--instance', id], dataDir)), /Parent topic:\s+Orders/);
    assert.match(ok(await magpie(['group', 'get', 'GID_devices', '--instance', id], dataDir)), /Group ID:\s+GID_devices/);
    assert.equal(ruleRows().length, 3);
  });

  it('deletes need --yes; a cluster in use cannot be deleted until its rules are gone', async () => {
    const noYes = await magpie(['rule', 'delete', 'out-orders', '--instance', id], dataDir);
    assert.equal(noYes.code, 1);
    assert.match(noYes.stderr, /Add --yes to confirm/);
    const inUse = await magpie(['cluster', 'delete', String(clusterId), '--yes'], dataDir);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /RocketMQ cluster "main" is used by 3 rule\(s\)/);
    for (const r of ['out-orders', 'in-orders', 'st-devices']) ok(await magpie(['rule', 'delete', r, '--instance', id, '--yes'], dataDir));
    assert.deepEqual(ruleRows(), []);
    const gone = okJson<{ deleted: boolean }>(await magpie(['cluster', 'delete', '--id', String(clusterId), '--yes', '--json'], dataDir));
    assert.equal(gone.deleted, true);
    assert.equal(backend.db.select().from(rocketmqClusters).all().length, 0);
  });

  it('once its rules are gone, the parent topic and the Group ID delete', async () => {
    assert.match(ok(await magpie(['topic', 'delete', 'Orders', '--instance', id, '--yes'], dataDir)), /^Parent topic Orders deleted from instance /);
    assert.match(ok(await magpie(['group', 'delete', 'GID_devices', '--instance', id, '--yes'], dataDir)), /^Group ID GID_devices deleted from instance /);
    assert.match(ok(await magpie(['topic', 'list', '--instance', id], dataDir)), /^No parent topics in instance /);
  });
});
