/**
 * The elements' SignalingClient runs in Node too, over either transport, given the constructors
 * Node 20 lacks (ws's WebSocket; the `eventsource` package, a devDependency). This is how a
 * non-browser peer (a werift peer in a test, a bot) joins a room with the same client code.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import {
  SignalingClient,
  type SignalDetail,
  type WelcomeDetail,
} from '../../components/internal/signaling/signaling-client.js';
import type { TransportGlobals } from '../../components/internal/signaling/transport.js';
import { startRelay, TRANSPORTS } from './helpers.js';

const globals = {
  WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  EventSource: EventSource as unknown as typeof globalThis.EventSource,
} satisfies TransportGlobals;

for (const transport of TRANSPORTS) {
  test(`SignalingClient in Node joins and exchanges signals over ${transport}`, async (t) => {
    const { url } = await startRelay(t);
    const alice = new SignalingClient({ url, room: 'node', transport, globals });
    const bob = new SignalingClient({ url, room: 'node', transport: 'auto', globals });
    t.after(() => {
      alice.close();
      bob.close();
    });
    const aliceWelcome = once(alice, 'welcome');
    alice.connect();
    await aliceWelcome;
    const bobWelcome = once(bob, 'welcome');
    bob.connect();
    const [{ detail }] = (await bobWelcome) as [CustomEvent<WelcomeDetail>];
    assert.deepEqual(
      detail.peers.map((peer) => peer.id),
      [alice.id],
    );
    assert.equal(alice.transport, transport);

    const received = once(alice, 'signal');
    bob.signal(alice.id!, { hello: 'from Node' });
    const [signal] = (await received) as [CustomEvent<SignalDetail>];
    assert.deepEqual(signal.detail, { from: bob.id, data: { hello: 'from Node' } });

    const left = once(bob, 'peer-left');
    alice.close();
    const [gone] = (await left) as [CustomEvent<{ id: string }>];
    assert.equal(gone.detail.id, alice.id);
  });
}
