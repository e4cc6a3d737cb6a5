import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { peerIdFor } from '../../relay/index.js';
import { clientsOf, joined, startRelay, TRANSPORTS } from './helpers.js';

test('peer ids are derived from resume tokens as docs/protocol.md specifies (its test vectors)', () => {
  const bytes = (from: number, step: number) =>
    Buffer.from(Array.from({ length: 32 }, (_, i) => from + step * i)).toString('base64url');
  assert.equal(bytes(0, 1), 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
  assert.equal(peerIdFor(bytes(0, 1)), 'vHG2M3bafs5KhU80');
  assert.equal(peerIdFor(bytes(255, -1)), 'MRXDsg-TN9QRJRe0');
});

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { joined } = clientsOf(transport);

    test('a joiner is welcomed with its id, the room, the peers already there and a resume token', async (t) => {
      const { url } = await startRelay(t, {
        iceServers: [{ urls: 'turn:turn.example.org:3478', username: 'u', credential: 'c' }],
      });
      const alice = await joined(t, url, 'standup', { name: 'Alice' });
      const bob = await joined(t, url, 'standup', { name: 'Bob' });

      assert.equal(alice.welcome.protocol, 1);
      assert.equal(alice.welcome.room, 'standup');
      assert.deepEqual(alice.welcome.peers, []);
      assert.deepEqual(bob.welcome.peers, [{ id: alice.id, name: 'Alice' }]);
      assert.deepEqual(bob.welcome.iceServers, [
        { urls: 'turn:turn.example.org:3478', username: 'u', credential: 'c' },
      ]);
      assert.equal(bob.welcome.resumed, false);
      assert.match(bob.welcome.resume, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(bob.id, peerIdFor(bob.welcome.resume), 'the id is derived from the resume token');
      assert.notEqual(alice.id, bob.id);
      assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: 'Bob' });
    });

    test('messages behind a join in one burst are handled after it, in order', async (t) => {
      const { url } = await startRelay(t);
      const { connect } = clientsOf(transport);
      const alice = await joined(t, url, 'room');
      const bob = await connect(t, url);
      // The join is decided asynchronously (a token check or a shared directory may take time): what
      // follows it waits its turn instead of meeting `not-joined`.
      bob.sendBurst([
        { type: 'join', room: 'room' },
        { type: 'signal', to: alice.id, data: 1 },
        { type: 'join', room: 'room' },
        { type: 'signal', to: alice.id, data: 2 },
      ]);
      const welcome = await bob.next();
      assert.equal(welcome.type, 'welcome');
      await bob.nextError('already-joined');
      assert.deepEqual(await alice.client.next(), {
        type: 'peer-joined',
        id: welcome.type === 'welcome' && welcome.id,
        name: '',
      });
      assert.deepEqual(await alice.client.next(), {
        type: 'signal',
        from: welcome.type === 'welcome' && welcome.id,
        data: 1,
      });
      assert.deepEqual(await alice.client.next(), {
        type: 'signal',
        from: welcome.type === 'welcome' && welcome.id,
        data: 2,
      });
    });

    test('a peer without a name is known by the empty name', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'r');
      await joined(t, url, 'r');
      const joinedMessage = await alice.client.next();
      assert.equal(joinedMessage.type === 'peer-joined' && joinedMessage.name, '');
    });

    test('two peers of a room exchange signals, with data forwarded untouched', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined

      const offer = { sdp: 'v=0\r\n…', type: 'offer', nested: [1, 2.5, null, true, { ü: 'ñ' }] };
      alice.client.send({ type: 'signal', to: bob.id, data: offer });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: offer });

      bob.client.send({ type: 'signal', to: alice.id, data: 'answer' });
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'answer' });

      alice.client.send({ type: 'signal', to: bob.id, data: null });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: null });
    });

    test('a signal to your own id comes back to you, and to no one else: a round trip through the relay', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined bob

      alice.client.send({ type: 'signal', to: alice.id, data: { doctor: 0 } });
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: alice.id, data: { doctor: 0 } });
      // Anything bob got from alice's signal was sent before this marker, so it would come first.
      alice.client.send({ type: 'signal', to: bob.id, data: 'marker' });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'marker' });
    });

    test('signal data arrives as the client wrote it: nested 5,000 deep intact, 1e400 as sent', async (t) => {
      const { url } = await startRelay(t);
      // Alice over WebSocket, whose frames may hold line breaks (an SSE POST line cannot).
      const alice = await clientsOf('websocket').joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined

      const deep = `${'['.repeat(5000)}"bottom"${']'.repeat(5000)}`;
      alice.client.send(`{"type":"signal","to":"${bob.id}","data":${deep}}`);
      assert.equal(await bob.client.nextText(), `{"type":"signal","from":"${alice.id}","data":${deep}}`);

      alice.client.send(`{"data" : 1e400 , "type":"signal","to":"${bob.id}","from":"forged"}`);
      assert.equal(await bob.client.nextText(), `{"type":"signal","from":"${alice.id}","data":1e400}`);

      // Whitespace inside data is kept; over SSE a line break there becomes a line of its own.
      alice.client.send(`{"type":"signal","to":"${bob.id}","data":{"sdp": "v=0\\r\\n",\n  "type":\t"offer"}}`);
      const text = await bob.client.nextText();
      assert.equal(text, `{"type":"signal","from":"${alice.id}","data":{"sdp": "v=0\\r\\n",\n  "type":\t"offer"}}`);
      alice.client.send({ type: 'signal', to: bob.id, data: 'still in step' });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'still in step' });
    });

    test('a client in another room receives nothing from a room it is not in', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'one');
      const bob = await joined(t, url, 'one');
      const carol = await joined(t, url, 'two');
      const dave = await joined(t, url, 'two');
      await carol.client.next(); // peer-joined dave

      alice.client.send({ type: 'signal', to: bob.id, data: 'for bob' });
      await bob.client.next();
      // Anything carol got from room one was sent before this marker, so it would come first.
      dave.client.send({ type: 'signal', to: carol.id, data: 'marker' });
      assert.deepEqual(await carol.client.next(), { type: 'signal', from: dave.id, data: 'marker' });
    });

    test('the relay sets from itself: a forged from is ignored', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      const mallory = await joined(t, url, 'room');

      mallory.client.send({ type: 'signal', to: bob.id, from: alice.id, data: 'trust me' });
      const message = await bob.client.next(); // peer-joined mallory
      assert.equal(message.type, 'peer-joined');
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: mallory.id, data: 'trust me' });
    });

    test('a signal to a peer of another room is refused with no-such-peer and not delivered', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'one');
      const carol = await joined(t, url, 'two');
      const dave = await joined(t, url, 'two');
      await carol.client.next(); // peer-joined dave

      alice.client.send({ type: 'signal', to: carol.id, data: 'sneaky' });
      assert.deepEqual(await alice.client.next(), {
        type: 'error',
        code: 'no-such-peer',
        message: 'no such peer in this room',
        hint: 'That peer is not in this room (it may have left).',
        to: carol.id,
      });
      dave.client.send({ type: 'signal', to: carol.id, data: 'marker' });
      assert.deepEqual(await carol.client.next(), { type: 'signal', from: dave.id, data: 'marker' });
    });

    test('a signal to an unknown id is refused with no-such-peer', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'room');
      alice.client.send({ type: 'signal', to: 'nobody', data: 1 });
      const message = await alice.client.next();
      assert.equal(message.type === 'error' && message.code, 'no-such-peer');
      assert.equal(message.type === 'error' && message.to, 'nobody');
    });

    test('a peer that says goodbye leaves at once: the others get peer-left', async (t) => {
      const { url } = await startRelay(t, { resumeGrace: 60_000 });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined

      bob.client.leave();
      assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
    });

    test('a peer lost without a goodbye keeps its place: its resume is seen by no one', async (t) => {
      const { url } = await startRelay(t, { resumeGrace: 60_000 });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined

      bob.client.drop();
      const back = await joined(t, url, 'room', { resume: bob.welcome.resume });
      assert.equal(back.welcome.resumed, true);
      back.client.send({ type: 'signal', to: alice.id, data: 'no leave in between' });
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'no leave in between' });
    });
  });
}

// Close codes are WebSocket's own: these hold for that transport (SSE says `leave`, above).
test('a peer that closes with 1000 leaves at once: the others get peer-left', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await joined(t, url, 'room');
  const bob = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.socket.close(1000, 'bye');
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
});

test('a page going away (1001) is a leave too: the others get peer-left at once', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await joined(t, url, 'room');
  const bob = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.socket.close(1001);
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
});

test('a client that closes with 4000 (I will come back) keeps its place for the grace period', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await joined(t, url, 'room');
  const bob = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.socket.close(4000, 'switching transport');
  await bob.client.closed;
  const back = await joined(t, url, 'room', { resume: bob.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  back.client.send({ type: 'signal', to: alice.id, data: 'no leave in between' });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'no leave in between' });
});

test("a close frame with no code (a browser's ws.close()) is a leave: peer-left at once", async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await joined(t, url, 'room');
  const bob = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.socket.close();
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
});

test('a client close frame with any other code is a leave too', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await joined(t, url, 'room');
  const bob = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.socket.close(4999, 'whatever');
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
});

test('a peer switching from WebSocket to SSE (4000, then a resume) keeps its id; the others see no leave', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await joined(t, url, 'room');
  const bob = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.socket.close(4000, 'switching transport');
  await bob.client.closed;
  const overSse = await clientsOf('sse').joined(t, url, 'room', { resume: bob.welcome.resume });
  assert.equal(overSse.id, bob.id);
  assert.equal(overSse.welcome.resumed, true);
  overSse.client.send({ type: 'signal', to: alice.id, data: 'same peer, other transport' });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'same peer, other transport' });
  alice.client.send({ type: 'signal', to: bob.id, data: 'reply' });
  assert.deepEqual(await overSse.client.next(), { type: 'signal', from: alice.id, data: 'reply' });
});

test('a peer switching from SSE to WebSocket keeps its id; the others see no leave', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await joined(t, url, 'room');
  const bob = await clientsOf('sse').joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.drop(); // the stream is let go; the relay waits for it, then the session's grace runs
  const overWs = await joined(t, url, 'room', { resume: bob.welcome.resume });
  assert.equal(overWs.id, bob.id);
  assert.equal(overWs.welcome.resumed, true);
  overWs.client.send({ type: 'signal', to: alice.id, data: 'back over WebSocket' });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'back over WebSocket' });
});
