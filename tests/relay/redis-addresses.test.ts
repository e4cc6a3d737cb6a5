/**
 * The per-address caps on relay instances that share rooms through a real Redis (tests/redis.ts):
 * one address's connections and joins a minute are counted for the whole deployment, and each
 * instance falls back to its own counts while Redis is away. Every client connects from 127.0.0.1
 * (one address), a neighbour from 127.0.0.2. tests/relay/redis-process.test.ts kills an instance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { startRedis, startRedisProxy, type RunningRedis } from '../redis.js';
import {
  admitted,
  admittedClient,
  admittedSoon,
  clientsOf,
  connect,
  PATIENCE,
  startRelay,
  startSharedRelays,
  TRANSPORTS,
  waitUntil,
} from './helpers.js';
import type { TransportName } from '../../protocol/signaling.js';

// Every address of 127.0.0.0/8 is this machine's loopback on Linux: another address to the relay.
const NEIGHBOUR = { localAddress: '127.0.0.2' };

let redis: RunningRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

async function refused(t: TestContext, transport: TransportName, url: string): Promise<void> {
  const client = await connect(t, transport, url);
  assert.equal(await admitted(client), false, 'refused');
}

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { joined } = clientsOf(transport);

    test('an address at its connection cap on instance A is refused on instance B with too-many-connections and 1013, and admitted on B again once one of its connections on A closed', async (t) => {
      const [a, b] = await startSharedRelays(t, redis.url, 2, { maxConnectionsPerIp: 2 });
      const alice = await joined(t, a!.url, 'room');
      await joined(t, b!.url, 'room');
      const third = await connect(t, transport, b!.url);
      const error = await third.nextError('too-many-connections');
      assert.match(error.hint!, /one address \(2\)/);
      assert.equal(await third.closeCode(), 1013);
      // An unjoined connection counts too, on the other instance as well.
      await refused(t, transport, a!.url);
      // Another address still gets in.
      const neighbour = await connect(t, transport, b!.url, NEIGHBOUR);
      assert.equal((await neighbour.join('room')).room, 'room');

      alice.client.leave();
      const again = await admittedSoon(t, transport, b!.url);
      assert.equal((await again.join('room')).room, 'room');
      // Two again: the next one is refused, wherever it goes.
      await refused(t, transport, a!.url);
    });
  });
}

test('joins a minute come from one bucket per address for all instances: the third join on either instance gets too-many-joins and 1013', async (t) => {
  const [a, b] = await startSharedRelays(t, redis.url, 2, { joinsPerMinutePerIp: 2 });
  await clientsOf('websocket').joined(t, a!.url, 'room');
  await clientsOf('sse').joined(t, b!.url, 'room');
  for (const [transport, relay] of [
    ['sse', a!],
    ['websocket', b!],
  ] as const) {
    const late = await connect(t, transport, relay.url);
    late.send({ type: 'join', room: 'room' });
    assert.match((await late.nextError('too-many-joins')).hint!, /\(2 a minute\)/);
    assert.equal(await late.closeCode(), 1013);
  }
  const neighbour = await clientsOf('websocket').joined(t, b!.url, 'room', {}, NEIGHBOUR);
  assert.equal(neighbour.welcome.room, 'room');
});

test("while Redis is away each instance caps an address by its own count; when Redis is back (empty) the instances' counts add up there, and go down as connections close", async (t) => {
  const ownRedis = await startRedis();
  t.after(() => ownRedis.stop());
  // Joins wait for Redis: these connections stay unjoined through the outage.
  const options = { maxConnectionsPerIp: 2, joinTimeout: 60_000 };
  const [a, b] = await startSharedRelays(t, ownRedis.url, 2, options);

  await ownRedis.stop();
  await waitUntil(() => !a!.relay.readiness().ready && !b!.relay.readiness().ready);
  const onA = [await admittedClient(t, 'websocket', a!.url), await admittedClient(t, 'sse', a!.url)];
  await refused(t, 'websocket', a!.url);
  // B does not know of A's two meanwhile.
  await admittedClient(t, 'websocket', b!.url);

  await ownRedis.start();
  await waitUntil(() => a!.relay.readiness().ready && b!.relay.readiness().ready, PATIENCE * 3);
  // Redis counts the three of them, past the cap: nobody more from the address, on either instance.
  await refused(t, 'sse', b!.url);
  await refused(t, 'websocket', a!.url);

  for (const client of onA) client.leave();
  // One open on B: one more fits, on either instance, and no more.
  await admittedSoon(t, 'websocket', a!.url);
  await refused(t, 'websocket', b!.url);
});

test('a connection whose count Redis does not answer is closed at its join deadline, and counts for nothing once Redis answers', async (t) => {
  const network = await startRedisProxy(redis.url);
  t.after(() => network.stop());
  const prefix = `addresses-${Math.random().toString(36).slice(2)}:`;
  const a = await startRelay(t, { maxConnectionsPerIp: 1, joinTimeout: 300, redis: { url: network.url, prefix } });
  const b = await startRelay(t, { maxConnectionsPerIp: 1, redis: { url: redis.url, prefix } });
  await waitUntil(() => a.relay.readiness().ready && b.relay.readiness().ready, PATIENCE * 2);

  network.holdReplies();
  const waiting = await connect(t, 'websocket', a.url);
  waiting.send({ type: 'join', room: 'room' });
  await waiting.nextError('join-timeout');
  assert.equal(await waiting.closeCode(), 1008);

  network.releaseReplies();
  // Redis counted it when it was asked: A takes it back once the answer arrives.
  const later = await admittedSoon(t, 'websocket', b.url);
  assert.equal((await later.join('room')).room, 'room');
});
