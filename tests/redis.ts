/**
 * A real redis-server (Debian's; `.ci/run` installs it) for the tests of relay instances that share
 * rooms. It runs in the foreground on a free port of 127.0.0.1 with nothing saved to disk, so a
 * restart starts empty, as a Redis without persistence does. Used by tests/relay/redis*.test.ts and
 * by the browser tests (through relay-plugin.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
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

/**
 * A TCP proxy between one relay instance and a real Redis: the network between them, which a test
 * can break (`cut`: every connection dropped, new ones refused, until `restore`) or slow down
 * (`holdReplies`: what Redis answers on the instance's command connections is held back, in
 * order, until `releaseReplies`; its subscriber connection, the one that sent SUBSCRIBE, still gets
 * what is published).
 */
export interface RedisProxy {
  /** redis://127.0.0.1:PORT, to give the instance instead of Redis's own URL. */
  url: string;
  cut(): void;
  restore(): void;
  holdReplies(): void;
  releaseReplies(): void;
  stop(): Promise<void>;
}

export async function startRedisProxy(redisUrl: string): Promise<RedisProxy> {
  const target = new URL(redisUrl);
  const links = new Set<{ client: Socket; redis: Socket; subscriber: boolean; held: Buffer[] }>();
  let broken = false;
  let holding = false;
  const server: Server = createServer((client) => {
    if (broken) return void client.destroy();
    const redis = connect(Number(target.port), target.hostname);
    const link = { client, redis, subscriber: false, held: [] as Buffer[] };
    links.add(link);
    const drop = () => {
      links.delete(link);
      client.destroy();
      redis.destroy();
    };
    client.on('error', drop).on('close', drop);
    redis.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (/subscribe/i.test(chunk.toString('latin1'))) link.subscriber = true;
      redis.write(chunk);
    });
    redis.on('data', (chunk: Buffer) => {
      if (holding && !link.subscriber) link.held.push(chunk);
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      broken = true;
      for (const link of links) link.client.destroy();
    },
    restore() {
      broken = false;
    },
    holdReplies() {
      holding = true;
    },
    releaseReplies() {
      holding = false;
      for (const link of links) {
        for (const chunk of link.held.splice(0)) link.client.write(chunk);
      }
    },
    async stop() {
      for (const link of links) link.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
