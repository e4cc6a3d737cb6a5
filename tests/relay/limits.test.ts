import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Relay } from '../../relay/index.js';
import { clientsOf, startRelay, TRANSPORTS, waitUntil } from './helpers.js';

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { connect, joined } = clientsOf(transport);

    test('a frame larger than maxPayload closes the connection with 1009', async (t) => {
      const { url } = await startRelay(t, { maxPayload: 1024 });
      const { client } = await joined(t, url, 'room');
      client.send({ type: 'signal', to: 'x', data: 'x'.repeat(2000) });
      assert.equal(await client.closeCode(), 1009);
    });

    test('malformed frames get bad-message or unknown-type and the connection keeps working', async (t) => {
      const { url } = await startRelay(t);
      const client = await connect(t, url);
      const cases: Array<[frame: unknown, code: 'bad-message' | 'unknown-type']> = [
        ['not json', 'bad-message'],
        ['[1,2]', 'bad-message'],
        ['"a string"', 'bad-message'],
        ['null', 'bad-message'],
        [{ room: 'no type' }, 'bad-message'],
        [{ type: 42 }, 'bad-message'],
        [{ type: 'shout' }, 'unknown-type'],
        [{ type: 'join', room: 7 }, 'bad-message'],
        [{ type: 'join', room: 'r', name: 'n'.repeat(65) }, 'bad-message'],
        [{ type: 'join', room: 'r', name: 5 }, 'bad-message'],
        [{ type: 'join', room: 'r', token: 5 }, 'bad-message'],
        [{ type: 'join', room: 'r', token: 't'.repeat(5000) }, 'bad-message'],
        [{ type: 'join', room: 'r', resume: 'too-short' }, 'bad-message'],
      ];
      for (const [frame, code] of cases) {
        client.send(frame);
        await client.nextError(code);
      }
      client.sendBinary();
      await client.nextError('bad-message');

      const welcome = await client.join('room', { token: 'a signed token, ignored for now' });
      assert.equal(welcome.room, 'room', 'still open and usable after all of that');
      for (const frame of [
        { type: 'signal', data: 1 },
        { type: 'signal', to: 5, data: 1 },
        { type: 'signal', to: 'x' },
      ]) {
        client.send(frame);
        await client.nextError('bad-message');
      }
    });

    test('a signal before join is refused with not-joined', async (t) => {
      const { url } = await startRelay(t);
      const client = await connect(t, url);
      client.send({ type: 'signal', to: 'someone', data: {} });
      await client.nextError('not-joined');
    });

    test('a second join on the same connection is refused with already-joined', async (t) => {
      const { url } = await startRelay(t);
      const { client } = await joined(t, url, 'room');
      client.send({ type: 'join', room: 'elsewhere' });
      await client.nextError('already-joined');
    });

    test('a room name that breaks the rules gets bad-room and the connection is closed with 1008', async (t) => {
      const { url } = await startRelay(t);
      for (const room of ['', 'has space', 'x'.repeat(65), 'slash/room']) {
        const client = await connect(t, url);
        client.send({ type: 'join', room });
        assert.equal(
          (await client.nextError('bad-room')).hint,
          'Use 1-64 letters, digits or - _ . ~ : in the room name.',
        );
        assert.equal(await client.closeCode(), 1008);
      }
    });

    test('a custom roomPattern decides which room names are allowed', async (t) => {
      const { url } = await startRelay(t, { roomPattern: /^team-[a-z]+$/g });
      await joined(t, url, 'team-blue');
      await joined(t, url, 'team-blue'); // a g flag must not make every other test() fail
      const client = await connect(t, url);
      client.send({ type: 'join', room: 'standup' });
      // The hint names this relay's rule, not the default one.
      assert.equal((await client.nextError('bad-room')).hint, 'Use a room name that matches /^team-[a-z]+$/.');
    });

    test('a flood of messages gets rate-limited and the connection is closed with 1008', async (t) => {
      const { url } = await startRelay(t, { messagesPerSecond: 1, messageBurst: 5 });
      const client = await connect(t, url);
      for (let i = 0; i < 20; i++) client.send('garbage');
      for (let i = 0; i < 5; i++) await client.nextError('bad-message');
      assert.equal((await client.nextError('rate-limited')).hint, 'Send fewer messages: this relay allows 1 a second.');
      assert.equal(await client.closeCode(), 1008);
    });

    test('a full room refuses the next peer with room-full and closes it with 1008', async (t) => {
      const { url } = await startRelay(t, { maxPeersPerRoom: 2 });
      await joined(t, url, 'small');
      await joined(t, url, 'small');
      const third = await connect(t, url);
      third.send({ type: 'join', room: 'small' });
      assert.match((await third.nextError('room-full')).hint!, /^The room is full \(this relay allows 2 in a room\)\./);
      assert.equal(await third.closeCode(), 1008);
      await joined(t, url, 'another-room'); // the limit is per room
    });

    test('a connection that does not join in time gets join-timeout and is closed with 1008', async (t) => {
      const { url } = await startRelay(t, { joinTimeout: 200 });
      const client = await connect(t, url);
      await client.nextError('join-timeout');
      assert.equal(await client.closeCode(), 1008);
    });

    test('a connection that joins in time is not cut by the join deadline', async (t) => {
      const { url } = await startRelay(t, { joinTimeout: 200, resumeGrace: 0 });
      const alice = await joined(t, url, 'room');
      await new Promise((resolve) => setTimeout(resolve, 400));
      const bob = await joined(t, url, 'room');
      bob.client.send({ type: 'signal', to: alice.id, data: 'still here?' });
      const first = await alice.client.next();
      assert.equal(first.type, 'peer-joined');
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'still here?' });
    });

    test('allowedOrigins refuses other origins with origin-not-allowed and 1008', async (t) => {
      const { url } = await startRelay(t, { allowedOrigins: ['https://app.example.org'] });
      const stranger = await connect(t, url, { origin: 'https://evil.example.net' });
      await stranger.nextError('origin-not-allowed');
      assert.equal(await stranger.closeCode(), 1008);

      const noOrigin = await connect(t, url);
      await noOrigin.nextError('origin-not-allowed');

      const friend = await connect(t, url, { origin: 'https://app.example.org' });
      assert.equal((await friend.join('room')).room, 'room');
    });

    test('past maxConnections a new connection gets server-full and 1013', async (t) => {
      const { url } = await startRelay(t, { maxConnections: 2 });
      await connect(t, url);
      await connect(t, url);
      const third = await connect(t, url);
      await third.nextError('server-full');
      assert.equal(await third.closeCode(), 1013);
    });

    test('a connection over one transport and one over the other share the connection cap', async (t) => {
      const other = transport === 'sse' ? 'websocket' : 'sse';
      const { url, relay } = await startRelay(t, { maxConnections: 2 });
      await connect(t, url);
      await clientsOf(other).connect(t, url);
      assert.deepEqual(relay.stats().transports, { websocket: 1, sse: 1 });
      const third = await connect(t, url);
      await third.nextError('server-full');
      assert.equal(await third.closeCode(), 1013);
    });
  });
}

describe('held signals and peers within their grace', () => {
  for (const transport of TRANSPORTS) {
    const { connect, joined } = clientsOf(transport);
    /** A peer over WebSocket that joins `room`, then is lost (its grace starts once the relay has seen it go). */
    const awayPeer = async (t: TestContext, relay: Relay, url: string, room: string) => {
      const peer = await clientsOf('websocket').joined(t, url, room);
      const open = relay.stats().connections;
      peer.client.drop();
      await waitUntil(() => relay.stats().connections === open - 1);
      return peer;
    };
    const payload = (length: number) => 'x'.repeat(length);

    test(`over ${transport}: signals for a peer within its grace are held up to the per-peer byte cap, the next gets held-full`, async (t) => {
      const { url, relay } = await startRelay(t, { maxHeldBytesPerPeer: 4096 });
      const alice = await joined(t, url, 'room');
      const bob = await awayPeer(t, relay, url, 'room');
      await alice.client.next(); // peer-joined

      for (let index = 0; index < 4; index++) {
        alice.client.send({ type: 'signal', to: bob.id, data: `${index}${payload(1000)}` });
      }
      // The first three fit (about 1,050 bytes each); the fourth is the first thing alice hears.
      assert.equal((await alice.client.nextError('held-full')).to, bob.id);

      const back = await clientsOf('websocket').joined(t, url, 'room', { resume: bob.welcome.resume });
      assert.equal(back.welcome.resumed, true);
      for (let index = 0; index < 3; index++) {
        assert.deepEqual(await back.client.next(), {
          type: 'signal',
          from: alice.id,
          data: `${index}${payload(1000)}`,
        });
      }
      alice.client.send({ type: 'signal', to: bob.id, data: 'after' });
      assert.deepEqual(await back.client.next(), { type: 'signal', from: alice.id, data: 'after' });
    });

    test(`over ${transport}: the cap on all held signals gives held-full, and room comes back as they are delivered`, async (t) => {
      const { url, relay } = await startRelay(t, { maxHeldBytes: 4096 });
      const alice = await joined(t, url, 'room');
      const bob = await awayPeer(t, relay, url, 'room');
      const carol = await awayPeer(t, relay, url, 'room');
      const signal = (to: string) => alice.client.send({ type: 'signal', to, data: payload(900) });

      // About 950 bytes each: four fit in 4,096, the fifth does not.
      for (const to of [bob.id, bob.id, carol.id, carol.id, carol.id]) signal(to);
      await alice.client.next(); // peer-joined bob
      await alice.client.next(); // peer-joined carol
      assert.equal((await alice.client.nextError('held-full')).to, carol.id);

      const bobBack = await clientsOf('websocket').joined(t, url, 'room', { resume: bob.welcome.resume });
      await bobBack.client.next();
      await bobBack.client.next(); // both held signals delivered: their bytes are free again
      signal(carol.id);
      alice.client.send({ type: 'signal', to: 'nobody', data: 'marker' });
      assert.equal((await alice.client.nextError('no-such-peer')).to, 'nobody', 'the signal to carol was held');
    });

    test(`over ${transport}: a peer within its grace holds a place under maxConnections until it leaves`, async (t) => {
      const { url, relay } = await startRelay(t, { maxConnections: 2, resumeGrace: 300 });
      const alice = await joined(t, url, 'room');
      const bob = await awayPeer(t, relay, url, 'room');
      await alice.client.next(); // peer-joined

      const third = await connect(t, url);
      await third.nextError('server-full');
      assert.equal(await third.closeCode(), 1013);

      assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
      const later = await joined(t, url, 'room');
      assert.equal(later.welcome.room, 'room');
    });
  }
});
