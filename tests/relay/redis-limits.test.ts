/**
 * The operator's limits and observability (issue 15) on relay instances that share rooms through a
 * real Redis (tests/redis.ts): held signals capped in bytes across instances, peers within their
 * grace counted toward maxConnections, signal data as the client wrote it, per-address caps,
 * /metrics, and drain, as without Redis.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, startRedisProxy, type RunningRedis } from '../redis.js';
import { clientsOf, PATIENCE, startRelay, startSharedRelays, waitUntil, WsTestClient } from './helpers.js';
import { parsePrometheus, valueOf, type Exposition } from './prometheus.js';

const { connect, joined } = clientsOf('websocket');

let redis: RunningRedis;
let inspector: Redis;
before(async () => {
  redis = await startRedis();
  inspector = new Redis(redis.url, { lazyConnect: true });
  await inspector.connect();
});
after(async () => {
  inspector.disconnect();
  await redis.stop();
});

/** A key prefix of a test's own, so that the tests' totals in Redis stay apart. */
const newPrefix = () => `limits-${Math.random().toString(36).slice(2)}:`;

/** Resolves once Redis has `id` of `room` within its grace: signals for it are held from then on. */
async function lostInRedis(prefix: string, room: string, id: string): Promise<void> {
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    const entry = await inspector.hget(`${prefix}room:${room}`, id);
    if (entry && (JSON.parse(entry) as { lost?: boolean }).lost === true) return;
    assert.ok(Date.now() < deadline, `${id} is not within its grace in Redis: ${entry}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A peer over WebSocket that joins `room` on `url`, then is lost; resolves once Redis holds its place. */
async function awayPeer(t: TestContext, prefix: string, url: string, room: string) {
  const peer = await joined(t, url, room);
  peer.client.drop();
  await lostInRedis(prefix, room, peer.id);
  return peer;
}

async function scrape(origin: string): Promise<Exposition> {
  const response = await fetch(`${origin}/metrics`);
  assert.equal(response.status, 200);
  return parsePrometheus(await response.text());
}

/** Scrapes `origin` until `holds` is true of what it reads (a gauge read from Redis at a heartbeat). */
async function scrapeUntil(origin: string, holds: (metrics: Exposition) => boolean): Promise<Exposition> {
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    const metrics = await scrape(origin);
    if (holds(metrics)) return metrics;
    assert.ok(Date.now() < deadline, 'the metrics never showed it');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const payload = (length: number) => 'x'.repeat(length);

test('signals for a peer lost on another instance are held in Redis up to the per-peer byte cap, the next gets held-full, and the rest arrive on resume', async (t) => {
  const prefix = newPrefix();
  const [a, b] = await startSharedRelays(t, redis.url, 2, { maxHeldBytesPerPeer: 4096, resumeGrace: 60_000 }, prefix);
  const alice = await joined(t, a!.url, 'room');
  const bob = await awayPeer(t, prefix, b!.url, 'room');
  await alice.client.next(); // peer-joined bob

  for (let index = 0; index < 4; index++) {
    alice.client.send({ type: 'signal', to: bob.id, data: `${index}${payload(1000)}` });
  }
  // The first three fit (about 1,050 bytes each); the fourth is the first thing alice hears.
  assert.equal((await alice.client.nextError('held-full')).to, bob.id);

  // Bob comes back on alice's instance: Redis hands over what it held for him, in order.
  const back = await joined(t, a!.url, 'room', { resume: bob.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  for (let index = 0; index < 3; index++) {
    assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: `${index}${payload(1000)}` });
  }
  alice.client.send({ type: 'signal', to: bob.id, data: 'after' });
  assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: 'after' });
});

test('the cap on all held signals counts what every instance had Redis hold, and room comes back as they are delivered', async (t) => {
  const prefix = newPrefix();
  const [a, b] = await startSharedRelays(t, redis.url, 2, { maxHeldBytes: 4096, resumeGrace: 60_000 }, prefix);
  const alice = await joined(t, a!.url, 'room');
  const erin = await joined(t, b!.url, 'room');
  await alice.client.next(); // peer-joined erin
  const bob = await awayPeer(t, prefix, b!.url, 'room');
  const carol = await awayPeer(t, prefix, a!.url, 'room');
  for (const peer of [alice, erin]) {
    assert.deepEqual(await peer.client.next(), { type: 'peer-joined', id: bob.id, name: '' });
    assert.deepEqual(await peer.client.next(), { type: 'peer-joined', id: carol.id, name: '' });
  }
  const signal = (from: typeof alice, to: string) => from.client.send({ type: 'signal', to, data: payload(900) });

  // About 950 bytes each: alice's two through instance A and erin's two through B fit in 4,096
  // together; erin's fifth does not, though B itself had only two held.
  signal(alice, bob.id);
  signal(alice, bob.id);
  alice.client.send({ type: 'signal', to: 'nobody', data: 'sync' });
  assert.equal((await alice.client.nextError('no-such-peer')).to, 'nobody');
  signal(erin, carol.id);
  signal(erin, carol.id);
  signal(erin, carol.id);
  assert.equal((await erin.client.nextError('held-full')).to, carol.id);

  const bobBack = await joined(t, b!.url, 'room', { resume: bob.welcome.resume });
  await bobBack.client.next();
  await bobBack.client.next(); // both held signals delivered: their bytes are free again
  signal(erin, carol.id);
  erin.client.send({ type: 'signal', to: 'nobody', data: 'marker' });
  assert.equal((await erin.client.nextError('no-such-peer')).to, 'nobody', 'the signal to carol was held');
  const carolBack = await joined(t, b!.url, 'room', { resume: carol.welcome.resume });
  for (let count = 0; count < 3; count++) {
    assert.deepEqual(await carolBack.client.next(), { type: 'signal', from: erin.id, data: payload(900) });
  }
});

test('a peer within its grace holds a place under maxConnections on the instance that lost it, until it resumes elsewhere', async (t) => {
  const prefix = newPrefix();
  const [a, b] = await startSharedRelays(t, redis.url, 2, { maxConnections: 2, resumeGrace: 60_000 }, prefix);
  const alice = await joined(t, a!.url, 'room');
  const bob = await awayPeer(t, prefix, a!.url, 'room');
  await alice.client.next(); // peer-joined bob

  const third = await connect(t, a!.url);
  await third.nextError('server-full');
  assert.equal(await third.closeCode(), 1013);

  // Bob resumes on B: A is told his session was taken over, and his place there is free.
  const back = await joined(t, b!.url, 'room', { resume: bob.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    const client = await WsTestClient.connect(t, a!.url);
    const welcome = await client.join('room').catch(() => undefined);
    if (welcome) break;
    assert.ok(Date.now() < deadline, "bob's place on A was never freed");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

test('signal data crosses instances as the client wrote it: 1e400 as sent, nested 5,000 deep intact, and so while held', async (t) => {
  const prefix = newPrefix();
  const [a, b] = await startSharedRelays(t, redis.url, 2, { resumeGrace: 60_000 }, prefix);
  const alice = await joined(t, a!.url, 'room');
  const bob = await joined(t, b!.url, 'room');
  await alice.client.next(); // peer-joined bob

  alice.client.send(`{"data" : 1e400 , "type":"signal","to":"${bob.id}","from":"forged"}`);
  assert.equal(await bob.client.nextText(), `{"type":"signal","from":"${alice.id}","data":1e400}`);
  const deep = `${'['.repeat(5000)}"bottom"${']'.repeat(5000)}`;
  alice.client.send(`{"type":"signal","to":"${bob.id}","data":${deep}}`);
  assert.equal(await bob.client.nextText(), `{"type":"signal","from":"${alice.id}","data":${deep}}`);

  bob.client.drop();
  await lostInRedis(prefix, 'room', bob.id);
  alice.client.send(`{"type":"signal","to":"${bob.id}","data":{"sdp": "v=0\\r\\n",\t"n": -0.0e-7}}`);
  alice.client.send({ type: 'signal', to: 'nobody', data: 'sync' });
  await alice.client.nextError('no-such-peer');
  const back = await joined(t, a!.url, 'room', { resume: bob.welcome.resume });
  assert.equal(
    await back.client.nextText(),
    `{"type":"signal","from":"${alice.id}","data":{"sdp": "v=0\\r\\n",\t"n": -0.0e-7}}`,
  );
});

test('per-address caps hold with --redis: connections, and joins a minute', async (t) => {
  const [a] = await startSharedRelays(t, redis.url, 1, { maxConnectionsPerIp: 2, joinsPerMinutePerIp: 2 });
  const alice = await joined(t, a!.url, 'room');
  const bob = await joined(t, a!.url, 'room');
  const third = await connect(t, a!.url);
  await third.nextError('too-many-connections');
  assert.equal(await third.closeCode(), 1013);

  bob.client.leave();
  assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: '' });
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
  const late = await connect(t, a!.url);
  late.send({ type: 'join', room: 'room' });
  await late.nextError('too-many-joins');
  assert.equal(await late.closeCode(), 1013);
});

test('/metrics with --redis: joins, signals, peers and rooms of this instance, peers away, what Redis holds for all, and held-full', async (t) => {
  const prefix = newPrefix();
  const [a, b] = await startSharedRelays(
    t,
    redis.url,
    2,
    { metrics: true, maxHeldBytesPerPeer: 1024, resumeGrace: 60_000 },
    prefix,
  );
  const alice = await joined(t, a!.url, 'room');
  const bob = await joined(t, b!.url, 'room');
  await alice.client.next(); // peer-joined bob
  alice.client.send({ type: 'signal', to: bob.id, data: 'across' });
  await bob.client.next();

  const both = await scrape(a!.origin);
  assert.equal(valueOf(both, 'rtc_relay_joins_total'), 1, 'the joins on this instance');
  assert.equal(valueOf(both, 'rtc_relay_peers'), 1, "this instance's peers");
  assert.equal(valueOf(both, 'rtc_relay_rooms'), 1);
  assert.equal(valueOf(both, 'rtc_relay_messages_received_total', { transport: 'websocket' }), 2);

  bob.client.drop();
  await lostInRedis(prefix, 'room', bob.id);
  alice.client.send({ type: 'signal', to: bob.id, data: 'held' });
  alice.client.send({ type: 'signal', to: bob.id, data: payload(1024) });
  assert.equal((await alice.client.nextError('held-full')).to, bob.id);

  const bytes = Buffer.byteLength(`{"type":"signal","from":"${alice.id}","data":"held"}`);
  // Every instance reads what Redis holds at its heartbeat.
  for (const { origin } of [a!, b!]) {
    const held = await scrapeUntil(origin, (metrics) => valueOf(metrics, 'rtc_relay_redis_held_signals') === 1);
    assert.equal(valueOf(held, 'rtc_relay_redis_held_bytes'), bytes);
    assert.equal(valueOf(held, 'rtc_relay_held_signals'), 0, "nothing held in this instance's memory");
  }
  const onA = await scrape(a!.origin);
  assert.equal(valueOf(onA, 'rtc_relay_errors_total', { code: 'held-full' }), 1);
  assert.equal(valueOf(onA, 'rtc_relay_peers_away'), 0);
  assert.equal(valueOf(await scrape(b!.origin), 'rtc_relay_peers_away'), 1, 'bob was lost on B');

  const back = await joined(t, a!.url, 'room', { resume: bob.welcome.resume });
  assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: 'held' });
  const after = await scrapeUntil(a!.origin, (metrics) => valueOf(metrics, 'rtc_relay_redis_held_signals') === 0);
  assert.equal(valueOf(after, 'rtc_relay_redis_held_bytes'), 0);
  assert.equal(valueOf(after, 'rtc_relay_resumes_total'), 1);
  await scrapeUntil(b!.origin, (metrics) => valueOf(metrics, 'rtc_relay_peers_away') === 0);
});

test('drain with --redis: /readyz lists both checks and says draining, new clients are refused, and after the window the peers resume elsewhere unseen', async (t) => {
  const prefix = newPrefix();
  const [a, b] = await startSharedRelays(t, redis.url, 2, { drainWindow: 200, resumeGrace: 60_000 }, prefix);
  const alice = await joined(t, a!.url, 'room');
  const carol = await joined(t, b!.url, 'room');
  await alice.client.next(); // peer-joined carol

  const drained = a!.relay.drain();
  const readyz = await fetch(`${a!.origin}/readyz`);
  assert.equal(readyz.status, 503);
  assert.deepEqual(await readyz.json(), { status: 'not-ready', checks: { accepting: 'draining', redis: 'ok' } });
  await assert.rejects(WsTestClient.connect(t, a!.url), /Unexpected server response: 503/);
  alice.client.send({ type: 'signal', to: carol.id, data: 'still here' });
  assert.deepEqual(await carol.client.next(), { type: 'signal', from: alice.id, data: 'still here' });

  assert.equal(await alice.client.closeCode(), 1012);
  await drained;
  const back = await joined(t, b!.url, 'room', { resume: alice.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  assert.equal(back.id, alice.id);
  // Had carol been told of a leave, it would have come before this signal.
  back.client.send({ type: 'signal', to: carol.id, data: 'back' });
  assert.deepEqual(await carol.client.next(), { type: 'signal', from: alice.id, data: 'back' });
});

/**
 * alice and bob join one room on instance `a`; then Redis goes away for `a` (`cut`) and bob's
 * connection drops, so what is sent to bob is held in A's own memory.
 */
async function bobLostWhileAway(
  t: TestContext,
  a: Pick<Awaited<ReturnType<typeof startRelay>>, 'url' | 'relay'>,
  cut: () => unknown,
) {
  const alice = await joined(t, a.url, 'room');
  const bob = await joined(t, a.url, 'room');
  await alice.client.next(); // peer-joined bob
  await cut();
  await waitUntil(() => !a.relay.readiness().ready);
  bob.client.drop();
  await waitUntil(() => a.relay.stats().connections === 1);
  return { alice, bob };
}

test('while Redis is away, a lost peer of this instance has its signals held here under the same caps, counted in /metrics, and delivered when it resumes after Redis is back', async (t) => {
  const ownRedis = await startRedis();
  t.after(() => ownRedis.stop());
  const [a] = await startSharedRelays(t, ownRedis.url, 1, {
    metrics: true,
    maxHeldBytesPerPeer: 4096,
    resumeGrace: 60_000,
  });
  const { alice, bob } = await bobLostWhileAway(t, a!, () => ownRedis.stop());
  for (let index = 0; index < 4; index++) {
    alice.client.send({ type: 'signal', to: bob.id, data: `${index}${payload(1000)}` });
  }
  assert.equal((await alice.client.nextError('held-full')).to, bob.id);
  const held = await scrape(a!.origin);
  assert.equal(valueOf(held, 'rtc_relay_held_signals'), 3);
  assert.equal(
    valueOf(held, 'rtc_relay_held_bytes'),
    3 * Buffer.byteLength(`{"type":"signal","from":"${alice.id}","data":"0${payload(1000)}"}`),
  );
  assert.equal(valueOf(held, 'rtc_relay_peers_away'), 1);

  await ownRedis.start();
  await waitUntil(() => a!.relay.readiness().ready, PATIENCE * 3);
  const back = await joined(t, a!.url, 'room', { resume: bob.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  for (let index = 0; index < 3; index++) {
    assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: `${index}${payload(1000)}` });
  }
  const after = await scrape(a!.origin);
  assert.equal(valueOf(after, 'rtc_relay_held_signals'), 0);
  assert.equal(valueOf(after, 'rtc_relay_held_bytes'), 0);
  assert.equal(valueOf(after, 'rtc_relay_peers_away'), 0);
});

test("signals held in an instance's memory while Redis was away reach their peer when it resumes on another instance after Redis came back empty, in order", async (t) => {
  const ownRedis = await startRedis();
  t.after(() => ownRedis.stop());
  const [a, b] = await startSharedRelays(t, ownRedis.url, 2, { resumeGrace: 60_000 });
  const { alice, bob } = await bobLostWhileAway(t, a!, () => ownRedis.stop());
  for (let index = 0; index < 3; index++) alice.client.send({ type: 'signal', to: bob.id, data: `held ${index}` });
  // Held on A (a refusal would come back before the answer to this one).
  alice.client.send({ type: 'signal', to: alice.id, data: 'sync' });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: alice.id, data: 'sync' });

  await ownRedis.start(); // empty
  await waitUntil(() => a!.relay.readiness().ready && b!.relay.readiness().ready, PATIENCE * 3);
  const back = await joined(t, b!.url, 'room', { resume: bob.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  for (let index = 0; index < 3; index++) {
    assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: `held ${index}` });
  }
});

/** Instance A reaches Redis through a network a test can cut; B reaches it directly. */
async function cutOffPair(t: TestContext, options: Parameters<typeof startRelay>[1]) {
  const network = await startRedisProxy(redis.url);
  t.after(() => network.stop());
  const prefix = newPrefix();
  const a = await startRelay(t, { ...options, redis: { url: network.url, prefix } });
  const b = await startRelay(t, { ...options, redis: { url: redis.url, prefix } });
  await waitUntil(() => a.relay.readiness().ready && b.relay.readiness().ready, PATIENCE * 2);
  return { network, prefix, a, b };
}

test('what an instance held while cut off from Redis goes after what Redis held, under the per-peer cap, to a resume on another instance', async (t) => {
  const { network, prefix, a, b } = await cutOffPair(t, { maxHeldBytesPerPeer: 2500, resumeGrace: 60_000 });
  const alice = await joined(t, a.url, 'room');
  const bob = await awayPeer(t, prefix, a.url, 'room');
  await alice.client.next(); // peer-joined bob
  const signal = (index: number) => ({ type: 'signal', to: bob.id, data: `${index}${payload(1000)}` });
  alice.client.send(signal(0)); // held in Redis
  alice.client.send({ type: 'signal', to: 'nobody', data: 'sync' });
  await alice.client.nextError('no-such-peer');

  network.cut();
  await waitUntil(() => !a.relay.readiness().ready);
  // Held in A's memory: 1 and 2 fit under its cap (nothing else is held there).
  alice.client.send(signal(1));
  alice.client.send(signal(2));
  alice.client.send({ type: 'signal', to: alice.id, data: 'sync' });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: alice.id, data: 'sync' });

  network.restore();
  await waitUntil(() => a.relay.readiness().ready, PATIENCE * 3);
  // In Redis, 0 and 1 fit under the same cap, and 2 does not.
  const back = await joined(t, b.url, 'room', { resume: bob.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: `0${payload(1000)}` });
  assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: `1${payload(1000)}` });
  alice.client.send({ type: 'signal', to: bob.id, data: 'after' });
  assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: 'after' });
  assert.equal(await inspector.exists(`${prefix}held:${bob.id}`), 0, 'nothing is left held for bob');
});

test('a peer that resumed on another instance while its first instance was cut off from Redis gets what that instance held for it once it is back', async (t) => {
  const { network, a, b } = await cutOffPair(t, { resumeGrace: 60_000 });
  const { alice, bob } = await bobLostWhileAway(t, a, () => network.cut());
  alice.client.send({ type: 'signal', to: bob.id, data: 'held 1' });
  alice.client.send({ type: 'signal', to: bob.id, data: 'held 2' });
  alice.client.send({ type: 'signal', to: alice.id, data: 'sync' });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: alice.id, data: 'sync' });
  const back = await joined(t, b.url, 'room', { resume: bob.welcome.resume });
  assert.equal(back.welcome.resumed, true);

  network.restore();
  assert.deepEqual(await back.client.next(PATIENCE * 3), { type: 'signal', from: alice.id, data: 'held 1' });
  assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: 'held 2' });
  await waitUntil(() => a.relay.readiness().ready, PATIENCE * 3);
  alice.client.send({ type: 'signal', to: bob.id, data: 'after' });
  assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: 'after' });
  assert.equal(a.relay.stats().peers, 1, 'A let go of bob');
});
