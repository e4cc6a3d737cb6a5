/**
 * Relay instances that share rooms through a real Redis (Debian's redis-server, started here on a
 * free port with nothing saved; tests/redis.ts). Each test runs its own instances under its own key
 * prefix, in this process; tests/relay/redis-process.test.ts kills instances that run as processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { SignJWT, type JWTPayload } from 'jose';
import { startRedis, startRedisProxy, type RunningRedis } from '../redis.js';
import {
  clientsOf,
  connect,
  PATIENCE,
  SseTestClient,
  startRelay,
  startSharedRelays,
  TRANSPORTS,
  waitUntil,
  type TestClient,
} from './helpers.js';
import type { ServerMessage, WelcomeMessage } from '../../protocol/signaling.js';

const TOKEN_SECRET = 'the secret the instances share, 32 characters or more';

/** A join token for `room`, valid for an hour, with the claims in `extra` (name, caps). */
function tokenFor(room: string, extra: JWTPayload = {}): Promise<string> {
  return new SignJWT({ room, exp: Math.floor(Date.now() / 1000) + 3600, ...extra })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(TOKEN_SECRET));
}

let redis: RunningRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { joined } = clientsOf(transport);
    // A dropped SSE stream is waited for one to two heartbeats before its session's grace starts.
    const AWAY = transport === 'sse' ? { heartbeatInterval: 200 } : {};

    test('peers on two instances meet: welcome lists the other, peer-joined, signals both ways, peer-left', async (t) => {
      const [a, b] = await startSharedRelays(t, redis.url, 2, { resumeGrace: 60_000 });
      const alice = await joined(t, a!.url, 'room', { name: 'Alice' });
      const carol = await joined(t, a!.url, 'room', { name: 'Carol' });
      await alice.client.next(); // peer-joined carol (same instance)
      const bob = await joined(t, b!.url, 'room', { name: 'Bob' });
      assert.deepEqual(bob.welcome.peers, [
        { id: alice.id, name: 'Alice' },
        { id: carol.id, name: 'Carol' },
      ]);
      assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: 'Bob' });
      assert.deepEqual(await carol.client.next(), { type: 'peer-joined', id: bob.id, name: 'Bob' });

      const offer = { sdp: 'v=0\r\n…', nested: [1, 2.5, null, true, { ü: 'ñ' }] };
      alice.client.send({ type: 'signal', to: bob.id, data: offer });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: offer });
      bob.client.send({ type: 'signal', to: carol.id, from: alice.id, data: 'from bob' });
      assert.deepEqual(await carol.client.next(), { type: 'signal', from: bob.id, data: 'from bob' });

      bob.client.leave();
      assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
      assert.deepEqual(await carol.client.next(), { type: 'peer-left', id: bob.id });
      alice.client.send({ type: 'signal', to: bob.id, data: 'too late' });
      const error = await alice.client.nextError('no-such-peer');
      assert.equal(error.to, bob.id);
    });

    test('a signal to a peer of the same room on another instance is refused with no-such-peer once it left, and to a peer of another room always', async (t) => {
      const [a, b] = await startSharedRelays(t, redis.url, 2);
      const alice = await joined(t, a!.url, 'one');
      const dave = await joined(t, b!.url, 'two');
      alice.client.send({ type: 'signal', to: dave.id, data: 'sneaky' });
      assert.equal((await alice.client.nextError('no-such-peer')).to, dave.id);
      // dave got nothing: his own signal to himself comes back first.
      dave.client.send({ type: 'signal', to: dave.id, data: 'marker' });
      assert.deepEqual(await dave.client.next(), { type: 'signal', from: dave.id, data: 'marker' });
    });

    test('a peer that resumes on another instance keeps its id, gets what was held for it, and the others see no leave', async (t) => {
      const [a, b, c] = await startSharedRelays(t, redis.url, 3, { ...AWAY, resumeGrace: 60_000 });
      const alice = await joined(t, a!.url, 'room', { name: 'Alice' });
      const bob = await joined(t, b!.url, 'room', { name: 'Bob' });
      await alice.client.next(); // peer-joined bob

      alice.client.drop();
      // Once A has seen the loss, bob's signals are held for alice.
      await waitUntil(() => a!.relay.stats().connections === 0);
      bob.client.send({ type: 'signal', to: alice.id, data: 'while you were away 1' });
      bob.client.send({ type: 'signal', to: alice.id, data: 'while you were away 2' });
      bob.client.send({ type: 'signal', to: bob.id, data: 'sync' });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: bob.id, data: 'sync' });

      const back = await connect(t, transport, c!.url);
      const welcome = await back.join('room', { resume: alice.welcome.resume, name: 'ignored on resume' });
      assert.equal(welcome.id, alice.id);
      assert.equal(welcome.resumed, true);
      assert.deepEqual(welcome.peers, [{ id: bob.id, name: 'Bob' }]);
      assert.deepEqual(await back.next(), { type: 'signal', from: bob.id, data: 'while you were away 1' });
      assert.deepEqual(await back.next(), { type: 'signal', from: bob.id, data: 'while you were away 2' });

      // Had bob been told of a leave or a join, it would have come before this signal.
      back.send({ type: 'signal', to: bob.id, data: 'hi again' });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'hi again' });
      bob.client.send({ type: 'signal', to: alice.id, data: 'welcome back' });
      assert.deepEqual(await back.next(), { type: 'signal', from: bob.id, data: 'welcome back' });
      const carol = await joined(t, a!.url, 'room');
      assert.deepEqual(
        carol.welcome.peers.map((peer) => peer.name),
        ['Alice', 'Bob'],
        'the resumed peer keeps its name and its place, oldest first',
      );
    });

    test('a resume on another instance while the old connection is still open replaces it (4001)', async (t) => {
      const [a, b] = await startSharedRelays(t, redis.url, 2);
      const alice = await joined(t, a!.url, 'room');
      const bob = await joined(t, a!.url, 'room');
      await alice.client.next(); // peer-joined bob

      const newer = await connect(t, transport, b!.url);
      const welcome = await newer.join('room', { resume: alice.welcome.resume });
      assert.equal(welcome.resumed, true);
      await alice.client.nextError('replaced');
      assert.equal(await alice.client.closeCode(), 4001);
      newer.send({ type: 'signal', to: bob.id, data: 'same me' });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'same me' });
    });

    test('a lost peer that does not come back is announced with peer-left after the grace, on every instance', async (t) => {
      const [a, b] = await startSharedRelays(t, redis.url, 2, { ...AWAY, resumeGrace: 300 });
      const alice = await joined(t, a!.url, 'room');
      const bob = await joined(t, b!.url, 'room');
      const carol = await joined(t, a!.url, 'room');
      await alice.client.next(); // peer-joined bob
      await alice.client.next(); // peer-joined carol
      await bob.client.next(); // peer-joined carol

      carol.client.drop();
      assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: carol.id });
      assert.deepEqual(await bob.client.next(), { type: 'peer-left', id: carol.id });
    });

    test('a resume into another room on another instance is a join there, and the old room gets peer-left', async (t) => {
      const [a, b] = await startSharedRelays(t, redis.url, 2, { resumeGrace: 60_000 });
      const alice = await joined(t, a!.url, 'one');
      const bob = await joined(t, a!.url, 'one');
      const carol = await joined(t, b!.url, 'two');
      await alice.client.next(); // peer-joined bob

      alice.client.drop();
      const moved = await connect(t, transport, b!.url);
      const welcome = await moved.join('two', { resume: alice.welcome.resume });
      assert.equal(welcome.id, alice.id);
      assert.equal(welcome.resumed, false);
      assert.deepEqual(await bob.client.next(), { type: 'peer-left', id: alice.id });
      assert.deepEqual(await carol.client.next(), { type: 'peer-joined', id: alice.id, name: '' });
    });

    test('a rename reaches the room on every instance as peer-renamed, in order with the signals around it, and later welcomes anywhere list the new name', async (t) => {
      const [a, b, c] = await startSharedRelays(t, redis.url, 3, { ...AWAY, resumeGrace: 60_000 });
      const alice = await joined(t, a!.url, 'room', { name: 'Guest' });
      const carol = await joined(t, a!.url, 'room', { name: 'Carol' });
      const bob = await joined(t, b!.url, 'room', { name: 'Bob' });
      await alice.client.next(); // peer-joined carol
      await alice.client.next(); // peer-joined bob
      await carol.client.next(); // peer-joined bob

      for (const name of ['Ada', 'Ada Lovelace']) {
        alice.client.send({ type: 'signal', to: bob.id, data: `before ${name}` });
        alice.client.send({ type: 'signal', to: carol.id, data: `before ${name}` });
        alice.client.send({ type: 'name', name });
      }
      alice.client.send({ type: 'signal', to: bob.id, data: 'last' });
      alice.client.send({ type: 'signal', to: carol.id, data: 'last' });
      // Carol is on alice's instance, bob on another: both hear it all in the order it was sent.
      for (const other of [bob, carol]) {
        assert.deepEqual(await other.client.next(), { type: 'signal', from: alice.id, data: 'before Ada' });
        assert.deepEqual(await other.client.next(), { type: 'peer-renamed', id: alice.id, name: 'Ada' });
        assert.deepEqual(await other.client.next(), { type: 'signal', from: alice.id, data: 'before Ada Lovelace' });
        assert.deepEqual(await other.client.next(), { type: 'peer-renamed', id: alice.id, name: 'Ada Lovelace' });
        assert.deepEqual(await other.client.next(), { type: 'signal', from: alice.id, data: 'last' });
      }
      // Alice hears nothing of her own renames: the next thing she gets is Bob's signal, sent after them.
      bob.client.send({ type: 'signal', to: alice.id, data: 'after' });
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'after' });

      const dave = await joined(t, c!.url, 'room');
      assert.deepEqual(
        dave.welcome.peers.map((peer) => peer.name),
        ['Ada Lovelace', 'Carol', 'Bob'],
      );
      // A resume on another instance keeps the name it has now.
      alice.client.drop();
      await waitUntil(() => a!.relay.stats().connections === 1);
      const back = await connect(t, transport, c!.url);
      const welcome = await back.join('room', { resume: alice.welcome.resume, name: 'ignored on resume' });
      assert.equal(welcome.resumed, true);
      const erin = await joined(t, b!.url, 'room');
      assert.equal(erin.welcome.peers.find((peer) => peer.id === alice.id)?.name, 'Ada Lovelace');
    });

    test('a peer named by its join token is seen with its name and caps on the other instances, keeps them when it resumes on one, and cannot rename itself there', async (t) => {
      const [a, b, c] = await startSharedRelays(t, redis.url, 3, {
        ...AWAY,
        resumeGrace: 60_000,
        tokenSecret: TOKEN_SECRET,
      });
      const alice = await joined(t, a!.url, 'room', {
        name: 'Mallory',
        token: await tokenFor('room', { name: 'Alice (verified)', caps: ['data'] }),
      });
      const bob = await joined(t, b!.url, 'room', { name: 'Bob', token: await tokenFor('room') });
      const aliceSeen = { id: alice.id, name: 'Alice (verified)', caps: ['data'] };
      assert.deepEqual(bob.welcome.peers, [aliceSeen]);
      assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: 'Bob' });
      // A token that allows nothing: an empty list, not the absence of one.
      const carol = await joined(t, c!.url, 'room', { token: await tokenFor('room', { caps: [] }) });
      assert.deepEqual(carol.welcome.peers, [aliceSeen, { id: bob.id, name: 'Bob' }]);
      const carolSeen = { type: 'peer-joined', id: carol.id, name: '', caps: [] };
      assert.deepEqual(await alice.client.next(), carolSeen);
      assert.deepEqual(await bob.client.next(), carolSeen);

      // The token check runs on every instance, before the directory is asked.
      const stranger = await connect(t, transport, c!.url);
      stranger.send({ type: 'join', room: 'room' });
      await stranger.nextError('token-required');

      alice.client.drop();
      await waitUntil(() => a!.relay.stats().connections === 0);
      const back = await connect(t, transport, b!.url);
      const resumeToken = await tokenFor('room', { name: 'Someone else', caps: ['publish'] });
      const welcome = await back.join('room', { resume: alice.welcome.resume, token: resumeToken });
      assert.equal(welcome.resumed, true);
      assert.deepEqual(welcome.caps, ['data']);
      back.send({ type: 'name', name: 'Eve' });
      await back.nextError('name-fixed');
      const dave = await joined(t, c!.url, 'room', { token: await tokenFor('room') });
      assert.deepEqual(dave.welcome.peers[0], aliceSeen);
      // Nobody heard of a rename: bob's next message is dave's arrival.
      assert.deepEqual(await bob.client.next(), { type: 'peer-joined', id: dave.id, name: '' });
    });
  });
}

test('the last seat of a room goes to one of the peers racing for it on three instances; the others get room-full', async (t) => {
  const relays = await startSharedRelays(t, redis.url, 3, { maxPeersPerRoom: 2 });
  for (let round = 0; round < 10; round++) {
    const room = `race-${round}`;
    await clientsOf('websocket').joined(t, relays[round % 3]!.url, room);
    const racers = await Promise.all(relays.map(({ url }) => connect(t, 'websocket', url)));
    // One burst each, as close together as the clients can be.
    for (const racer of racers) racer.send({ type: 'join', room });
    const answers = await Promise.all(racers.map((racer) => racer.next()));
    const welcomed = answers.filter((answer) => answer.type === 'welcome');
    const refused = answers.filter((answer) => answer.type === 'error' && answer.code === 'room-full');
    assert.equal(welcomed.length, 1, `round ${round}: ${JSON.stringify(answers)}`);
    assert.equal(refused.length, 2, `round ${round}: ${JSON.stringify(answers)}`);
    for (const [index, answer] of answers.entries()) {
      if (answer.type === 'error') assert.equal(await racers[index]!.closeCode(), 1008);
    }
  }
});

test("an SSE session's POSTs may reach any instance: they are handled by the one holding its stream, in order", async (t) => {
  const [a, b, c] = await startSharedRelays(t, redis.url, 3);
  const bob = await clientsOf('websocket').joined(t, c!.url, 'room');
  const alice = await SseTestClient.connect(t, a!.url);
  alice.postUrl = b!.url.replace(/^ws/, 'http');
  const welcome = await alice.join('room');
  assert.deepEqual(welcome.peers, [{ id: bob.id, name: '' }]);
  assert.deepEqual(await bob.client.next(), { type: 'peer-joined', id: welcome.id, name: '' });
  for (let i = 0; i < 20; i++) {
    // Alternate between an instance that forwards and the one that holds the stream.
    alice.postUrl = (i % 2 === 0 ? b! : a!).url.replace(/^ws/, 'http');
    alice.send({ type: 'signal', to: bob.id, data: i });
  }
  for (let i = 0; i < 20; i++) assert.deepEqual(await bob.client.next(), { type: 'signal', from: welcome.id, data: i });
  alice.postUrl = c!.url.replace(/^ws/, 'http');
  alice.send({ type: 'signal', to: 'nobody', data: 0 });
  assert.equal((await alice.nextError('no-such-peer')).to, 'nobody');
  assert.ok(
    alice.postStatuses.every((status) => status === 204),
    `every POST was handled: ${alice.postStatuses.join()}`,
  );
  assert.equal(await alice.post('{"type":"leave"}', 'no-such-session'), 404);
});

test('randomised: peers of several rooms on three instances, thousands of signals to peers of the room, of other rooms, made-up ids and themselves, with forged from', async (t) => {
  const relays = await startSharedRelays(t, redis.url, 3, { messagesPerSecond: 1e6, messageBurst: 1e6 });
  const random = seeded(14);
  const ROOMS = 4;
  const PER_ROOM = 4;
  const SIGNALS = 4000;
  interface Peer {
    client: TestClient;
    id: string;
    room: number;
    inbox: ServerMessage[];
  }
  const peers: Peer[] = [];
  for (let room = 0; room < ROOMS; room++) {
    for (let index = 0; index < PER_ROOM; index++) {
      const transport = random() < 0.25 ? 'sse' : 'websocket';
      const relay = relays[Math.floor(random() * relays.length)]!;
      const { client, id } = await clientsOf(transport).joined(t, relay.url, `room-${room}`);
      peers.push({ client, id, room, inbox: [] });
    }
  }
  // Everyone has heard of everyone in its room: drain the peer-joined messages.
  for (const peer of peers) {
    const later = peers.filter((other) => other.room === peer.room && peers.indexOf(other) > peers.indexOf(peer));
    for (const other of later)
      assert.deepEqual(await peer.client.next(), { type: 'peer-joined', id: other.id, name: '' });
  }

  const expected = new Map<string, number[]>(); // `${from}>${to}` -> sequence numbers, in order
  const refusals = new Map<Peer, string[]>(); // sender -> the `to` of each refused signal, in order
  for (let seq = 0; seq < SIGNALS; seq++) {
    const sender = peers[Math.floor(random() * peers.length)]!;
    const roll = random();
    let to: string;
    let legal = true;
    if (roll < 0.6)
      to = pick(
        peers.filter((peer) => peer.room === sender.room),
        random,
      ).id;
    else if (roll < 0.75) {
      to = pick(
        peers.filter((peer) => peer.room !== sender.room),
        random,
      ).id;
      legal = false;
    } else if (roll < 0.85) {
      to = Math.floor(random() * 1e16)
        .toString(36)
        .padEnd(16, 'x')
        .slice(0, 16);
      legal = false;
    } else to = sender.id;
    const forged = pick(peers, random).id;
    sender.client.send({ type: 'signal', to, from: forged, data: { seq, room: sender.room } });
    if (legal) {
      const key = `${sender.id}>${to}`;
      expected.set(key, [...(expected.get(key) ?? []), seq]);
    } else refusals.set(sender, [...(refusals.get(sender) ?? []), to]);
  }
  // A last signal from each peer to itself: what it receives after it was sent after everything else.
  for (const peer of peers) peer.client.send({ type: 'signal', to: peer.id, data: 'done' });

  const byId = new Map(peers.map((peer) => [peer.id, peer]));
  await Promise.all(
    peers.map(async (peer) => {
      const legalFor = [...expected.entries()].filter(([key]) => key.endsWith(`>${peer.id}`));
      let count = legalFor.reduce((sum, [, seqs]) => sum + seqs.length, 0) + (refusals.get(peer)?.length ?? 0);
      let done = false;
      while (count > 0 || !done) {
        const message = await peer.client.next(PATIENCE * 3);
        if (message.type === 'signal' && message.data === 'done') {
          assert.equal(message.from, peer.id);
          done = true;
          continue;
        }
        peer.inbox.push(message);
        count--;
      }
    }),
  );

  let delivered = 0;
  for (const peer of peers) {
    const got = new Map<string, number[]>();
    const errors: string[] = [];
    for (const message of peer.inbox) {
      if (message.type === 'error') {
        assert.equal(message.code, 'no-such-peer');
        errors.push(message.to as string);
        continue;
      }
      assert.equal(message.type, 'signal', JSON.stringify(message));
      if (message.type !== 'signal') continue;
      const sender = byId.get(message.from);
      assert.ok(sender, `from ${message.from} is a real peer`);
      const data = message.data as { seq: number; room: number };
      assert.equal(data.room, peer.room, 'no signal crosses rooms');
      assert.equal(sender.room, peer.room, 'from names a peer of the room');
      const key = `${message.from}>${peer.id}`;
      got.set(key, [...(got.get(key) ?? []), data.seq]);
      delivered++;
    }
    for (const [key, seqs] of expected) {
      if (key.endsWith(`>${peer.id}`)) assert.deepEqual(got.get(key) ?? [], seqs, `${key}: each once, in order`);
    }
    assert.deepEqual(errors, refusals.get(peer) ?? [], 'every other signal was refused, in order');
  }
  const legalCount = [...expected.values()].reduce((sum, seqs) => sum + seqs.length, 0);
  assert.equal(delivered, legalCount);
  assert.ok(legalCount > SIGNALS / 2, `${legalCount} legal signals`);

  // Nothing more is on its way: a last signal from every roommate comes next, and nothing else.
  for (const peer of peers) {
    for (const other of peers)
      if (other.room === peer.room) peer.client.send({ type: 'signal', to: other.id, data: 'end' });
  }
  for (const peer of peers) {
    const roommates = new Set(peers.filter((other) => other.room === peer.room).map((other) => other.id));
    while (roommates.size > 0) {
      const message = await peer.client.next();
      assert.ok(
        message.type === 'signal' && message.data === 'end',
        `nothing else arrives: ${JSON.stringify(message)}`,
      );
      assert.ok(roommates.delete(message.from), `one end from each roommate: ${message.from}`);
    }
  }
});

test('Redis stopped: same-instance signaling works, cross-instance work fails with directory-unavailable, /readyz fails and /healthz passes; Redis back: it all works again without a restart', async (t) => {
  const ownRedis = await startRedis();
  t.after(() => ownRedis.stop());
  const [a, b] = await startSharedRelays(t, ownRedis.url, 2, { resumeGrace: 60_000 });
  const { joined } = clientsOf('websocket');
  const alice = await joined(t, a!.url, 'room', { name: 'Alice' });
  const carol = await joined(t, a!.url, 'room', { name: 'Carol' });
  const bob = await joined(t, b!.url, 'room', { name: 'Bob' });
  const dave = await joined(t, b!.url, 'room', { name: 'Dave' });
  // The peer-joined messages of those who came later.
  for (let count = 0; count < 3; count++) await alice.client.next();
  for (let count = 0; count < 2; count++) await carol.client.next();
  await bob.client.next();

  await ownRedis.stop();
  await waitUntil(() => !a!.relay.readiness().ready && !b!.relay.readiness().ready);
  const ready = await fetch(`${a!.origin}/readyz`);
  assert.equal(ready.status, 503);
  const report = (await ready.json()) as { status: string; checks: Record<string, string> };
  assert.equal(report.status, 'not-ready');
  assert.match(report.checks.redis ?? '', /unreachable/);
  assert.equal(report.checks.accepting, 'ok');
  assert.equal((await fetch(`${a!.origin}/healthz`)).status, 200);

  alice.client.send({ type: 'signal', to: carol.id, data: 'same instance' });
  assert.deepEqual(await carol.client.next(), { type: 'signal', from: alice.id, data: 'same instance' });
  alice.client.send({ type: 'signal', to: bob.id, data: 'other instance' });
  const refused = await alice.client.nextError('directory-unavailable');
  assert.equal(refused.to, bob.id);
  const late = await connect(t, 'websocket', a!.url);
  late.send({ type: 'join', room: 'room' });
  await late.nextError('directory-unavailable');
  assert.equal(await late.closeCode(), 1013);
  // Dave leaves while Redis is away: his own instance's peers hear it at once, the others later.
  dave.client.leave();
  assert.deepEqual(await bob.client.next(), { type: 'peer-left', id: dave.id });
  // So does Carol's new name.
  carol.client.send({ type: 'name', name: 'Caroline' });
  assert.deepEqual(await alice.client.next(), { type: 'peer-renamed', id: carol.id, name: 'Caroline' });

  await ownRedis.start(); // empty: everything the instances shared is gone
  await waitUntil(() => a!.relay.readiness().ready && b!.relay.readiness().ready, PATIENCE * 3);
  assert.equal((await fetch(`${a!.origin}/readyz`)).status, 200);
  // The rooms converge: alice and carol learn that dave left, bob learns carol's new name (and they
  // hear nothing else).
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: dave.id });
  assert.deepEqual(await carol.client.next(), { type: 'peer-left', id: dave.id });
  assert.deepEqual(await bob.client.next(), { type: 'peer-renamed', id: carol.id, name: 'Caroline' });
  alice.client.send({ type: 'signal', to: bob.id, data: 'across again' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'across again' });
  bob.client.send({ type: 'signal', to: carol.id, data: 'and back' });
  assert.deepEqual(await carol.client.next(), { type: 'signal', from: bob.id, data: 'and back' });
  const erin = await joined(t, b!.url, 'room', { name: 'Erin' });
  assert.deepEqual(erin.welcome.peers.map((peer) => peer.name).sort(), ['Alice', 'Bob', 'Caroline']);
});

test('a rename while its instance cannot reach Redis (which keeps its data) reaches the peers of that instance at once and the others once it is back', async (t) => {
  const network = await startRedisProxy(redis.url);
  t.after(() => network.stop());
  const prefix = `test-${Math.random().toString(36).slice(2)}:`;
  const a = await startRelay(t, { resumeGrace: 60_000, redis: { url: network.url, prefix } });
  const b = await startRelay(t, { resumeGrace: 60_000, redis: { url: redis.url, prefix } });
  await waitUntil(() => a.relay.readiness().ready && b.relay.readiness().ready, PATIENCE * 2);
  const { joined } = clientsOf('websocket');
  const alice = await joined(t, a.url, 'room', { name: 'Guest' });
  const carol = await joined(t, a.url, 'room', { name: 'Carol' });
  const bob = await joined(t, b.url, 'room', { name: 'Bob' });
  await alice.client.next(); // peer-joined carol
  await alice.client.next(); // peer-joined bob
  await carol.client.next(); // peer-joined bob

  network.cut();
  await waitUntil(() => !a.relay.readiness().ready);
  alice.client.send({ type: 'name', name: 'Ada' });
  assert.deepEqual(await carol.client.next(), { type: 'peer-renamed', id: alice.id, name: 'Ada' });

  network.restore();
  await waitUntil(() => a.relay.readiness().ready, PATIENCE * 3);
  assert.deepEqual(await bob.client.next(), { type: 'peer-renamed', id: alice.id, name: 'Ada' });
  // Once: the next thing bob hears is alice's signal, sent after she was back.
  alice.client.send({ type: 'signal', to: bob.id, data: 'back' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'back' });
  const dave = await joined(t, b.url, 'room');
  assert.deepEqual(
    dave.welcome.peers.map((peer) => peer.name),
    ['Ada', 'Carol', 'Bob'],
  );
});

test('what reaches a peer of a room where a join waits for Redis waits too: a newcomer elsewhere is announced before its first signal', async (t) => {
  // Instance B reaches Redis through a network that can hold Redis's answers back, so a join on B
  // waits for its answer while the notices published meanwhile reach B.
  const network = await startRedisProxy(redis.url);
  t.after(() => network.stop());
  const prefix = `test-${Math.random().toString(36).slice(2)}:`;
  const a = await startRelay(t, { redis: { url: redis.url, prefix } });
  const b = await startRelay(t, { redis: { url: network.url, prefix } });
  await waitUntil(() => a.relay.readiness().ready && b.relay.readiness().ready, PATIENCE * 2);
  const inspector = new Redis(redis.url);
  t.after(() => inspector.disconnect());
  const { joined } = clientsOf('websocket');
  const paul = await joined(t, b.url, 'room');
  // A pair in another room, for a marker that crosses from A to B behind everything else.
  const sam = await joined(t, b.url, 'elsewhere');
  const tom = await joined(t, a.url, 'elsewhere');
  await sam.client.next(); // peer-joined tom

  const quinn = await connect(t, 'websocket', b.url);
  // B counted quinn's connection in Redis once it answers what quinn sent after it.
  quinn.send({ type: 'signal', to: 'nobody', data: 0 });
  await quinn.nextError('not-joined');
  network.holdReplies();
  quinn.send({ type: 'join', room: 'room' });
  // Quinn's join has been decided in Redis; B waits for the answer.
  for (let tries = 0; (await inspector.hlen(`${prefix}room:room`)) < 2; tries++) {
    assert.ok(tries < 500, "quinn's join reached Redis");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const mia = await joined(t, a.url, 'room');
  assert.equal(mia.welcome.peers.length, 2, 'paul, and quinn whose welcome is on its way');
  mia.client.send({ type: 'signal', to: paul.id, data: 'hello' });
  // Redis ran that signal's script before this one's, whose refusal mia gets back...
  mia.client.send({ type: 'signal', to: 'nobody', data: 'marker' });
  await mia.client.nextError('no-such-peer');
  // ...and B's subscriber got what that script published before the marker tom sends now.
  tom.client.send({ type: 'signal', to: sam.id, data: 'marker' });
  assert.deepEqual(await sam.client.next(), { type: 'signal', from: tom.id, data: 'marker' });
  assert.equal(paul.client.hasMessage(), false, 'nothing reached paul while the join waited');

  network.releaseReplies();
  const welcome = (await quinn.next()) as WelcomeMessage;
  assert.equal(welcome.type, 'welcome');
  assert.deepEqual(await paul.client.next(), { type: 'peer-joined', id: welcome.id, name: '' });
  assert.deepEqual(await paul.client.next(), { type: 'peer-joined', id: mia.id, name: '' });
  assert.deepEqual(await paul.client.next(), { type: 'signal', from: mia.id, data: 'hello' });
  assert.deepEqual(await quinn.next(), { type: 'peer-joined', id: mia.id, name: '' });
});

/** A small deterministic generator (mulberry32), so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(list: T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}
