/**
 * A real TURN server (Debian's coturn) on loopback, in coturn's TURN REST mode (`use-auth-secret`):
 * it accepts the credentials a relay with the same `turnSecret` hands out, and refuses others and
 * expired ones. Started with flags only (`-n`: no config file from /etc), on a free port, relaying
 * between loopback addresses (which coturn refuses unless told to: `--allow-loopback-peers`).
 * With `tls`, it also listens for TURN over TLS (`turns:`) with the certificate of
 * tests/fixtures/, which the test browser accepts by its public key (tlsPublicKeyHash()).
 * Used by the browser tests through relay-plugin.ts.
 */
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTurnserver } from '../scripts/coturn.mjs';
import { freePort, waitForPort } from './ports.js';

const TLS_CERTIFICATE = fileURLToPath(new URL('fixtures/turn-tls.crt', import.meta.url));
const TLS_KEY = fileURLToPath(new URL('fixtures/turn-tls.key', import.meta.url));

export interface RunningCoturn {
  /** Its TURN URLs on 127.0.0.1: over UDP and TCP, and over TLS when started with `tls`. */
  urls: string[];
  stop(): Promise<void>;
}

export interface CoturnOptions {
  /** Also listen for TURN over TLS (a `turns:` URL), with the certificate of tests/fixtures/. */
  tls?: boolean;
}

/**
 * The SHA-256 of the test certificate's public key, base64: what Chromium's
 * `--ignore-certificate-errors-spki-list` takes to accept it (and no other certificate).
 */
export function tlsPublicKeyHash(): string {
  const publicKey = new X509Certificate(readFileSync(TLS_CERTIFICATE)).publicKey;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

export async function startCoturn(secret: string, { tls = false }: CoturnOptions = {}): Promise<RunningCoturn> {
  const binary = findTurnserver();
  if (!binary)
    throw new Error('coturn is not installed (Debian: apt-get install coturn); npm test installs it as root');
  const dir = mkdtempSync(join(tmpdir(), 'rtc-coturn-'));
  const port = await freePort();
  const tlsPort = tls ? await freePort() : 0;
  const tlsArgs = tls
    ? [`--tls-listening-port=${tlsPort}`, `--cert=${TLS_CERTIFICATE}`, `--pkey=${TLS_KEY}`]
    : ['--no-tls'];
  const args = [
    '-n',
    '--no-cli',
    ...tlsArgs,
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
    for (const listening of tls ? [port, tlsPort] : [port]) {
      await waitForPort(listening, { name: 'coturn', exited: () => child.exitCode !== null, output: () => output });
    }
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const urls = [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`];
  if (tls) urls.push(`turns:127.0.0.1:${tlsPort}?transport=tcp`);
  return {
    urls,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
