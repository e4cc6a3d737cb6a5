#!/usr/bin/env node
// `npm run soak`: the soak tests (tests/soak/), which repeat a scene many times in a row to catch
// what fails once in a hundred runs; not part of `npm test`. In a loopback-only network namespace
// where the machine allows it, as `npm test` runs the browser tests.
//
//   RTC_SOAK_RUNS=300 npm run soak                 runs per test (default 100)
//   RTC_BROWSERS=firefox npm run soak              one browser (default: Chromium, then Firefox)
//
// Stalls tend to show under load: run it a second time with the cores busy (`yes > /dev/null &`
// once per core, and `kill %1 %2` after). Each failed run prints its signals and states.
import { spawnSync } from 'node:child_process';

const runner = [
  process.execPath,
  '--import',
  'tsx',
  'node_modules/@web/test-runner/dist/bin.js',
  '--config',
  'web-test-runner.config.mjs',
];
const env = { RTC_SOAK_RUNS: '100', ...process.env, RTC_BROWSER_TESTS: 'tests/soak/**/*.test.ts' };
const loopbackOnly = 'ip link set lo up && ip route add default dev lo src 127.0.0.1';
const isolate = spawnSync('unshare', ['-n', 'sh', '-c', loopbackOnly], { stdio: 'ignore' }).status === 0;
const quoted = runner.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
const { status } = isolate
  ? spawnSync('unshare', ['-n', 'sh', '-c', `${loopbackOnly} && exec ${quoted}`], { stdio: 'inherit', env })
  : spawnSync(runner[0], runner.slice(1), { stdio: 'inherit', env });
process.exit(status ?? 1);
