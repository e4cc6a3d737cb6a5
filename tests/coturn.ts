/**
 * A real TURN server (Debian's coturn) on loopback, in coturn's TURN REST mode (`use-auth-secret`):
 * it accepts the credentials a relay with the same `turnSecret` hands out, and refuses others and
 * expired ones. Started with flags only (`-n`: no config file from /etc), on a free port, relaying
 * between loopback addresses (which coturn refuses unless told to: `--allow-loopback-peers`).
 * Used by the browser tests through relay-plugin.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTurnserver } from '../scripts/coturn.mjs';

export interface RunningCoturn {
  /** Its TURN URLs on 127.0.0.1, over UDP and TCP. */
  urls: string[];
  stop(): Promise<void>;
}

export async function startCoturn(secret: string): Promise<RunningCoturn> {
  const binary = findTurnserver();
  if (!binary)
    throw new Error('coturn is not installed (Debian: apt-get install coturn); npm test installs it as root');
  const dir = mkdtempSync(join(tmpdir(), 'rtc-coturn-'));
  const port = await freePort();
  const args = [
    '-n',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    `--listening-port=${port}`,
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    '--allow-loopback-peers',
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--realm=rtc-elements.test',
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--userdb=${join(dir, 'turndb')}`,
    '--log-file=stdout',
    '--simple-log',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: string) => (output = (output + chunk).slice(-4000));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(
      port,
      () => child.exitCode !== null,
      () => output,
    );
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
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

/** Resolves once the TCP listener answers (coturn opens its UDP one beside it). */
async function waitForPort(port: number, exited: () => boolean, output: () => string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (exited()) throw new Error(`coturn exited: ${output()}`);
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
  throw new Error(`coturn did not listen on ${port}: ${output()}`);
}
