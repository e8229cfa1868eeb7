// `npm test`: every suite (unit, CLI, browser end-to-end), then one closing line totalling
// them all: "N passed, M failed". Installs Debian's Chromium first when it is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = process.cwd();
const only = process.argv.slice(2); // e.g. `npm test -- unit`

function findTests(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(p, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out;
}

function ensureChromium() {
  if (fs.existsSync('/usr/bin/chromium')) return;
  console.log('Installing Debian chromium for the browser tests…');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args) => spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit' });
  run(['apt-get', 'update', '-qq']);
  const r = run(['apt-get', 'install', '-y', '-qq', 'chromium', 'fonts-wqy-microhei']);
  if (r.status !== 0) {
    console.error('Could not install chromium; install it with: apt-get install chromium');
    process.exit(1);
  }
}

const totals = { passed: 0, failed: 0 };

/** Runs node's test runner on the files; counts from its closing summary lines. */
function nodeSuite(name, files) {
  if (files.length === 0) return;
  console.log(`\n== ${name}: ${files.length} files ==`);
  // Not --test-force-exit: on Node 20 it sometimes exits before the last tests of a file are
  // reported (lib/schemas.test.ts: 43 of 56 in one of three runs), which could hide a failure.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(r.stdout);
  const pass = Number(/^# pass (\d+)/m.exec(r.stdout)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)/m.exec(r.stdout)?.[1] ?? 0);
  totals.passed += pass;
  // A crashed runner with no summary still counts as a failure.
  totals.failed += fail + (r.status !== 0 && fail === 0 ? 1 : 0);
}

function playwrightSuite() {
  ensureChromium();
  console.log('\n== e2e (Playwright, Debian chromium) ==');
  const report = path.join(root, 'test-results', 'e2e-report.json');
  fs.mkdirSync(path.dirname(report), { recursive: true });
  const r = spawnSync('npx', ['playwright', 'test', '--reporter=list,json'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: report },
  });
  let stats;
  try {
    stats = JSON.parse(fs.readFileSync(report, 'utf8')).stats;
  } catch {
    stats = undefined;
  }
  if (!stats) {
    totals.failed += 1;
    return;
  }
  totals.passed += stats.expected + (stats.flaky ?? 0);
  // Tests that did not run (a serial journey stops at its first failure) did not pass either.
  const notRun = stats.skipped ?? 0;
  totals.failed += stats.unexpected + notRun + (r.status !== 0 && stats.unexpected === 0 ? 1 : 0);
}

/** Type checking and linting, each counted as one test. */
function staticSuite() {
  for (const [name, args] of [
    ['typecheck', ['tsc', '--noEmit', '-p', '.']],
    ['lint', ['eslint', '--max-warnings=0', '.']],
  ]) {
    console.log(`\n== static: ${name} ==`);
    const r = spawnSync('npx', args, { cwd: root, stdio: 'inherit' });
    if (r.status === 0) totals.passed += 1;
    else totals.failed += 1;
    console.log(`${name}: ${r.status === 0 ? 'ok' : 'FAILED'}`);
  }
}

const want = (name) => only.length === 0 || only.includes(name);
const all = [...findTests(path.join(root, 'lib')), ...findTests(path.join(root, 'server')), ...findTests(path.join(root, 'db'))];
if (want('static')) staticSuite();
if (want('unit')) nodeSuite('unit', all.filter((f) => !f.includes(`${path.sep}cli${path.sep}`)));
if (want('cli')) nodeSuite('cli', all.filter((f) => f.includes(`${path.sep}cli${path.sep}`)));
if (want('e2e')) playwrightSuite();

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
