/**
 * A real redis-server (Debian's; `.ci/run` installs it) for the tests of relay instances that share
 * rooms. It runs in the foreground on a free port of 127.0.0.1 with nothing saved to disk, so a
 * restart starts empty, as a Redis without persistence does. Used by tests/relay/redis*.test.ts and
 * by the browser tests (through relay-plugin.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { findRedisServer } from '../scripts/redis.mjs';

export interface RunningRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Stops it (SIGKILL: nothing to save, and an outage is what the tests want). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

export async function startRedis(): Promise<RunningRedis> {
  const binary = findRedisServer();
  if (!binary) {
    throw new Error(
      'redis-server is not installed (Debian: apt-get install redis-server); npm test installs it as root',
    );
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const server = spawn(binary, [...args, '--daemonize', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = server;
    let stderr = '';
    server.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    exited = new Promise((resolve) => server.once('exit', () => resolve()));
    await waitForPort(port, server, () => stderr);
  };
  const stop = async () => {
    child?.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not listen on ${port}: ${output()}`);
}
