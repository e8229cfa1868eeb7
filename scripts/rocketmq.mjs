#!/usr/bin/env node
// A local Apache RocketMQ 5 for people (the tests start their own): name server + proxy in local
// mode on free ports in a temporary directory, from the jars of e2e/rocketmq (built on first use).
//
//   node scripts/rocketmq.mjs start [TOPIC…]   starts it, creates the topics, prints the endpoints
//   node scripts/rocketmq.mjs topic TOPIC…     creates more topics (mqadmin updateTopic, NORMAL)
//   node scripts/rocketmq.mjs status           tells whether it runs, and where
//   node scripts/rocketmq.mjs stop             stops it and removes its directory
//   node scripts/rocketmq.mjs jars             only builds the jars (e2e/rocketmq/target/lib; .ci/run)
//
// The running instance is remembered in e2e/rocketmq/target/run.json. See e2e/rocketmq/README.md.
import fs from 'node:fs';
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { startRocketMQ, stopProcessGroups, groupAlive, adminCreateTopic, ensureRocketMQJars } = await import('../server/testing/rocketmq.ts');

const stateFile = path.join(import.meta.dirname, '..', 'e2e', 'rocketmq', 'target', 'run.json');
const [command, ...args] = process.argv.slice(2);

function readState() {
  try {
    return JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function running(state) {
  return state !== undefined && state.pgids.some(groupAlive);
}

function describe(state) {
  return [
    `RocketMQ 5 runs (process groups ${state.pgids.join(', ')})`,
    `  gRPC endpoint (rocketmq-client-nodejs, 5.x clients): ${state.endpoint}`,
    `  name server (mqadmin -n, 4.x clients):              ${state.namesrv}`,
    `  proxy remoting port:                                127.0.0.1:${state.ports.proxyRemoting}`,
    `  directory (store, logs/rocketmqlogs, *.out):        ${state.dir}`,
    `  topics created here: ${state.topics.join(', ') || '(none)'}`,
  ].join('\n');
}

switch (command) {
  case 'jars': {
    console.log(`RocketMQ jars in ${await ensureRocketMQJars()}`);
    break;
  }
  case 'start': {
    const state = readState();
    if (running(state)) {
      console.error(`already running; stop it first.\n${describe(state)}`);
      process.exit(1);
    }
    console.log('starting (the first start builds the jars with Maven)…');
    const mq = await startRocketMQ({ topics: args, detached: true });
    const next = { endpoint: mq.endpoint, namesrv: mq.namesrv, ports: mq.ports, dir: mq.dir, pgids: mq.pgids(), topics: args };
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, JSON.stringify(next, null, 2));
    console.log(describe(next));
    process.exit(0); // the probe clients' gRPC channels would keep this process alive
    break;
  }
  case 'topic': {
    const state = readState();
    if (!running(state)) {
      console.error('not running: node scripts/rocketmq.mjs start');
      process.exit(1);
    }
    if (args.length === 0) {
      console.error('usage: node scripts/rocketmq.mjs topic TOPIC…');
      process.exit(2);
    }
    for (const topic of args) {
      await adminCreateTopic({ namesrv: state.namesrv, dir: state.dir, topic });
      console.log(`created topic ${topic}`);
    }
    state.topics = [...new Set([...state.topics, ...args])];
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
    break;
  }
  case 'status': {
    const state = readState();
    if (!running(state)) {
      console.log('not running');
      process.exit(3);
    }
    console.log(describe(state));
    break;
  }
  case 'stop': {
    const state = readState();
    if (state === undefined) {
      console.log('not running');
      break;
    }
    await stopProcessGroups(state.pgids);
    fs.rmSync(state.dir, { recursive: true, force: true });
    fs.rmSync(stateFile, { force: true });
    console.log('stopped');
    break;
  }
  default:
    console.error('usage: node scripts/rocketmq.mjs start [TOPIC…] | topic TOPIC… | status | stop | jars');
    process.exit(2);
}
