import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { test, type TestContext } from 'node:test';
import { clientsOf, PATIENCE, SseTestClient, startRelay } from './helpers.js';

/**
 * A raw TCP connection to the relay that writes `text` (maybe nothing) and then stays silent;
 * resolves with everything the relay answered once the relay has closed it.
 */
function silentConnection(t: TestContext, port: number, text = ''): Promise<string> {
  const socket = tcpConnect({ port, host: '127.0.0.1' });
  t.after(() => socket.destroy());
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('connect', () => {
    if (text !== '') socket.write(text);
  });
  return new Promise((resolve, reject) => {
    // Generous: a relay that never closes it fails the test instead of hanging it.
    const timer = setTimeout(() => reject(new Error('the relay left the connection open')), PATIENCE * 2);
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

test('a TCP connection that sends nothing gets 408 and is closed, while open WebSocket and SSE sessions stay', async (t) => {
  const { url, relay } = await startRelay(t, { requestTimeout: 300 });
  const alice = await clientsOf('websocket').joined(t, url, 'room');
  const bob = await clientsOf('sse').joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  // Opened after the two sessions: by the time it is closed, their time is up too.
  const answer = await silentConnection(t, relay.port!);
  assert.match(answer, /^HTTP\/1\.1 408 /);

  alice.client.send({ type: 'signal', to: bob.id, data: 'still here' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'still here' });
  bob.client.send({ type: 'signal', to: alice.id, data: 'me too' });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'me too' });
});

test('an upgrade or an SSE request whose headers never end, or a POST whose body never ends, is closed with 408', async (t) => {
  const { url, relay } = await startRelay(t, { requestTimeout: 300 });
  const port = relay.port!;
  const { session } = await SseTestClient.connect(t, url);
  const unfinished = [
    'GET /signal HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
    'GET /signal HTTP/1.1\r\nHost: relay\r\nAccept: text/event-stream\r\n',
    `POST /signal?session=${session} HTTP/1.1\r\nHost: relay\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n{"type":`,
  ];
  const answers = await Promise.all(unfinished.map((text) => silentConnection(t, port, text)));
  for (const answer of answers) assert.match(answer, /^HTTP\/1\.1 408 /);
});
