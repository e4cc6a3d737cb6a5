import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { createRelay, type RelayOptions } from '../../relay/index.js';
import { joined, startRelay, WsTestClient } from './helpers.js';

test('bad options are refused up front with a TypeError naming the option', () => {
  const cases: Array<[options: unknown, message: RegExp]> = [
    [{ port: 0, maxPeersPerRoom: 0 }, /^maxPeersPerRoom must be a positive integer$/],
    [{ port: 0, maxPeersPerRoom: 2.5 }, /^maxPeersPerRoom must be a positive integer$/],
    [{ port: -1 }, /^port must be an integer from 0 to 65535$/],
    [{ port: '8787' }, /^port /],
    [{ port: 0, host: '' }, /^host /],
    [{ port: 0, path: 'signal' }, /^path /],
    [{ port: 0, roomPattern: '^[a-z]+$' }, /^roomPattern must be a RegExp$/],
    [{ port: 0, iceServers: [{ url: 'stun:stun.example.org' }] }, /^iceServers /],
    [{ port: 0, iceServers: 'stun:stun.example.org' }, /^iceServers /],
    [{ port: 0, joinTimeout: 0 }, /^joinTimeout /],
    [{ port: 0, heartbeatInterval: 2 ** 40 }, /^heartbeatInterval /],
    [{ port: 0, resumeGrace: -1 }, /^resumeGrace /],
    [{ port: 0, messagesPerSecond: Number.NaN }, /^messagesPerSecond must be a positive number$/],
    [{ port: 0, messageBurst: 0 }, /^messageBurst /],
    [{ port: 0, maxPayload: '64k' }, /^maxPayload /],
    [{ port: 0, maxBufferedAmount: -5 }, /^maxBufferedAmount /],
    [{ port: 0, maxConnections: 0 }, /^maxConnections /],
    [{ port: 0, maxConnectionsPerIp: 0 }, /^maxConnectionsPerIp /],
    [{ port: 0, joinsPerMinutePerIp: -1 }, /^joinsPerMinutePerIp /],
    [{ port: 0, trustProxy: 'loopback' }, /^trustProxy must be an array of strings$/],
    [{ port: 0, maxHeldBytes: 0 }, /^maxHeldBytes /],
    [{ port: 0, maxHeldBytesPerPeer: '256k' }, /^maxHeldBytesPerPeer /],
    [{ port: 0, requestTimeout: 0 }, /^requestTimeout /],
    [{ port: 0, metrics: 'yes' }, /^metrics must be a boolean$/],
    [{ port: 0, metricsToken: '' }, /^metricsToken must be a non-empty string$/],
    [{ port: 0, drainWindow: -1 }, /^drainWindow /],
    [{ port: 0, maxNameLength: 0 }, /^maxNameLength /],
    [{ port: 0, allowedOrigins: 'https://app.example.org' }, /^allowedOrigins /],
    [{ port: 0, logger: true }, /^logger /],
    [{ port: 0, staticDirs: { public: '/srv' } }, /^staticDirs /],
    [{ port: 0, server: {} }, /^server must be a node:http Server$/],
    [{ port: 0, maxPeers: 8 }, /^unknown option "maxPeers"$/],
    [{ port: 0, redis: 'localhost:6379' }, /^redis url must be a redis:\/\/ or rediss:\/\/ URL$/],
    [{ port: 0, redis: { url: 'redis://h', instanceTimeout: 0 } }, /^redis instanceTimeout must be a positive/],
    [{ port: 0, redis: { url: 'redis://h', prefix: 7 } }, /^redis prefix must be a string$/],
    [
      { port: 0, redis: { url: 'redis://h', db: 2 } },
      /^redis must be a redis:\/\/ URL or \{ url, prefix\?, instanceTimeout\? \}$/,
    ],
    [{}, /^exactly one of port, server or noServer must be given$/],
    [{ port: 0, noServer: true }, /^exactly one of port, server or noServer/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => createRelay(options as RelayOptions), { name: 'TypeError', message }, JSON.stringify(options));
  }
});

test('defaults fill what is not given: a relay with only noServer works', async (t) => {
  const relay = createRelay({ noServer: true, logger: false });
  t.after(() => relay.close());
  await relay.ready;
  assert.equal(relay.port, undefined);
  assert.deepEqual(relay.stats(), { connections: 0, transports: { websocket: 0, sse: 0 }, rooms: 0, peers: 0 });
});

async function listen(t: TestContext, server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

test('attached to an existing server, the relay answers on its path and leaves the server running', async (t) => {
  const server = createServer((_req, res) => res.end('the host app'));
  const port = await listen(t, server);
  const relay = createRelay({ server, path: '/rtc', logger: false });
  await relay.ready;
  assert.equal(relay.port, port);

  const alice = await joined(t, `ws://127.0.0.1:${port}/rtc?v=1`, 'room');
  assert.equal(alice.welcome.room, 'room');
  const wrongPath = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
  const [error] = await once(wrongPath, 'error');
  assert.match(String(error), /404/);

  await relay.close();
  assert.equal(await alice.client.closeCode(), 1012);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await response.text(), 'the host app');
});

test('with noServer the caller routes upgrades; after close() upgrades are answered 503', async (t) => {
  const relay = createRelay({ noServer: true, logger: false });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => relay.handleUpgrade(req, socket, head));
  const port = await listen(t, server);

  const alice = await joined(t, `ws://127.0.0.1:${port}/any/path`, 'room');
  await relay.close();
  assert.equal(await alice.client.closeCode(), 1012);

  const late = new WebSocket(`ws://127.0.0.1:${port}/any/path`);
  const [error] = await once(late, 'error');
  assert.match(String(error), /503/);
});

test('close() closes every client with 1012 by default, stops listening, and can be called again', async (t) => {
  const { relay, url, origin } = await startRelay(t);
  const alice = await joined(t, url, 'room');
  const idle = await WsTestClient.connect(t, url);

  const closing = relay.close();
  assert.equal(relay.close(), closing, 'the same promise');
  await closing;
  assert.equal(await alice.client.closeCode(), 1012);
  assert.equal(await idle.closeCode(), 1012);
  await assert.rejects(fetch(`${origin}/healthz`), 'no longer listening');
});

test('close(code) uses the given close code and rejects codes a server may not send', async (t) => {
  const { relay, url } = await startRelay(t);
  await assert.rejects(relay.close(1006), TypeError);
  const alice = await joined(t, url, 'room');
  await relay.close(1001);
  assert.equal(await alice.client.closeCode(), 1001);
});
