import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientsOf, PATIENCE, SseTestClient, startRelay, TRANSPORTS, waitUntil, WsTestClient } from './helpers.js';
import { parsePrometheus, valueOf, type Exposition } from './prometheus.js';

async function scrape(origin: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(`${origin}/metrics`, { headers });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await response.text());
}

describe('/metrics', () => {
  test('is not served unless the metrics option is on', async (t) => {
    const { origin } = await startRelay(t);
    assert.equal((await fetch(`${origin}/metrics`)).status, 404);
  });

  test('with metricsToken, answers only a request that brings it as a bearer token', async (t) => {
    const { origin } = await startRelay(t, { metricsToken: 'correct horse' });
    const without = await fetch(`${origin}/metrics`);
    assert.equal(without.status, 401);
    assert.match(without.headers.get('www-authenticate') ?? '', /^Bearer /);
    const wrong = await fetch(`${origin}/metrics`, { headers: { authorization: 'Bearer battery staple' } });
    assert.equal(wrong.status, 401);
    await scrape(origin, { authorization: 'Bearer correct horse' });
  });

  for (const transport of TRANSPORTS) {
    test(`parses as Prometheus text and counts a join, a signal, an error and a close over ${transport}`, async (t) => {
      const { url, origin } = await startRelay(t, { metrics: true });
      const { joined } = clientsOf(transport);
      const alice = await joined(t, url, 'room');
      const before = await scrape(origin);

      const bob = await joined(t, url, 'room');
      await alice.client.next(); // peer-joined
      alice.client.send({ type: 'signal', to: bob.id, data: { sdp: 'v=0' } });
      await bob.client.next();
      alice.client.send({ type: 'shout' });
      await alice.client.nextError('unknown-type');
      bob.client.leave();
      assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
      const after = await scrape(origin);

      const delta = (name: string, labels: Record<string, string> = {}) =>
        valueOf(after, name, labels) - valueOf(before, name, labels);
      assert.equal(delta('rtc_relay_joins_total'), 1);
      assert.equal(delta('rtc_relay_resumes_total'), 0);
      assert.equal(delta('rtc_relay_errors_total', { code: 'unknown-type' }), 1);
      assert.equal(delta('rtc_relay_closes_total', { transport, code: '1000' }), 1);
      // In: bob's join, alice's signal and her bad message (and over SSE, bob's leave).
      assert.equal(delta('rtc_relay_messages_received_total', { transport }), transport === 'sse' ? 4 : 3);
      // Out: bob's welcome, peer-joined, the signal, the error, peer-left.
      assert.equal(delta('rtc_relay_messages_sent_total', { transport }), 5);
      assert.ok(delta('rtc_relay_received_bytes_total', { transport }) > 0);
      assert.ok(delta('rtc_relay_sent_bytes_total', { transport }) > 0);

      assert.equal(after.types.get('rtc_relay_joins_total'), 'counter');
      assert.equal(after.types.get('rtc_relay_connections'), 'gauge');
      assert.equal(valueOf(after, 'rtc_relay_connections', { transport }), 1);
      assert.equal(valueOf(after, 'rtc_relay_peers'), 1);
      assert.equal(valueOf(after, 'rtc_relay_rooms'), 1);
      assert.ok(valueOf(after, 'process_resident_memory_bytes') > 0, 'process metrics');
      assert.ok(after.types.has('nodejs_eventloop_lag_seconds'), 'event-loop lag');
    });
  }

  test('counts held signals and their bytes, resumes, and per-address refusals', async (t) => {
    const { url, origin, relay } = await startRelay(t, { metrics: true, maxConnectionsPerIp: 2 });
    const { joined, connect } = clientsOf('websocket');
    const alice = await joined(t, url, 'room');
    const bob = await joined(t, url, 'room');
    await alice.client.next(); // peer-joined
    bob.client.drop();
    await waitForConnections(relay, 1);
    alice.client.send({ type: 'signal', to: bob.id, data: 'held' });
    alice.client.send({ type: 'signal', to: 'nobody', data: 'sync' });
    await alice.client.nextError('no-such-peer');

    const held = await scrape(origin);
    assert.equal(valueOf(held, 'rtc_relay_held_signals'), 1);
    assert.equal(
      valueOf(held, 'rtc_relay_held_bytes'),
      Buffer.byteLength(`{"type":"signal","from":"${alice.id}","data":"held"}`),
    );
    assert.equal(valueOf(held, 'rtc_relay_peers_away'), 1);

    const back = await joined(t, url, 'room', { resume: bob.welcome.resume });
    await back.client.next(); // the held signal
    const third = await connect(t, url);
    await third.nextError('too-many-connections');
    const after = await scrape(origin);
    assert.equal(valueOf(after, 'rtc_relay_resumes_total'), 1);
    assert.equal(valueOf(after, 'rtc_relay_held_signals'), 0);
    assert.equal(valueOf(after, 'rtc_relay_ip_refusals_total', { limit: 'connections' }), 1);
  });
});

async function waitForConnections(relay: { stats(): { connections: number } }, count: number): Promise<void> {
  const deadline = Date.now() + PATIENCE;
  while (relay.stats().connections !== count) {
    assert.ok(Date.now() < deadline, `still ${relay.stats().connections} connections`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('/healthz and /readyz', () => {
  test('/readyz is ready until a check says otherwise, and names each check; /healthz stays alive', async (t) => {
    const { origin, relay } = await startRelay(t);
    const ready = await fetch(`${origin}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { accepting: 'ok' } });
    assert.deepEqual(relay.readiness(), { ready: true, checks: { accepting: 'ok' } });

    relay.addReadinessCheck({ name: 'database', check: () => 'down for maintenance' });
    relay.addReadinessCheck({
      name: 'cache',
      check: () => {
        throw new Error('a bug in the check');
      },
    });
    const notReady = await fetch(`${origin}/readyz`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(await notReady.json(), {
      status: 'not-ready',
      checks: { accepting: 'ok', database: 'down for maintenance', cache: 'a bug in the check' },
    });
    assert.equal((await fetch(`${origin}/healthz`)).status, 200);

    // A check of the same name replaces the one before.
    relay.addReadinessCheck({ name: 'database', check: () => undefined });
    relay.addReadinessCheck({ name: 'cache', check: () => undefined });
    assert.deepEqual(relay.readiness(), { ready: true, checks: { accepting: 'ok', database: 'ok', cache: 'ok' } });
  });
});

describe('drain', () => {
  test('refuses new clients of either transport and says so on /readyz, while the old ones go on until close', async (t) => {
    const { url, origin, relay } = await startRelay(t, { drainWindow: 60_000 });
    const alice = await clientsOf('websocket').joined(t, url, 'room');
    const bob = await clientsOf('sse').joined(t, url, 'room');
    await alice.client.next(); // peer-joined

    const drained = relay.drain();
    const readyz = await fetch(`${origin}/readyz`);
    assert.equal(readyz.status, 503);
    assert.deepEqual(await readyz.json(), { status: 'not-ready', checks: { accepting: 'draining' } });
    assert.equal((await fetch(`${origin}/healthz`)).status, 200, 'still alive');
    await assert.rejects(WsTestClient.connect(t, url), /Unexpected server response: 503/);
    const stream = await fetch(url.replace(/^ws/, 'http'), { headers: { accept: 'text/event-stream' } });
    assert.equal(stream.status, 503);

    alice.client.send({ type: 'signal', to: bob.id, data: 'still on' });
    assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'still on' });
    bob.client.send({ type: 'signal', to: alice.id, data: 'me too' });
    assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: 'me too' });

    await relay.close();
    await drained;
    assert.equal(await alice.client.closeCode(), 1012);
    assert.equal(await bob.client.closeCode(), 1012);
  });

  test('after the drain window every client is closed with 1012', async (t) => {
    const { url, relay } = await startRelay(t, { drainWindow: 200 });
    const alice = await clientsOf('websocket').joined(t, url, 'room');
    const bob = await SseTestClient.connect(t, url);
    const drained = relay.drain();
    assert.equal(relay.drain(), drained, 'idempotent');
    assert.equal(await alice.client.closeCode(), 1012);
    assert.equal(await bob.closeCode(), 1012);
    await drained;
  });
});

describe('logger', () => {
  test("the application's own logger gets the relay's lines as pino does: (fields, message)", async (t) => {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const record = (level: string) => (fields: Record<string, unknown>, message: string) =>
      lines.push({ level, fields, message });
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const { url } = await startRelay(t, { logger, maxConnectionsPerIp: 1 });
    const alice = await clientsOf('websocket').joined(t, url, 'room');
    const refused = await clientsOf('websocket').connect(t, url);
    await refused.nextError('too-many-connections');
    alice.client.leave();
    await waitUntil(() => lines.some((line) => line.message === 'session end'));

    const start = lines.find((line) => line.message === 'session start');
    assert.deepEqual(start, {
      level: 'info',
      fields: { transport: 'websocket', address: '127.0.0.1', peer: alice.id, room: 'room', resumed: false },
      message: 'session start',
    });
    const refusal = lines.find((line) => line.message === 'closing a connection');
    assert.equal(refusal?.level, 'debug');
    assert.equal(refusal?.fields.code, 'too-many-connections');
    const end = lines.find((line) => line.message === 'session end');
    const { resumed, ...who } = start?.fields ?? {};
    assert.equal(resumed, false);
    assert.deepEqual(end?.fields, { ...who, code: 1000, ending: 'left' });
  });
});

test("a close code of the client's choosing that the protocol does not name is counted as other", async (t) => {
  const { url, origin } = await startRelay(t, { metrics: true });
  for (const code of [4321, 4322, 3999]) {
    const client = await WsTestClient.connect(t, url);
    client.socket.close(code);
    await client.closed;
  }
  const leaving = await WsTestClient.connect(t, url);
  leaving.leave();
  await leaving.closed;
  // The relay may count a close a moment after the client saw it: ask until all four are there.
  let exposition = await scrape(origin);
  const closes = () => exposition.samples.filter((sample) => sample.name === 'rtc_relay_closes_total');
  while (closes().reduce((sum, sample) => sum + sample.value, 0) < 4) exposition = await scrape(origin);
  assert.deepEqual(
    closes().map((sample) => [sample.labels.code, sample.value]),
    [
      ['other', 3],
      ['1000', 1],
    ],
  );
});
