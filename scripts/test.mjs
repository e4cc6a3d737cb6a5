#!/usr/bin/env node
// `npm test`: every test, the way CI runs them.
//   1. Chromium, nginx, coturn and redis-server: found, or installed from Debian when we are root
//      with apt-get, or a clear stop (nginx is what the transport tests put in front of the relay;
//      coturn is the TURN server the browser tests relay through; redis-server is what relay
//      instances share rooms through).
//   2. Strict type-check of everything, lint (eslint and prettier), and the build (the tests run on
//      what it produced).
//   3. Node tests (the relay, and the gates on the build: page budgets, exports, manifest) and browser tests
//      (@web/test-runner in Chromium), inside a loopback-only network namespace where the machine
//      allows it, so no packet leaves the machine.
//   4. One closing line: `N passed, N failed`.
// Options: --no-browser (relay tests only), --inner (internal: already inside the namespace).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from './chromium.mjs';
import { findNginx } from './nginx.mjs';
import { findTurnserver } from './coturn.mjs';
import { findRedisServer } from './redis.mjs';

const args = new Set(process.argv.slice(2));
const withBrowser = !args.has('--no-browser');

const run = (cmd, argv, options = {}) => spawnSync(cmd, argv, { stdio: 'inherit', ...options }).status ?? 1;
const step = (title) => console.log(`\n== ${title}`);

if (!args.has('--inner')) {
  if (withBrowser) ensureChromium();
  ensureNginx();
  if (withBrowser) ensureCoturn();
  ensureRedis();
  step('type-check (strict) and build');
  if (run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0)
    fail('type errors');
  step('lint (eslint, prettier)');
  if (run('npm', ['run', '--silent', 'lint']) !== 0)
    fail('lint found problems (`npm run format` fixes the formatting)');
  if (run('npm', ['run', '--silent', 'build']) !== 0) fail('the build failed');

  // Re-run this script inside a fresh network namespace that has only loopback, when permitted.
  const inner = [process.argv[1], '--inner', ...args];
  const isolate = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
  if (isolate) {
    step('running the tests in a loopback-only network namespace');
    const quoted = [process.execPath, ...inner].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    process.exit(run('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`]));
  }
  console.warn(
    '\nnote: `unshare -n` is not permitted here; running on the normal network (tests still use 127.0.0.1 only).',
  );
  process.exit(run(process.execPath, inner));
}

// ---- inside the namespace --------------------------------------------------------------------
const scratch = mkdtempSync(join(tmpdir(), 'rtc-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };

step('relay and build tests (node --test)');
const tap = join(scratch, 'relay.tap');
const relayFiles = ['tests/gates', 'tests/relay'].flatMap((dir) => listTests(dir));
const relayStatus = run(process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=1',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tap}`,
  ...relayFiles,
]);
addTapCounts(tap, relayStatus);

if (withBrowser) {
  step('browser tests (@web/test-runner, Chromium)');
  const counts = join(scratch, 'browser.json');
  const status = run(
    process.execPath,
    ['--import', 'tsx', 'node_modules/@web/test-runner/dist/bin.js', '--config', 'web-test-runner.config.mjs'],
    {
      env: { ...process.env, RTC_WTR_COUNTS: counts },
    },
  );
  const browser = existsSync(counts) ? JSON.parse(readFileSync(counts, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
  if (status !== 0 && browser.failed === 0) browser.failed = 1; // the runner itself failed
  for (const key of Object.keys(totals)) totals[key] += browser[key];
}

rmSync(scratch, { recursive: true, force: true });
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);

// ---- helpers ---------------------------------------------------------------------------------
function listTests(dir) {
  const result = spawnSync('find', [dir, '-name', '*.test.ts', '-type', 'f'], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).sort();
}

function addTapCounts(file, status) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const read = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  totals.passed += read('pass');
  totals.failed += read('fail') + read('cancelled');
  totals.skipped += read('skipped') + read('todo');
  if (status !== 0 && read('fail') + read('cancelled') === 0) totals.failed += 1; // the runner itself failed
}

function ensureChromium() {
  ensureInstalled(
    'chromium',
    findChromium,
    'Chromium is needed for the browser tests and was not found. Install it (Debian/Ubuntu: `sudo apt-get install chromium`) or set CHROME_PATH to a Chrome/Chromium binary. `npm test -- --no-browser` runs the relay tests alone.',
    'set CHROME_PATH',
  );
}

function ensureNginx() {
  ensureInstalled(
    'nginx',
    findNginx,
    'nginx is needed for the tests that put it in front of the relay and was not found. Install it (Debian/Ubuntu: `sudo apt-get install nginx`) or set NGINX_PATH to an nginx binary.',
    'set NGINX_PATH',
  );
}

function ensureCoturn() {
  ensureInstalled(
    'coturn',
    findTurnserver,
    "coturn is needed for the browser tests that connect through a TURN server and was not found. Install it (Debian/Ubuntu: `sudo apt-get install coturn`; it starts no daemon) or set TURNSERVER_PATH to coturn's turnserver binary.",
    'set TURNSERVER_PATH',
  );
}

function ensureRedis() {
  ensureInstalled(
    'redis-server',
    findRedisServer,
    'redis-server is needed for the tests of relay instances that share rooms and was not found. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`) or set REDIS_SERVER_PATH to a redis-server binary.',
    'set REDIS_SERVER_PATH',
  );
}

/** Finds a Debian package's program, or installs the package when we are root with apt-get. */
function ensureInstalled(pkg, find, missing, override) {
  if (find()) return;
  const root = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) fail(missing);
  step(`installing Debian's ${pkg} (needed for the tests)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run('apt-get', ['update', '-qq'], { env }) !== 0 ||
    run('apt-get', ['install', '-y', '-qq', pkg], { env }) !== 0 ||
    !find()
  ) {
    fail(`installing ${pkg} with apt-get failed; install it by hand or ${override}.`);
  }
}

function fail(message) {
  console.error(`\nnpm test: ${message}`);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}
