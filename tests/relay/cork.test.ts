/**
 * The relay corks a recipient's socket while it handles a burst of inbound frames, so a burst of
 * signals to one peer leaves in one write. These tests prove the burst still arrives whole and in
 * order, that the relay's other messages keep their place, that a slow reader is still cut, and (by
 * counting the writes on the relay's side of the recipient's TCP connection) that the corking
 * really happens: it relies on ws's private `_socket`, so a ws upgrade that moves it fails here.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createRelay } from '../../relay/index.js';
import type { ServerMessage } from '../../protocol/signaling.js';
import {
  clientsOf,
  joined,
  type SseTestClient,
  startRelay,
  TRANSPORTS,
  type TestClient,
  type WsTestClient,
  waitUntil,
} from './helpers.js';

/** Sends every message in one TCP write, so the relay reads them as one burst. */
function sendBurst(client: WsTestClient, messages: unknown[]): void {
  const raw = (client.socket as unknown as { _socket: Socket })._socket;
  raw.cork();
  for (const message of messages) client.send(message);
  raw.uncork();
}

async function nextMessages(client: TestClient, count: number): Promise<ServerMessage[]> {
  const messages: ServerMessage[] = [];
  for (let i = 0; i < count; i++) messages.push(await client.next());
  return messages;
}

/** A relay in noServer mode behind our own HTTP server, counting the writes on each accepted socket. */
async function countingRelay(t: TestContext) {
  const relay = createRelay({ noServer: true, logger: false, messageBurst: 10_000 });
  const server = createServer();
  const writes: number[] = [];
  server.on('upgrade', (req, socket: Socket, head) => {
    const index = writes.push(0) - 1;
    // Every chunk the stream hands to the kernel goes through one of these two (one syscall each).
    const { _write: write, _writev: writev } = socket as unknown as Record<
      '_write' | '_writev',
      (...args: unknown[]) => void
    >;
    Object.assign(socket, {
      _write: (...args: unknown[]) => {
        writes[index]++;
        return write.apply(socket, args);
      },
      _writev: (...args: unknown[]) => {
        writes[index]++;
        return writev.apply(socket, args);
      },
    });
    relay.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await relay.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/signal`, writes };
}

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    const { joined } = clientsOf(transport);

    test('a burst of signals to one peer arrives whole and in order, each from the sender', async (t) => {
      const { url } = await startRelay(t, { messageBurst: 10_000 });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined

      for (let burst = 0; burst < 5; burst++) {
        const data = Array.from({ length: 100 }, (_, i) => ({ burst, i, candidate: 'c'.repeat(i * 10) }));
        alice.client.sendBurst(data.map((d) => ({ type: 'signal', to: bob.id, from: 'forged', data: d })));
        assert.deepEqual(
          await nextMessages(bob.client, 100),
          data.map((d) => ({ type: 'signal', from: alice.id, data: d })),
        );
      }
      assert.equal(bob.client.hasMessage(), false);
    });

    test('errors and signals from one burst keep their order for each recipient', async (t) => {
      const { url } = await startRelay(t, { messageBurst: 10_000 });
      const alice = await joined(t, url, 'room');
      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined

      alice.client.sendBurst([
        { type: 'signal', to: bob.id, data: 1 },
        { type: 'signal', to: 'nobody', data: 2 },
        'not json',
        { type: 'signal', to: bob.id, data: 3 },
        { type: 'shout' },
      ]);
      assert.deepEqual(await nextMessages(bob.client, 2), [
        { type: 'signal', from: alice.id, data: 1 },
        { type: 'signal', from: alice.id, data: 3 },
      ]);
      const errors = await nextMessages(alice.client, 3);
      assert.deepEqual(
        errors.map((m) => m.type === 'error' && m.code),
        ['no-such-peer', 'bad-message', 'unknown-type'],
      );
    });
  });
}

test('a burst of signals to one peer leaves the relay in a few writes, not one per signal', async (t) => {
  const { url, writes } = await countingRelay(t);
  const alice = await joined(t, url, 'room');
  const bob = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined
  const bobSocket = writes.length - 1;
  const before = writes[bobSocket];

  sendBurst(
    alice.client,
    Array.from({ length: 32 }, (_, i) => ({ type: 'signal', to: bob.id, data: { i } })),
  );
  const received = await nextMessages(bob.client, 32);
  assert.deepEqual(
    received.map((m) => m.type === 'signal' && m.data),
    Array.from({ length: 32 }, (_, i) => ({ i })),
  );
  // One write per TCP read of the burst on the relay's side: one, rarely two or three; uncorked, 32.
  const used = writes[bobSocket] - before;
  assert.ok(used >= 1 && used <= 4, `32 signals took ${used} writes`);
});

test('a burst of signals to one SSE stream leaves the relay in a few writes, not one per signal', async (t) => {
  const server = createServer();
  const relay = createRelay({ server, logger: false, messageBurst: 10_000 });
  const writes = new Map<Socket, number>();
  const streams: Socket[] = [];
  server.on('connection', (socket: Socket) => {
    writes.set(socket, 0);
    const { _write: write, _writev: writev } = socket as unknown as Record<
      '_write' | '_writev',
      (...args: unknown[]) => void
    >;
    Object.assign(socket, {
      _write: (...args: unknown[]) => {
        writes.set(socket, (writes.get(socket) ?? 0) + 1);
        return write.apply(socket, args);
      },
      _writev: (...args: unknown[]) => {
        writes.set(socket, (writes.get(socket) ?? 0) + 1);
        return writev.apply(socket, args);
      },
    });
  });
  // Before the relay's own listener: which socket carries which stream.
  server.prependListener('request', (req) => {
    if (req.method === 'GET' && req.headers.accept === 'text/event-stream') streams.push(req.socket as Socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await relay.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  const url = `ws://127.0.0.1:${port}/signal`;
  const alice = await clientsOf('sse').joined(t, url, 'room');
  const bob = await clientsOf('sse').joined(t, url, 'room');
  await alice.client.next(); // peer-joined
  const bobStream = streams[1] as Socket;
  const before = writes.get(bobStream) as number;

  const status = await (alice.client as SseTestClient).post(
    Array.from({ length: 32 }, (_, i) => JSON.stringify({ type: 'signal', to: bob.id, data: { i } })).join('\n'),
  );
  assert.equal(status, 204);
  const received = await nextMessages(bob.client, 32);
  assert.deepEqual(
    received.map((m) => m.type === 'signal' && m.data),
    Array.from({ length: 32 }, (_, i) => ({ i })),
  );
  // The relay sends a turn's events as one chunk, and node corks a chunked response within a turn:
  // one writev. Written one by one without either, 32 events are 96 writes.
  const used = (writes.get(bobStream) as number) - before;
  assert.ok(used >= 1 && used <= 3, `32 signals took ${used} writes`);
});

test('a slow reader is still cut when its signals come in bursts', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 300, maxBufferedAmount: 64 * 1024, messageBurst: 100_000 });
  const alice = await joined(t, url, 'room');
  const slow = await joined(t, url, 'room');
  await alice.client.next(); // peer-joined
  (slow.client.socket as unknown as { _socket: Socket })._socket.pause();

  const chunk = 'x'.repeat(2000);
  for (let batch = 0; batch < 200 && !alice.client.hasMessage(); batch++) {
    sendBurst(
      alice.client,
      Array.from({ length: 20 }, () => ({ type: 'signal', to: slow.id, data: chunk })),
    );
    await waitUntil(() => alice.client.socket.bufferedAmount === 0);
  }
  // Once it is cut, signals to it are held for its grace, until they reach the cap (held-full).
  let message = await alice.client.next();
  while (message.type === 'error' && message.code === 'held-full') message = await alice.client.next();
  assert.deepEqual(message, { type: 'peer-left', id: slow.id });
});
