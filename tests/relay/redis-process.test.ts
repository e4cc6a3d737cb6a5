/**
 * Relay instances in processes of their own sharing rooms through a real Redis, for what only a
 * process can show: an instance killed outright (SIGKILL) and one that shuts down (SIGTERM).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { packageRoot } from '../../relay/http.js';
import type { RelayOptions } from '../../relay/index.js';
import { startRedis, type RunningRedis } from '../redis.js';
import { admitted, admittedClient, admittedSoon, clientsOf, connect, PATIENCE } from './helpers.js';

const FIXTURE = join(packageRoot(), 'tests', 'relay', 'fixtures', 'relay-process.ts');

let redis: RunningRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

interface RelayProcess {
  url: string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts a relay process sharing rooms through `redis` and waits until it is ready. */
async function startProcess(t: TestContext, options: RelayOptions): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relay process did not get ready: ${output}`)), PATIENCE * 3);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (!output.includes('ready\n')) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(() => reject(new Error(`the relay process exited: ${output}`)));
  });
  const port = /^port (\d+)$/m.exec(output)?.[1];
  return {
    url: `ws://127.0.0.1:${port}/signal`,
    async kill(signal) {
      child.kill(signal);
      await exited;
    },
  };
}

test('an instance killed with SIGKILL: its peers leave after the grace for the others, unless they resume elsewhere', async (t) => {
  const options = {
    redis: { url: redis.url, prefix: 'kill:', instanceTimeout: 600 },
    resumeGrace: 800,
  };
  const [doomed, survivor, other] = await Promise.all([
    startProcess(t, options),
    startProcess(t, options),
    startProcess(t, options),
  ]);
  const { joined } = clientsOf('websocket');
  const alice = await joined(t, doomed.url, 'room', { name: 'Alice' });
  const carol = await joined(t, doomed.url, 'room', { name: 'Carol' });
  const bob = await joined(t, survivor.url, 'room', { name: 'Bob' });
  assert.deepEqual(
    bob.welcome.peers.map((peer) => peer.id),
    [alice.id, carol.id],
  );

  await doomed.kill('SIGKILL');
  assert.equal(await carol.client.closeCode(), 1006);
  // Carol's client comes back through another instance (a load balancer's choice) at once.
  const carolBack = await connect(t, 'websocket', other.url);
  const welcome = await carolBack.join('room', { resume: carol.welcome.resume });
  assert.equal(welcome.id, carol.id);
  assert.equal(welcome.resumed, true);

  // Alice does not come back: once the dead instance has missed its heartbeats and the grace has
  // run out, bob is told. The same sweep would have ended carol's session: it did not.
  assert.deepEqual(await bob.client.next(PATIENCE * 2), { type: 'peer-left', id: alice.id });
  carolBack.send({ type: 'signal', to: bob.id, data: 'still here' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: carol.id, data: 'still here' });
  assert.deepEqual(await carolBack.next(PATIENCE * 2), { type: 'peer-left', id: alice.id });
});

test('an instance that shuts down (SIGTERM) closes with 1012; its peers resume elsewhere and the others see no leave', async (t) => {
  const options = { redis: { url: redis.url, prefix: 'term:' }, resumeGrace: 60_000 };
  const [leaving, staying] = await Promise.all([startProcess(t, options), startProcess(t, options)]);
  const { joined } = clientsOf('websocket');
  const alice = await joined(t, leaving.url, 'room', { name: 'Alice' });
  const bob = await joined(t, staying.url, 'room', { name: 'Bob' });
  await alice.client.next(); // peer-joined bob

  await leaving.kill('SIGTERM');
  assert.equal(await alice.client.closeCode(), 1012);
  const back = await connect(t, 'websocket', staying.url);
  const welcome = await back.join('room', { resume: alice.welcome.resume });
  assert.equal(welcome.id, alice.id);
  assert.equal(welcome.resumed, true);
  // Had bob been told of a leave or a join, it would have come before this signal.
  back.send({ type: 'signal', to: bob.id, data: 'same me' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'same me' });
});

test("a killed instance's connections stop counting toward the per-address cap once its heartbeat has run out", async (t) => {
  const options = {
    redis: { url: redis.url, prefix: 'kill-caps:', instanceTimeout: 600 },
    maxConnectionsPerIp: 2,
  };
  const [doomed, survivor] = await Promise.all([startProcess(t, options), startProcess(t, options)]);
  const { joined } = clientsOf('websocket');
  const alice = await joined(t, doomed.url, 'room');
  await joined(t, doomed.url, 'room');
  const third = await connect(t, 'websocket', survivor.url);
  assert.equal(await admitted(third), false, 'two on the other instance are the cap');

  await doomed.kill('SIGKILL');
  assert.equal(await alice.client.closeCode(), 1006);
  // Two places again, once the survivor's sweep finds the dead instance.
  const back = await admittedSoon(t, 'websocket', survivor.url, PATIENCE * 3);
  await admittedClient(t, 'websocket', survivor.url);
  assert.equal(await admitted(await connect(t, 'websocket', survivor.url)), false, 'and no more');
  assert.equal((await back.join('room')).room, 'room');
});
