/**
 * The flood that used to run the relay's memory up: signals to peers within their resume grace,
 * which the relay holds for them. It runs against the real command (its own process, so its RSS is
 * its own), with its default limits, read through its own /metrics.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { packageRoot } from '../../relay/http.js';
import { joined, PATIENCE, type TestClient } from './helpers.js';
import { parsePrometheus, valueOf } from './prometheus.js';

const CLI = [join(packageRoot(), 'relay', 'cli.ts')];
/** The V8 flag docs/relay.md recommends for the command (it bounds V8's young generation). */
const NODE_FLAGS = ['--max-semi-space-size=4', '--import', 'tsx'];
const AWAY_PEERS = 8;
const SENDERS = 8;
/** Each sender's signals: under the default burst of 200 (the 200th is its own sync signal). */
const SIGNALS_PER_SENDER = 199;
const SIGNAL_DATA = 'x'.repeat(60 * 1024);
const MIB = 1024 * 1024;

async function startCli(t: TestContext): Promise<{ origin: string; signalUrl: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, ...CLI, '--port', '0', '--host', '127.0.0.1', '--metrics'], {
    cwd: packageRoot(),
    env: { ...process.env, PORT: '', HOST: '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    setTimeout(() => reject(new Error(`no listening line: ${output}`)), PATIENCE * 3).unref();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the relay exited (${code}): ${output}`)));
  });
  return { origin, signalUrl: `${origin.replace(/^http/, 'ws')}/signal` };
}

async function metrics(origin: string) {
  return parsePrometheus(await (await fetch(`${origin}/metrics`)).text());
}

/** Sends every sender's signals to the away peers in turn; resolves once the relay has handled them all. */
async function flood(senders: { client: TestClient; id: string }[], away: string[]): Promise<number> {
  let refused = 0;
  await Promise.all(
    senders.map(async ({ client, id }) => {
      for (let index = 0; index < SIGNALS_PER_SENDER; index++) {
        client.send({ type: 'signal', to: away[index % away.length], data: SIGNAL_DATA });
      }
      client.send({ type: 'signal', to: id, data: 'sync' });
      for (;;) {
        const message = await client.next(PATIENCE * 5);
        if (message.type === 'signal' && message.data === 'sync') return;
        if (message.type === 'peer-joined') continue; // the senders that joined after this one
        assert.equal(message.type === 'error' && message.code, 'held-full');
        refused++;
      }
    }),
  );
  return refused;
}

test('a flood of signals to peers within their grace is refused at the byte cap (held-full) and RSS stays bounded', async (t) => {
  const { origin, signalUrl } = await startCli(t);
  const away: string[] = [];
  for (let index = 0; index < AWAY_PEERS; index++) {
    const peer = await joined(t, signalUrl, 'room');
    peer.client.drop();
    away.push(peer.id);
  }
  const senders = [];
  for (let index = 0; index < SENDERS; index++) senders.push(await joined(t, signalUrl, 'room'));
  await fetch(`${origin}/metrics`); // the first scrape starts the process metrics' own bookkeeping
  const before = valueOf(await metrics(origin), 'process_resident_memory_bytes');

  const sent = SENDERS * SIGNALS_PER_SENDER * SIGNAL_DATA.length;
  const refused = await flood(senders, away);
  const afterFirst = await metrics(origin);
  const heldBytes = valueOf(afterFirst, 'rtc_relay_held_bytes');
  // Each away peer holds what fits in 256 KiB (four 60 KiB signals), and everything else is refused.
  assert.ok(heldBytes <= AWAY_PEERS * 256 * 1024, `held ${heldBytes} bytes`);
  assert.equal(valueOf(afterFirst, 'rtc_relay_held_signals'), AWAY_PEERS * 4);
  assert.equal(refused, SENDERS * SIGNALS_PER_SENDER - AWAY_PEERS * 4);

  // A second flood like the first: the cap holds, so memory does not grow with what is sent.
  const more = [];
  for (let index = 0; index < SENDERS; index++) more.push(await joined(t, signalUrl, 'room'));
  await flood(more, away);
  const after = valueOf(await metrics(origin), 'process_resident_memory_bytes');
  const growth = after - before;
  t.diagnostic(
    `RSS ${(before / MIB).toFixed(1)} -> ${(after / MIB).toFixed(1)} MiB after ${(2 * sent) / MIB} MiB of signals`,
  );
  assert.ok(growth < 48 * MIB, `RSS grew by ${(growth / MIB).toFixed(1)} MiB while ${(2 * sent) / MIB} MiB was sent`);

  const newcomer = await joined(t, signalUrl, 'room');
  assert.equal(newcomer.welcome.peers.length, AWAY_PEERS + 2 * SENDERS, 'the relay still serves');
});
