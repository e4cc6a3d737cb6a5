// Shared helpers: child processes in their own process group (killed as a group), pinning, medians.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus } from 'node:os';

const children = new Set();
export const canPin = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

/** Spawns `cmd` detached (its own process group), pinned to `core` when possible; tracked for killAll. */
export function start(cmd, args, { core, ...options } = {}) {
  const [file, argv] = core !== undefined && canPin ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { detached: true, ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function kill(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export function killAll() {
  for (const child of children) kill(child);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function row(figure, unit, ours, baseline, baselineName, goal, met, lowerIsBetter = false) {
  const ratio = ours && baseline ? (lowerIsBetter ? ours / baseline : ours / baseline) : null;
  return { figure, unit, ours, baseline, baselineName, ratio, goal, met };
}

/** A free TCP port on 127.0.0.1 (for a server that cannot listen on port 0 and say which it got). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
