#!/usr/bin/env node
// `npm run bench`: speed and size of rtc-elements beside baselines measured in the same run.
// docs/performance.md explains the method and the latest results.
//   npm run bench                     everything (about 4 minutes on 2 cores)
//   npm run bench -- --quick          fewer rounds, shorter windows (about 1.5 minutes)
//   npm run bench -- --only relay     a selection: pages, throughput, latency, memory, joins, scaling,
//                                     datachannel, filememory, chatflood, connect; `relay` = the five
//                                     relay ones (scaling: instances sharing rooms through a
//                                     redis-server of its own), `browser` = the last four
//   npm run bench -- --no-build       use dist/ as it is (otherwise `npm run build` runs first)
// Prints one table and writes bench/results.json. Runs inside a loopback-only network namespace
// where `unshare -n` is permitted (like scripts/test.mjs); everything it starts is killed at the end.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const valueOf = (name) => {
  const at = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at === -1) return undefined;
  return argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
};
const ALL = [
  'pages',
  'throughput',
  'latency',
  'memory',
  'joins',
  'scaling',
  'datachannel',
  'filememory',
  'chatflood',
  'connect',
];
const BROWSER = ['datachannel', 'filememory', 'chatflood', 'connect'];
const GROUPS = { relay: ['throughput', 'latency', 'memory', 'joins', 'scaling'], browser: BROWSER };
const only = valueOf('--only');
const selected = only ? only.split(',').flatMap((name) => GROUPS[name] ?? [name]) : ALL;
for (const name of selected)
  if (!ALL.includes(name)) fail(`unknown bench ${name}; choose from ${[...ALL, ...Object.keys(GROUPS)].join(', ')}`);
const quick = flag('--quick');

if (!flag('--inner')) {
  if (!flag('--no-build')) {
    console.log('== npm run build');
    if (spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' }).status !== 0) fail('the build failed');
  }
  const inner = [process.argv[1], '--inner', ...argv];
  const isolate = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
  if (isolate) {
    const quoted = [process.execPath, ...inner].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    process.exit(
      spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`], { stdio: 'inherit' }).status ?? 1,
    );
  }
  console.warn(
    'note: `unshare -n` is not permitted here; running on the normal network (everything stays on 127.0.0.1).',
  );
  process.exit(spawnSync(process.execPath, inner, { stdio: 'inherit' }).status ?? 1);
}

// ---- inside the namespace --------------------------------------------------------------------
const { killAll } = await import('./lib.mjs');
const rows = [];
const details = {};
const started = Date.now();
const onSignal = () => {
  killAll();
  process.exit(130);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

let status = 0;
try {
  for (const name of ALL.filter((n) => selected.includes(n))) {
    console.log(`\n== ${name}${quick ? ' (quick)' : ''}`);
    const t0 = Date.now();
    const module = await import(`./${BROWSER.includes(name) ? 'browser' : name === 'pages' ? 'pages' : 'relay'}.mjs`);
    const result = await module[name]({ quick, log: (line) => console.log(`   ${line}`) });
    rows.push(...result.rows);
    details[name] = result.details;
    console.log(`   (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
} catch (error) {
  console.error(`\nbench failed: ${error?.stack ?? error}`);
  status = 1;
} finally {
  killAll();
}

const machine = {
  date: new Date().toISOString(),
  nproc: cpus().length,
  cpu: cpus()[0]?.model,
  node: process.version,
  chromium: BROWSER.map((name) => details[name]?.chromium).find(Boolean),
  load: (await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' '),
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
};
printTable(rows);
console.log(
  `\n${machine.date}, ${machine.nproc} cores (${machine.cpu}), node ${machine.node}${machine.chromium ? `, ${machine.chromium}` : ''}, load average ${machine.load}, ${machine.seconds} s`,
);
writeFileSync('bench/results.json', `${JSON.stringify({ machine, rows, details }, null, 2)}\n`);
console.log('wrote bench/results.json');
process.exit(status);

function printTable(list) {
  const header = ['figure', 'ours', 'baseline', 'ratio', 'goal', 'met?'];
  const lines = list.map((r) => [
    r.figure,
    fmt(r.ours, r.unit),
    `${fmt(r.baseline, r.unit)} (${r.baselineName})`,
    r.ratio == null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.goal,
    r.met == null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const l of lines) console.log(line(l));
}

function fmt(value, unit) {
  if (value == null || Number.isNaN(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${unit}`;
}

function fail(message) {
  console.error(`npm run bench: ${message}`);
  process.exit(1);
}
