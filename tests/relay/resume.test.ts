import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRelay } from '../../relay/index.js';
import { clientsOf, startRelay, TRANSPORTS, WsTestClient, waitUntil } from './helpers.js';

// A short grace; heartbeats only where a test is about them (a 100 ms heartbeat can cut a live
// client on a loaded machine).
const FAST = { resumeGrace: 300 };

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { connect, joined } = clientsOf(transport);
    // A dropped SSE stream is waited for one to two heartbeats before its session's grace starts.
    const AWAY = transport === 'sse' ? { heartbeatInterval: 200 } : {};

    test('a peer that drops and resumes within the grace period keeps its id; the others see no leave and no join', async (t) => {
      const { url } = await startRelay(t, { resumeGrace: 60_000 });
      const alice = await joined(t, url, 'room', { name: 'Alice' });
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined bob

      alice.client.drop();
      const back = await connect(t, url);
      const welcome = await back.join('room', { resume: alice.welcome.resume, name: 'ignored on resume' });
      assert.equal(welcome.id, alice.id);
      assert.equal(welcome.resumed, true);
      assert.equal(welcome.resume, alice.welcome.resume, 'the same token keeps working');
      assert.deepEqual(welcome.peers, [{ id: bob.id, name: '' }]);

      // Had bob been told of a leave or a join, it would have been before this signal.
      back.send({ type: 'signal', to: bob.id, data: 'hi again' });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'hi again' });
      bob.client.send({ type: 'signal', to: alice.id, data: 'welcome back' });
      assert.deepEqual(await back.next(), { type: 'signal', from: bob.id, data: 'welcome back' });
    });

    test('signals for a peer within its grace period are delivered when it resumes', async (t) => {
      const { url, relay } = await startRelay(t, { ...AWAY, resumeGrace: 60_000 });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined bob

      alice.client.drop();
      // Once the relay has seen the loss, bob's signal waits for alice's return.
      await waitUntil(() => relay.stats().connections === 1);
      bob.client.send({ type: 'signal', to: alice.id, data: 'while you were away' });
      const back = await connect(t, url);
      await back.join('room', { resume: alice.welcome.resume });
      assert.deepEqual(await back.next(), { type: 'signal', from: bob.id, data: 'while you were away' });
    });

    test('a lost peer gets at most 256 held signals, in order, and only once; the sender hears held-full for the rest', async (t) => {
      const { url, relay } = await startRelay(t, { ...AWAY, resumeGrace: 60_000, messageBurst: 10_000 });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined bob

      alice.client.drop();
      await waitUntil(() => relay.stats().connections === 1);
      for (let i = 0; i < 300; i++) bob.client.send({ type: 'signal', to: alice.id, data: i });
      bob.client.send({ type: 'signal', to: bob.id, data: 'sync' });
      for (let i = 256; i < 300; i++) assert.equal((await bob.client.nextError('held-full')).to, alice.id);
      await bob.client.next(); // bob's own signal: the 300 before it have been handled
      const back = await connect(t, url);
      await back.join('room', { resume: alice.welcome.resume });
      for (let i = 0; i < 256; i++) assert.deepEqual(await back.next(), { type: 'signal', from: bob.id, data: i });
      bob.client.send({ type: 'signal', to: alice.id, data: 'live' });
      assert.deepEqual(
        await back.next(),
        { type: 'signal', from: bob.id, data: 'live' },
        'signals past 256 were dropped',
      );

      back.drop();
      await waitUntil(() => relay.stats().connections === 1);
      const again = await connect(t, url);
      await again.join('room', { resume: alice.welcome.resume });
      bob.client.send({ type: 'signal', to: alice.id, data: 'after the second resume' });
      assert.deepEqual(
        await again.next(),
        { type: 'signal', from: bob.id, data: 'after the second resume' },
        'nothing delivered twice',
      );
    });

    test('a lost peer that does not come back within the grace period is announced with peer-left', async (t) => {
      const { url } = await startRelay(t, { ...AWAY, ...FAST });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined bob

      bob.client.drop();
      assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });

      // Coming back after that is a fresh join with the same id.
      const back = await connect(t, url);
      const welcome = await back.join('room', { resume: bob.welcome.resume });
      assert.equal(welcome.id, bob.id);
      assert.equal(welcome.resumed, false);
      assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: '' });
    });

    test('a peer that answers pings is not cut by the heartbeat', async (t) => {
      const { url } = await startRelay(t, { ...FAST, heartbeatInterval: 50 });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined
      await new Promise((resolve) => setTimeout(resolve, 500));
      bob.client.send({ type: 'signal', to: alice.id, data: 'still here' });
      assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'still here' });
    });

    test('after a relay restart a resuming peer keeps its id and the others get peer-joined', async (t) => {
      const first = createRelay({ port: 0, host: '127.0.0.1', logger: false });
      t.after(() => first.close());
      await first.ready;
      const firstUrl = `ws://127.0.0.1:${first.port}/signal`;
      const alice = await joined(t, firstUrl, 'room', { name: 'Alice' });
      const bob = await joined(t, firstUrl, 'room', { name: 'Bob' });

      await first.close();
      assert.equal(await alice.client.closeCode(), 1012);
      assert.equal(await bob.client.closeCode(), 1012);

      const { url } = await startRelay(t); // a fresh relay: it knows nobody
      const bobAgain = await connect(t, url);
      const bobWelcome = await bobAgain.join('room', { resume: bob.welcome.resume, name: 'Bob' });
      assert.equal(bobWelcome.id, bob.id);
      assert.equal(bobWelcome.resumed, false);

      const aliceAgain = await connect(t, url);
      const aliceWelcome = await aliceAgain.join('room', { resume: alice.welcome.resume, name: 'Alice' });
      assert.equal(aliceWelcome.id, alice.id);
      assert.deepEqual(aliceWelcome.peers, [{ id: bob.id, name: 'Bob' }]);
      assert.deepEqual(await bobAgain.next(), { type: 'peer-joined', id: alice.id, name: 'Alice' });
    });

    test('a resume while the old socket is still open takes over: the old one gets replaced and 4001', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined bob

      const newer = await connect(t, url);
      const welcome = await newer.join('room', { resume: alice.welcome.resume });
      assert.equal(welcome.id, alice.id);
      assert.equal(welcome.resumed, true);
      await alice.client.nextError('replaced');
      assert.equal(await alice.client.closeCode(), 4001);

      newer.send({ type: 'signal', to: bob.id, data: 'same me' });
      assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'same me' });
    });

    test('a resume into another room is a join there, and the old room gets peer-left', async (t) => {
      const { url } = await startRelay(t, { resumeGrace: 60_000 });
      const alice = await joined(t, url, 'one');
      const bob = await joined(t, url, 'one');
      const carol = await joined(t, url, 'two');
      await alice.client.next(); // peer-joined bob

      alice.client.drop();
      const moved = await connect(t, url);
      const welcome = await moved.join('two', { resume: alice.welcome.resume });
      assert.equal(welcome.id, alice.id);
      assert.equal(welcome.resumed, false);
      assert.deepEqual(await bob.client.next(), { type: 'peer-left', id: alice.id });
      assert.deepEqual(await carol.client.next(), { type: 'peer-joined', id: alice.id, name: '' });
    });

    test('a resume token cannot be made up to take over someone else: ids come from the token', async (t) => {
      const { url } = await startRelay(t);
      const alice = await joined(t, url, 'room');
      const madeUp = 'A'.repeat(43);
      const intruder = await joined(t, url, 'room', { resume: madeUp });
      assert.notEqual(intruder.id, alice.id);
      assert.equal(intruder.welcome.resumed, false);
      assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: intruder.id, name: '' });
    });

    test('a peer that stops reading is cut once its queue passes maxBufferedAmount, and then leaves like a lost peer', async (t) => {
      const { url } = await startRelay(t, { resumeGrace: 300, maxBufferedAmount: 64 * 1024, messageBurst: 10_000 });
      const alice = await joined(t, url, 'room');
      const slow = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined
      // Stop reading: the relay's writes pile up once the loopback buffers are full.
      slow.client.stopReading();

      const chunk = 'x'.repeat(60_000);
      for (let batch = 0; batch < 200; batch++) {
        for (let i = 0; i < 10; i++) alice.client.send({ type: 'signal', to: slow.id, data: chunk });
        // A round trip through the relay: the batch has been handled (and written) before it returns.
        alice.client.send({ type: 'signal', to: alice.id, data: 'sync' });
        const reply = await alice.client.next();
        if (reply.type === 'peer-left') {
          assert.equal(reply.id, slow.id);
          return;
        }
      }
      assert.fail('the slow reader was never cut');
    });
  });
}

test('a peer that stops answering pings is cut by the heartbeat and the others get peer-left', async (t) => {
  const { url } = await startRelay(t, { ...FAST, heartbeatInterval: 100 });
  const alice = await clientsOf('websocket').joined(t, url, 'room');
  const silent = await WsTestClient.connect(t, url, { autoPong: false });
  const welcome = await silent.join('room');
  await alice.client.next(); // peer-joined

  assert.equal(await silent.closeCode(), 1006, 'terminated without a closing handshake');
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: welcome.id });
});

test('a stream that drops and does not come back is lost after a heartbeat or two; the others get peer-left after the grace', async (t) => {
  const { url } = await startRelay(t, { ...FAST, heartbeatInterval: 100 });
  const alice = await clientsOf('websocket').joined(t, url, 'room');
  const bob = await clientsOf('sse').joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  bob.client.drop();
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
});
