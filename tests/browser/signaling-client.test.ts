import { expect } from '@open-wc/testing';
import {
  SignalingClient,
  defaultSignalingUrl,
  toWebSocketUrl,
} from '../../components/internal/signaling/signaling-client.js';
import type {
  SignalingErrorDetail,
  SignalDetail,
  WelcomeDetail,
} from '../../components/internal/signaling/signaling-client.js';
import { nextEvent, relayStats, startRelay, stopRelay, uniqueName, until } from './helpers.js';

const open: SignalingClient[] = [];

function client(options: ConstructorParameters<typeof SignalingClient>[0]): SignalingClient {
  const created = new SignalingClient({ reconnectBaseDelay: 50, reconnectMaxDelay: 300, ...options });
  open.push(created);
  return created;
}

async function joined(created: SignalingClient): Promise<WelcomeDetail> {
  const welcome = nextEvent<CustomEvent<WelcomeDetail>>(created, 'welcome', `${created.room} welcome`);
  created.connect();
  return (await welcome).detail;
}

afterEach(() => {
  for (const created of open.splice(0)) created.close();
});

describe('SignalingClient', () => {
  it('rename() before joining is the name in join; after joining the others get peer-renamed and their list follows', async () => {
    const room = uniqueName('rename');
    const first = client({ room, name: 'Guest' });
    first.rename('Ada');
    await joined(first);
    const second = client({ room });
    const welcome = await joined(second);
    expect(welcome.peers.map((peer) => peer.name)).to.deep.equal(['Ada']);
    const renamed = nextEvent<CustomEvent<{ id: string; name: string }>>(second, 'peer-renamed');
    first.rename('Ada Lovelace');
    expect((await renamed).detail).to.deep.equal({ id: first.id, name: 'Ada Lovelace' });
    expect(second.peers).to.deep.equal([{ id: first.id, name: 'Ada Lovelace' }]);
    expect(first.name).to.equal('Ada Lovelace');
  });

  it('unbuilt, connects to /signal on the origin it was loaded from when given no URL (built: beside the loader, tests/browser/loader.test.ts)', async () => {
    expect(defaultSignalingUrl()).to.equal(`ws://${location.host}/signal`);
    const alone = client({ room: uniqueName('default') });
    const welcome = await joined(alone);
    expect(alone.url).to.equal(`ws://${location.host}/signal`);
    expect(alone.state).to.equal('joined');
    expect(welcome.id).to.match(/^[A-Za-z0-9_-]{16}$/);
    expect(welcome.peers).to.deep.equal([]);
    expect(welcome.iceServers).to.deep.equal([]);
  });

  it('turns http(s) and relative URLs into ws(s) URLs and refuses other schemes', () => {
    expect(toWebSocketUrl('https://relay.example.org/signal')).to.equal('wss://relay.example.org/signal');
    expect(toWebSocketUrl('/relays/x/signal', 'http://localhost:8787/page.html')).to.equal(
      'ws://localhost:8787/relays/x/signal',
    );
    expect(() => new SignalingClient({ room: 'x', url: 'ftp://example.org/' })).to.throw(
      TypeError,
      /ws:, wss:, http: or https:/,
    );
  });

  it('a URL the browser refuses at once (a fragment) throws from connect() and leaves the client idle', () => {
    const refused = client({ room: 'x', url: `ws://${location.host}/signal#here` });
    // The WebSocket constructor's SyntaxError (Chromium names the fragment, Firefox does not).
    expect(() => refused.connect())
      .to.throw(DOMException)
      .with.property('name', 'SyntaxError');
    expect(refused.state).to.equal('idle');
  });

  it('two clients in a room see each other and exchange signals', async () => {
    const room = uniqueName('pair');
    const alice = client({ room, name: 'Alice' });
    const aliceWelcome = await joined(alice);
    const bob = client({ room, name: 'Bob' });
    const bobJoined = nextEvent<CustomEvent<{ id: string; name: string }>>(alice, 'peer-joined');
    const bobWelcome = await joined(bob);
    expect(bobWelcome.peers).to.deep.equal([{ id: aliceWelcome.id, name: 'Alice' }]);
    expect((await bobJoined).detail).to.deep.equal({ id: bobWelcome.id, name: 'Bob' });

    const received = nextEvent<CustomEvent<SignalDetail>>(bob, 'signal');
    alice.signal(bobWelcome.id, { sdp: 'v=0', n: [1, 2, 3] });
    expect((await received).detail).to.deep.equal({ from: aliceWelcome.id, data: { sdp: 'v=0', n: [1, 2, 3] } });
  });

  it('after the relay is stopped and started again it reconnects, keeps its id and rejoins on its own', async () => {
    const room = uniqueName('restart');
    const alice = client({ room });
    const bob = client({ room });
    const aliceId = (await joined(alice)).id;
    const bobId = (await joined(bob)).id;
    const left: string[] = [];
    alice.addEventListener('peer-left', (event) => left.push(event.detail.id));

    const states: string[] = [];
    alice.addEventListener('state', (event) => states.push(event.detail.state));
    await stopRelay('default');
    await until(() => states.includes('reconnecting'), 'alice to start reconnecting');
    expect(alice.id).to.equal(aliceId);

    const aliceBack = nextEvent<CustomEvent<WelcomeDetail>>(alice, 'welcome', 'alice rejoin');
    const bobBack = nextEvent<CustomEvent<WelcomeDetail>>(bob, 'welcome', 'bob rejoin');
    await startRelay('default');
    const [aliceAgain, bobAgain] = await Promise.all([aliceBack, bobBack]);
    expect(aliceAgain.detail.id).to.equal(aliceId);
    expect(aliceAgain.detail.rejoined).to.equal(true);
    expect(bobAgain.detail.id).to.equal(bobId);
    await until(() => alice.peers.some((peer) => peer.id === bobId), 'alice to list bob again');
    expect(left).to.deep.equal([]);

    // And signals flow again, both ways.
    const toBob = nextEvent<CustomEvent<SignalDetail>>(bob, 'signal');
    alice.signal(bobId, 'after restart');
    expect((await toBob).detail).to.deep.equal({ from: aliceId, data: 'after restart' });
  });

  it('when the browser comes back online it reconnects at once instead of waiting out its backoff', async () => {
    const relay = uniqueName('online');
    const url = await startRelay(relay);
    // A 10-minute backoff: without the online shortcut the next attempt would come far too late.
    const alice = client({ url, room: uniqueName('room'), reconnectBaseDelay: 600_000, reconnectMaxDelay: 600_000 });
    const id = (await joined(alice)).id;
    await stopRelay(relay);
    await until(() => alice.state === 'reconnecting', 'alice to notice the outage');
    await startRelay(relay);
    const back = nextEvent<CustomEvent<WelcomeDetail>>(alice, 'welcome', 'the rejoin after online');
    window.dispatchEvent(new Event('online'));
    expect((await back).detail.id).to.equal(id);
    await stopRelay(relay);
  });

  it('queues signals sent while the relay is down and delivers them after the rejoin, whoever is back first', async () => {
    const relay = uniqueName('queue');
    const url = await startRelay(relay);
    const room = uniqueName('room');
    const alice = client({ url, room });
    // Bob reconnects more slowly, so Alice is usually back first: her signals must then wait for
    // him rather than reach a restarted relay that does not know him yet (it would refuse them).
    const bob = client({ url, room, reconnectBaseDelay: 1000, reconnectMaxDelay: 1000 });
    await joined(alice);
    const bobId = (await joined(bob)).id;
    const errors: string[] = [];
    alice.addEventListener('error', (event) => errors.push(event.detail.code));

    await stopRelay(relay);
    await until(() => alice.state === 'reconnecting', 'alice to notice the outage');
    alice.signal(bobId, { n: 1 });
    alice.signal(bobId, { n: 2 });

    const received: unknown[] = [];
    bob.addEventListener('signal', (event) => received.push(event.detail.data));
    await startRelay(relay);
    await until(() => received.length === 2, 'both queued signals');
    expect(received).to.deep.equal([{ n: 1 }, { n: 2 }]);
    expect(errors).to.deep.equal([]);
    await stopRelay(relay);
  });

  it('after a resumed rejoin, signals queued for a peer that left meanwhile are dropped, not refused by the relay', async () => {
    const relay = uniqueName('left');
    const url = await startRelay(relay);
    const room = uniqueName('room');
    // Alice's sockets, to lose her connection the way a network blip does (a close code that is no
    // goodbye keeps her session on the relay for its grace period).
    const sockets: WebSocket[] = [];
    const RealWebSocket = window.WebSocket;
    window.WebSocket = class extends RealWebSocket {
      constructor(address: string | URL) {
        super(address);
        sockets.push(this);
      }
    };
    // A 10-minute backoff: she comes back when the test says `online`.
    const alice = client({ url, room, reconnectBaseDelay: 600_000, reconnectMaxDelay: 600_000 });
    try {
      await joined(alice);
    } finally {
      window.WebSocket = RealWebSocket;
    }
    const bob = client({ url, room });
    const bobId = (await joined(bob)).id;
    await until(() => alice.peers.length === 1, 'alice to see bob');
    const errors: string[] = [];
    alice.addEventListener('error', (event) => errors.push(event.detail.code));

    sockets[0]!.close(4000);
    await until(() => alice.state === 'reconnecting', 'alice to lose her connection');
    alice.signal(bobId, 'for bob');
    bob.close();
    await until(async () => (await relayStats(relay))?.connections === 0, 'the relay to let bob go');

    const left = nextEvent<CustomEvent<{ id: string }>>(alice, 'peer-left', 'bob gone');
    const back = nextEvent<CustomEvent<WelcomeDetail>>(alice, 'welcome', 'alice back');
    window.dispatchEvent(new Event('online'));
    expect((await back).detail.peers).to.deep.equal([]);
    expect((await left).detail.id).to.equal(bobId);
    // A no-such-peer would come right after the flush; a signal to ourselves is answered after it.
    const echo = nextEvent<CustomEvent<SignalDetail>>(alice, 'signal', 'the echo');
    alice.signal(alice.id!, 'echo');
    await echo;
    expect(errors).to.deep.equal([]);
    await stopRelay(relay);
  });

  it('a full room is a fatal error with a hint, and the client stops retrying', async () => {
    const relay = uniqueName('full');
    const url = await startRelay(relay, { maxPeersPerRoom: 1 });
    const room = uniqueName('room');
    await joined(client({ url, room }));

    const second = client({ url, room });
    const error = nextEvent<CustomEvent<SignalingErrorDetail>>(second, 'error');
    second.connect();
    const { detail } = await error;
    expect(detail.code).to.equal('room-full');
    expect(detail.fatal).to.equal(true);
    // The relay's hint names its own limit.
    expect(detail.hint).to.match(/^The room is full \(this relay allows 1 in a room\)\./);
    expect(second.state).to.equal('closed');
    await stopRelay(relay);
  });

  it('reports an unreachable relay once, then keeps retrying quietly', async () => {
    const url = `ws://${location.host}/relays/${uniqueName('nowhere')}/signal`;
    const lost = client({ url, room: 'x' });
    const errors: string[] = [];
    lost.addEventListener('error', (event) => errors.push(event.detail.code));
    const states: string[] = [];
    lost.addEventListener('state', (event) => states.push(event.detail.state));
    lost.connect();
    await until(() => states.filter((state) => state === 'reconnecting').length >= 3, 'three retries');
    expect(errors).to.deep.equal(['connection-failed']);
    expect(lost.state).to.not.equal('closed');
  });
});
