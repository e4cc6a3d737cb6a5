/**
 * The relay behind a real nginx (Debian's, started by the test; tests/nginx.ts). Configured naively
 * (no upgrade headers), WebSocket cannot get through but SSE + POST can, unbuffered; configured as
 * docs/relay.md says, WebSocket works too. The browser suite shows the elements choosing on their
 * own (tests/browser/transport.test.ts).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startNginx, type NginxMode } from '../nginx.js';
import { clientsOf, startRelay, WsTestClient } from './helpers.js';

async function behindNginx(t: TestContext, mode: NginxMode) {
  const { relay } = await startRelay(t, { resumeGrace: 60_000 });
  const nginx = await startNginx(relay.port as number, mode);
  t.after(() => nginx.stop());
  return { relay, url: `${nginx.origin.replace(/^http/, 'ws')}/signal` };
}

test('behind a naive nginx a WebSocket cannot open, and SSE + POST carries the whole protocol', async (t) => {
  const { url } = await behindNginx(t, 'naive');
  await assert.rejects(WsTestClient.connect(t, url), /Unexpected server response: 426/);

  const alice = await clientsOf('sse').joined(t, url, 'room');
  const bob = await clientsOf('sse').joined(t, url, 'room');
  assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: '' });
  bob.client.send({ type: 'signal', to: alice.id, data: { through: 'nginx' } });
  assert.deepEqual(await alice.client.next(), { type: 'signal', from: bob.id, data: { through: 'nginx' } });
  bob.client.leave();
  assert.deepEqual(await alice.client.next(), { type: 'peer-left', id: bob.id });
});

test('behind nginx configured for WebSocket, both transports work and share rooms', async (t) => {
  const { url } = await behindNginx(t, 'websocket');
  const alice = await clientsOf('websocket').joined(t, url, 'room');
  const bob = await clientsOf('sse').joined(t, url, 'room');
  assert.deepEqual(await alice.client.next(), { type: 'peer-joined', id: bob.id, name: '' });
  alice.client.send({ type: 'signal', to: bob.id, data: 'hello over both' });
  assert.deepEqual(await bob.client.next(), { type: 'signal', from: alice.id, data: 'hello over both' });
});
