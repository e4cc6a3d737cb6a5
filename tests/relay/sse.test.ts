/**
 * What only the SSE + POST transport has: its HTTP headers and statuses, event ids, the heartbeat
 * comment, reconnecting a dropped stream with Last-Event-ID, and POST bodies. Everything the two
 * transports share runs over both in signaling, limits and resume.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { test } from 'node:test';
import { createRelay, SSE_REPLAY_BYTES } from '../../relay/index.js';
import { clientsOf, SseTestClient, startRelay, waitUntil } from './helpers.js';

const sse = clientsOf('sse');

/** Reads a raw event stream from `url` until `until` matches what came; returns the headers and text. */
function readStream(url: string, until: RegExp, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (until.test(text)) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.end();
  });
}

test('a stream opens with headers proxies leave alone, a session event, then events with increasing ids', async (t) => {
  const { url } = await startRelay(t);
  const httpUrl = url.replace(/^ws/, 'http');
  const { status, headers, text } = await readStream(httpUrl, /event: session\ndata: .*\n\n/, {
    origin: 'https://app.example.org',
  });
  assert.equal(status, 200);
  assert.match(String(headers['content-type']), /^text\/event-stream/);
  assert.match(String(headers['cache-control']), /no-cache/);
  assert.equal(headers['x-accel-buffering'], 'no');
  assert.equal(headers['access-control-allow-origin'], 'https://app.example.org');
  assert.match(text, /^event: session\ndata: \{"session":"[A-Za-z0-9_-]{32}"\}\n\n$/);

  const alice = await SseTestClient.connect(t, url);
  await alice.join('room');
  assert.equal(alice.lastEventId, 1, 'the welcome is event 1');
  const bob = await sse.joined(t, url, 'room');
  assert.deepEqual(await alice.next(), { type: 'peer-joined', id: bob.id, name: '' });
  assert.equal(alice.lastEventId, 2, 'peer-joined is event 2');
});

test('a burst of messages in one POST arrives in order, and the POST is answered 204', async (t) => {
  const { url } = await startRelay(t);
  const alice = await sse.joined(t, url, 'room');
  const bob = await sse.joined(t, url, 'room');
  await alice.client.next(); // peer-joined

  const client = bob.client as SseTestClient;
  const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ type: 'signal', to: alice.id, data: i }));
  assert.equal(await client.post(`${lines.join('\r\n')}\n`), 204);
  for (let i = 0; i < 20; i++) assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: i });
});

test('POSTs are refused with 404 for an unknown session and 400 for a body that is not text', async (t) => {
  const { url } = await startRelay(t);
  const alice = (await sse.joined(t, url, 'room')).client as SseTestClient;
  assert.equal(await alice.post('{"type":"leave"}', 'not-a-session'), 404);
  assert.equal(await alice.post(Buffer.from([0xc3, 0x28])), 400);
  await alice.nextError('bad-message');
  assert.equal(await alice.post(JSON.stringify({ type: 'shout' })), 204, 'still usable');
  await alice.nextError('unknown-type');
});

test('a POST over maxPayload gets 413 and closes the stream with 1009, as an oversized frame does', async (t) => {
  const { url } = await startRelay(t, { maxPayload: 1024 });
  const alice = (await sse.joined(t, url, 'room')).client as SseTestClient;
  assert.equal(await alice.post('x'.repeat(5000)), 413);
  assert.equal(await alice.closeCode(), 1009);
  assert.equal(await alice.post('{"type":"leave"}'), 404, 'the session is over');
});

test('POST needs no preflight: a text/plain body is a CORS simple request', async (t) => {
  const { url } = await startRelay(t);
  const alice = await sse.joined(t, url, 'room');
  const client = alice.client as SseTestClient;
  const response = await fetch(`${client.url}?session=${client.session}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://other.example.org' },
    body: JSON.stringify({ type: 'signal', to: alice.id, data: 'to myself' }),
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get('access-control-allow-origin'), 'https://other.example.org');
  assert.deepEqual(await client.next(), { type: 'signal', from: alice.id, data: 'to myself' });
});

test('OPTIONS is answered for CORS, and a GET that is neither an upgrade nor a stream gets 426', async (t) => {
  const { url } = await startRelay(t);
  const httpUrl = url.replace(/^ws/, 'http');
  const options = await fetch(httpUrl, { method: 'OPTIONS', headers: { origin: 'https://app.example.org' } });
  assert.equal(options.status, 204);
  assert.equal(options.headers.get('access-control-allow-origin'), 'https://app.example.org');
  assert.match(options.headers.get('access-control-allow-methods') ?? '', /POST/);
  const plain = await fetch(httpUrl);
  assert.equal(plain.status, 426);
  assert.equal(plain.headers.get('upgrade'), 'websocket');
  await plain.body?.cancel();
});

test('the stream carries a heartbeat comment every interval', async (t) => {
  const { url } = await startRelay(t, { heartbeatInterval: 50 });
  const { text } = await readStream(url.replace(/^ws/, 'http'), /: ping\n\n/);
  assert.match(text, /\n\n: ping\n\n$/);
});

for (const how of ['header', 'query'] as const) {
  test(`a dropped stream reconnected with the last event id (${how}) misses nothing, and the others see no leave`, async (t) => {
    const { url } = await startRelay(t, { resumeGrace: 60_000 });
    const alice = await sse.joined(t, url, 'room');
    const bob = await sse.joined(t, url, 'room');
    await alice.client.next(); // peer-joined
    const client = alice.client as SseTestClient;
    const seen = client.lastEventId;

    bob.client.send({ type: 'signal', to: alice.id, data: 'one' });
    assert.deepEqual(await client.next(), { type: 'signal', from: bob.id, data: 'one' });
    // Pretend 'one' was lost with the stream: the reconnect asks from before it.
    assert.equal(await client.reconnect(how, seen), 200);
    assert.deepEqual(await client.next(), { type: 'signal', from: bob.id, data: 'one' }, 'replayed');
    bob.client.send({ type: 'signal', to: alice.id, data: 'two' });
    assert.deepEqual(await client.next(), { type: 'signal', from: bob.id, data: 'two' });
    client.send({ type: 'signal', to: bob.id, data: 'still me' });
    assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'still me' });
  });
}

test('messages sent while a stream is away are delivered when it reconnects', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await sse.joined(t, url, 'room');
  const bob = await sse.joined(t, url, 'room');
  await alice.client.next(); // peer-joined
  const client = alice.client as SseTestClient;

  client.loseStream();
  bob.client.send({ type: 'signal', to: alice.id, data: 'while away' });
  bob.client.send({ type: 'signal', to: bob.id, data: 'sync' });
  await bob.client.next(); // the relay has handled bob's signal to alice
  assert.equal(await client.reconnect('header'), 200);
  assert.deepEqual(await client.next(), { type: 'signal', from: bob.id, data: 'while away' });
});

test('a stream away past its heartbeats is lost: its session is 404, and a join with the resume token keeps the id and gets what was held', async (t) => {
  const { url, relay } = await startRelay(t, { resumeGrace: 60_000, heartbeatInterval: 100 });
  const alice = await sse.joined(t, url, 'room');
  const bob = await sse.joined(t, url, 'room');
  await alice.client.next(); // peer-joined
  const client = alice.client as SseTestClient;

  client.loseStream();
  await waitUntil(() => relay.stats().transports.sse === 1);
  assert.equal(await client.reconnect('header'), 404);
  bob.client.send({ type: 'signal', to: alice.id, data: 'kept for you' });

  const back = await sse.joined(t, url, 'room', { resume: alice.welcome.resume });
  assert.equal(back.id, alice.id);
  assert.equal(back.welcome.resumed, true);
  assert.deepEqual(await back.client.next(), { type: 'signal', from: bob.id, data: 'kept for you' });
  back.client.send({ type: 'signal', to: bob.id, data: 'no leave in between' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'no leave in between' });
});

test('a reconnect that claims events never sent is refused, and the session is lost (not left)', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000 });
  const alice = await sse.joined(t, url, 'room');
  const bob = await sse.joined(t, url, 'room');
  await alice.client.next(); // peer-joined
  const client = alice.client as SseTestClient;

  assert.equal(await client.reconnect('query', 999), 200);
  assert.equal(await client.closeCode(), 1006, 'the stream ends without a close event');
  const back = await sse.joined(t, url, 'room', { resume: alice.welcome.resume });
  assert.equal(back.welcome.resumed, true);
  bob.client.send({ type: 'signal', to: alice.id, data: 'no leave seen' });
  assert.deepEqual(await back.client.next(), { type: 'signal', from: bob.id, data: 'no leave seen' });
});

test('the replay window is bounded in bytes: a reconnect that missed more than it holds starts afresh with its resume token', async (t) => {
  const { url } = await startRelay(t, { resumeGrace: 60_000, messageBurst: 10_000 });
  const alice = await sse.joined(t, url, 'room');
  const bob = await sse.joined(t, url, 'room', {});
  await alice.client.next(); // peer-joined
  const client = alice.client as SseTestClient;
  const before = client.lastEventId;

  const chunk = 'x'.repeat(30_000);
  const count = Math.ceil(SSE_REPLAY_BYTES / chunk.length) + 2;
  for (let i = 0; i < count; i++) bob.client.send({ type: 'signal', to: alice.id, data: chunk });
  for (let i = 0; i < count; i++) await client.next();
  // A few recent events can still be replayed...
  assert.equal(await client.reconnect('header', client.lastEventId - 2), 200);
  await client.next();
  await client.next();
  // ...but not everything since the welcome: the stream ends, and the session is lost (not left).
  assert.equal(await client.reconnect('header', before), 200);
  assert.equal(await client.closeCode(), 1006);
  const back = await sse.joined(t, url, 'room', { resume: alice.welcome.resume });
  assert.equal(back.welcome.resumed, true);
});

test('hostile requests change nothing: a POST cut off mid-body, a bad Last-Event-ID, unknown sessions', async (t) => {
  const { url, origin } = await startRelay(t);
  const alice = await sse.joined(t, url, 'room');
  const client = alice.client as SseTestClient;
  const { port } = new URL(origin);

  const cut = tcpConnect(Number(port), '127.0.0.1');
  cut.write(`POST /signal?session=${client.session} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"type":`);
  await new Promise((resolve) => cut.once('connect', resolve));
  cut.destroy();

  const bad = await fetch(`${client.url}?session=${client.session}`, {
    headers: { accept: 'text/event-stream', 'last-event-id': 'not a number' },
  });
  assert.equal(bad.status, 400);
  const unknown = await fetch(`${client.url}?session=nobody`, {
    headers: { accept: 'text/event-stream', 'last-event-id': '1' },
  });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
  await bad.body?.cancel();
  assert.equal((await fetch(client.url, { method: 'PUT' })).status, 405);

  // The session is untouched and works.
  client.send({ type: 'signal', to: alice.id, data: 'still fine' });
  assert.deepEqual(await client.next(), { type: 'signal', from: alice.id, data: 'still fine' });
});

test('attached to an existing server, the relay takes the signaling path and the host keeps the rest', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('host page');
  });
  const relay = createRelay({ server, logger: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await relay.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'host page');
  const alice = await sse.joined(t, `ws://127.0.0.1:${port}/signal`, 'room');
  assert.equal(alice.welcome.room, 'room');
});
