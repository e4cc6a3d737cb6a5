#!/usr/bin/env node
// `npm test`: every test, the way CI runs them.
//   1. Chromium, Firefox ESR, nginx, coturn and redis-server: found, or installed from Debian when we
//      are root with apt-get, or a clear stop (nginx is what the transport tests put in front of the
//      relay; coturn is the TURN server the browser tests relay through; redis-server is what relay
//      instances share rooms through).
//   2. Strict type-check of everything, lint (eslint and prettier), and the build (the tests run on
//      what it produced).
//   3. Node tests (the relay, and the gates on the build: page budgets, exports, manifest), browser
//      tests (@web/test-runner, the whole suite in Chromium, then in Firefox) and cross-browser tests
//      (node --test driving a Chromium page and a Firefox page in one room), inside a loopback-only
//      network namespace where the machine allows it, so no packet leaves the machine.
//   4. One closing line: `N passed, N failed` (and how many were skipped, with why: the browser
//      tests that a browser lacks the feature for).
// Options: --no-browser (relay tests only), --inner (internal: already inside the namespace).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium, findFirefox } from './browsers.mjs';
import { findNginx } from './nginx.mjs';
import { findTurnserver } from './coturn.mjs';
import { findRedisServer } from './redis.mjs';

const args = new Set(process.argv.slice(2));
const withBrowser = !args.has('--no-browser');

const run = (cmd, argv, options = {}) => spawnSync(cmd, argv, { stdio: 'inherit', ...options }).status ?? 1;
const step = (title) => console.log(`\n== ${title}`);

/** What the tests need from Debian (the browser tests both browsers, the proxy tests nginx), and how to find each. */
const browsers = [
  { name: 'Chromium', find: findChromium, debian: 'chromium', variable: 'CHROME_PATH' },
  { name: 'Firefox', find: findFirefox, debian: 'firefox-esr', variable: 'FIREFOX_PATH' },
];
const nginx = { name: 'nginx', find: findNginx, debian: 'nginx', variable: 'NGINX_PATH' };
const coturn = { name: 'coturn', find: findTurnserver, debian: 'coturn', variable: 'TURNSERVER_PATH' };
const redis = { name: 'redis-server', find: findRedisServer, debian: 'redis-server', variable: 'REDIS_SERVER_PATH' };

if (!args.has('--inner')) {
  ensureInstalled(withBrowser ? [...browsers, nginx, coturn, redis] : [nginx, redis]);
  step('type-check (strict) and build');
  if (run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0)
    fail('type errors');
  step('lint (eslint, prettier)');
  if (run('npm', ['run', '--silent', 'lint']) !== 0)
    fail('lint found problems (`npm run format` fixes the formatting)');
  if (run('npm', ['run', '--silent', 'build']) !== 0) fail('the build failed');

  // Re-run this script inside a fresh network namespace that has only loopback, when permitted.
  // Firefox gathers no ICE candidate without a default route: one through loopback, which cannot
  // leave the machine.
  const inner = [process.argv[1], '--inner', ...args];
  const loopbackOnly = 'ip link set lo up && ip route add default dev lo src 127.0.0.1';
  const isolate = spawnSync('unshare', ['-n', 'sh', '-c', loopbackOnly], { stdio: 'ignore' }).status === 0;
  if (isolate) {
    step('running the tests in a loopback-only network namespace');
    const quoted = [process.execPath, ...inner].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    process.exit(run('unshare', ['-n', 'sh', '-c', `${loopbackOnly} && exec ${quoted}`]));
  }
  console.warn(
    '\nnote: `unshare -n` is not permitted here; running on the normal network (tests still use 127.0.0.1 only).',
  );
  process.exit(run(process.execPath, inner));
}

// ---- inside the namespace --------------------------------------------------------------------
const scratch = mkdtempSync(join(tmpdir(), 'rtc-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
/** The browser tests skipped, as `Browser: title [skipped: why]`. */
const skippedWhy = [];

step('relay and build tests (node --test)');
nodeTests('relay', ['tests/gates', 'tests/relay']);

if (withBrowser) {
  step('browser tests (@web/test-runner, Chromium then Firefox)');
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
  skippedWhy.push(...(browser.skippedTitles ?? []));

  step('cross-browser tests (node --test: a Chromium page and a Firefox page in one room)');
  nodeTests('cross', ['tests/cross']);
}

rmSync(scratch, { recursive: true, force: true });
if (skippedWhy.length) console.log(`\nskipped:\n${skippedWhy.map((title) => `  ${title}`).join('\n')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);

// ---- helpers ---------------------------------------------------------------------------------
/** Runs the *.test.ts files under `dirs` with node's test runner, one file at a time; adds up the counts. */
function nodeTests(name, dirs) {
  const tap = join(scratch, `${name}.tap`);
  const status = run(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...dirs.flatMap((dir) => listTests(dir)),
  ]);
  addTapCounts(tap, status);
}

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

/** Finds each program, or installs the missing ones' packages when we are root with apt-get. */
function ensureInstalled(programs) {
  const missing = programs.filter((program) => !program.find());
  if (missing.length === 0) return;
  const packages = missing.map((program) => program.debian);
  const root = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) {
    const names = missing.map((program) => program.name).join(' and ');
    const variables = missing.map((program) => program.variable).join(' / ');
    fail(
      `the tests need ${names}, not found here. Install (Debian/Ubuntu: \`sudo apt-get install ${packages.join(' ')}\`) or set ${variables} to the binary. \`npm test -- --no-browser\` runs without the browsers.`,
    );
  }
  step(`installing Debian's ${packages.join(' and ')} (needed for the tests)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run('apt-get', ['update', '-qq'], { env }) !== 0 ||
    run('apt-get', ['install', '-y', '-qq', ...packages], { env }) !== 0 ||
    missing.some((program) => !program.find())
  ) {
    fail(`installing ${packages.join(' ')} with apt-get failed; install them by hand or set their paths.`);
  }
}

function fail(message) {
  console.error(`\nnpm test: ${message}`);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}
