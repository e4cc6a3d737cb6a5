// Signaling over WebSocket and over SSE + POST in Chromium: the client's choice of transport, a
// switch mid-session, what counts as leaving, and the elements behind a real nginx (tests/nginx.ts)
// that breaks WebSocket upgrades or passes them.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-call.js';
import '../../components/rtc-datachannel.js';
import type { RtcCall } from '../../components/rtc-call.js';
import type { RtcDatachannel } from '../../components/rtc-datachannel.js';
import { Room } from '../../components/internal/mesh/room.js';
import {
  SignalingClient,
  toWebSocketUrl,
  type SignalingClientOptions,
  type TransportChoice,
  type SignalingErrorDetail,
  type SignalDetail,
  type WelcomeDetail,
} from '../../components/internal/signaling/signaling-client.js';
import {
  blockWebSocket,
  cutWebSockets,
  freshRoom,
  nextEvent,
  relayStats,
  startNginx,
  startRelay,
  stopNginx,
  uniqueName,
  until,
} from './helpers.js';

const open: SignalingClient[] = [];

function client(options: SignalingClientOptions): SignalingClient {
  const created = new SignalingClient({ reconnectBaseDelay: 50, reconnectMaxDelay: 300, ...options });
  open.push(created);
  return created;
}

async function joined(created: SignalingClient): Promise<WelcomeDetail> {
  const welcome = nextEvent<CustomEvent<WelcomeDetail>>(created, 'welcome', `${created.room} welcome`);
  created.connect();
  return (await welcome).detail;
}

/** Everything `type` fires on `target` from now on. */
function record<T>(target: EventTarget, type: string): T[] {
  const seen: T[] = [];
  target.addEventListener(type, (event) => seen.push((event as CustomEvent<T>).detail));
  return seen;
}

/**
 * The next signal `to` gets from `from`, sent now: proof that everything the relay sent `to` before
 * it (a peer-left, say) has been handled.
 */
async function roundTrip(from: SignalingClient, to: SignalingClient, data: string): Promise<void> {
  const received = nextEvent<CustomEvent<SignalDetail>>(to, 'signal', `signal ${data}`);
  from.signal(to.id!, data);
  expect((await received).detail).to.deep.equal({ from: from.id, data });
}

/** A relay whose lost peers keep their place long enough to tell a loss from a leave. */
async function patientRelay(): Promise<{ relay: string; url: string; room: string }> {
  const relay = uniqueName('relay');
  return { relay, url: await startRelay(relay, { resumeGrace: 60_000 }), room: uniqueName('room') };
}

afterEach(() => {
  for (const created of open.splice(0)) created.close();
});

describe('signaling transports', () => {
  it('a client over SSE and one over WebSocket share a room and exchange signals', async () => {
    const { url, room } = await freshRoom();
    const alice = client({ url, room, transport: 'sse' });
    const bob = client({ url, room, transport: 'websocket' });
    await joined(alice);
    const bobWelcome = await joined(bob);
    expect(alice.transport).to.equal('sse');
    expect(bob.transport).to.equal('websocket');
    expect(bobWelcome.peers.map((peer) => peer.id)).to.deep.equal([alice.id]);
    await roundTrip(alice, bob, 'over SSE');
    await roundTrip(bob, alice, 'over WebSocket');
  });

  it('a transport value that is none of auto, websocket and sse is auto', async () => {
    const { url, room } = await freshRoom();
    const odd = client({ url, room, transport: 'carrier-pigeon' as TransportChoice });
    expect(odd.transport).to.equal('websocket');
    await joined(odd);
    expect(odd.transport).to.equal('websocket');
  });

  it('auto goes to SSE at once when WebSocket is refused, reports no error, and the page keeps SSE for that relay', async () => {
    const { relay, url, room } = await freshRoom();
    await blockWebSocket(relay);
    const alice = client({ url, room, reconnectBaseDelay: 60_000 });
    const errors = record<SignalingErrorDetail>(alice, 'error');
    expect(alice.transport).to.equal('websocket');
    await joined(alice); // a backoff of up to a minute would time this out: the switch is immediate
    expect(alice.transport).to.equal('sse');
    expect(errors).to.deep.equal([]);
    expect((await relayStats(relay))?.transports).to.deep.equal({ websocket: 0, sse: 1 });

    const later = client({ url, room });
    expect(later.transport).to.equal('sse', 'what worked is what this page uses for that relay');
    await joined(later);
    await roundTrip(later, alice, 'straight to SSE');
  });

  it('auto goes to SSE when a WebSocket upgrade goes unanswered past the fallback timeout', async () => {
    const { relay, url, room } = await freshRoom();
    await blockWebSocket(relay, true, 'hang');
    const alice = client({ url, room, fallbackTimeout: 300, reconnectBaseDelay: 60_000 });
    const errors = record<SignalingErrorDetail>(alice, 'error');
    await joined(alice);
    expect(alice.transport).to.equal('sse');
    expect(errors).to.deep.equal([]);
    await cutWebSockets(relay); // the upgrade still held
  });

  it('a peer whose WebSocket is cut and then refused goes to SSE, keeps its id, and the others see no leave', async () => {
    const { relay, url, room } = await patientRelay();
    const alice = client({ url, room });
    const bob = client({ url, room, transport: 'sse' });
    const aliceId = (await joined(alice)).id;
    await joined(bob);
    expect(alice.transport).to.equal('websocket');
    const left = record<{ id: string }>(bob, 'peer-left');
    const joinedAgain = record<{ id: string }>(bob, 'peer-joined');

    const rejoined = nextEvent<CustomEvent<WelcomeDetail>>(alice, 'welcome', 'the rejoin');
    await blockWebSocket(relay);
    expect((await rejoined).detail.rejoined).to.equal(true);
    expect(alice.id).to.equal(aliceId);
    expect(alice.transport).to.equal('sse');
    await roundTrip(alice, bob, 'same peer, new transport');
    expect(left).to.deep.equal([]);
    expect(joinedAgain).to.deep.equal([]);
  });

  it('useTransport() moves a joined client to the other transport with its id; the others see no leave', async () => {
    const { url, room } = await patientRelay();
    const alice = client({ url, room, transport: 'websocket' });
    const bob = client({ url, room, transport: 'websocket' });
    const aliceId = (await joined(alice)).id;
    await joined(bob);
    const left = record<{ id: string }>(bob, 'peer-left');

    const rejoined = nextEvent<CustomEvent<WelcomeDetail>>(alice, 'welcome', 'the rejoin over SSE');
    alice.useTransport('sse');
    expect((await rejoined).detail.rejoined).to.equal(true);
    expect(alice.id).to.equal(aliceId);
    expect(alice.transport).to.equal('sse');
    await roundTrip(alice, bob, 'moved');
    expect(left).to.deep.equal([]);
  });

  it('a browser WebSocket closed with ws.close() (no code) leaves at once: the others get peer-left', async () => {
    const { url, room } = await patientRelay();
    const bob = client({ url, room });
    await joined(bob);
    const peerJoined = nextEvent<CustomEvent<{ id: string }>>(bob, 'peer-joined');
    const socket = new WebSocket(url);
    socket.onopen = () => socket.send(JSON.stringify({ type: 'join', room }));
    const id = (await peerJoined).detail.id;
    const peerLeft = nextEvent<CustomEvent<{ id: string }>>(bob, 'peer-left', 'peer-left well within the 60 s grace');
    socket.close();
    expect((await peerLeft).detail.id).to.equal(id);
  });

  it('a client that closes over SSE leaves at once: the others get peer-left', async () => {
    const { url, room } = await patientRelay();
    const alice = client({ url, room, transport: 'sse' });
    const bob = client({ url, room });
    await joined(alice);
    await joined(bob);
    const peerLeft = nextEvent<CustomEvent<{ id: string }>>(bob, 'peer-left', 'peer-left well within the 60 s grace');
    const aliceId = alice.id;
    alice.close();
    expect((await peerLeft).detail.id).to.equal(aliceId);
  });

  it('a WebSocket lost without a close frame keeps its place: it resumes and the others see no leave', async () => {
    const { relay, url, room } = await patientRelay();
    const alice = client({ url, room, transport: 'websocket' });
    const bob = client({ url, room, transport: 'sse' });
    await joined(alice);
    await joined(bob);
    const left = record<{ id: string }>(bob, 'peer-left');
    const rejoined = nextEvent<CustomEvent<WelcomeDetail>>(alice, 'welcome', 'the resume');
    await cutWebSockets(relay);
    expect((await rejoined).detail.rejoined).to.equal(true);
    await roundTrip(alice, bob, 'back from a loss');
    expect(left).to.deep.equal([]);
  });
});

describe('the transport attribute', () => {
  it('transport="sse" joins over SSE; changing it to websocket moves the Room there with the same id', async () => {
    const { relay, url, room } = await patientRelay();
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} transport="sse" signaling=${`${url}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} transport="sse" signaling=${`${url}?peer=b`}></rtc-datachannel>
    </div>`);
    const [a, b] = [...host.querySelectorAll('rtc-datachannel')];
    await nextEvent(b!, 'rtc-open', 'the channel open at b');
    expect((await relayStats(relay))?.transports).to.deep.equal({ websocket: 0, sse: 2 });
    const shared = [...Room.open.values()].find((r) => r.key === `${toWebSocketUrl(a!.signaling)} ${room}`)!;
    const id = shared.id;
    const left: Event[] = [];
    b!.addEventListener('rtc-peer-leave', (event) => left.push(event));

    a!.transport = 'websocket';
    await until(() => shared.signaling.transport === 'websocket' && shared.state === 'joined', 'a over WebSocket');
    expect(shared.id).to.equal(id);
    const received = nextEvent<CustomEvent<{ data: unknown }>>(b!, 'rtc-message');
    a!.send('moved');
    expect((await received).detail.data).to.equal('moved');
    await until(async () => (await relayStats(relay))?.transports.websocket === 1, 'the relay to see a over WebSocket');
    expect(left).to.deep.equal([]);
  });
});

describe('elements behind nginx', () => {
  let nginx = '';
  afterEach(async () => {
    if (nginx) await stopNginx(nginx);
    nginx = '';
  });

  function roomOf(el: RtcDatachannel | RtcCall): Room {
    return [...Room.open.values()].find((room) => room.key === `${toWebSocketUrl(el.signaling)} ${el.room}`)!;
  }

  async function datachannelPair(signaling: string, room: string): Promise<RtcDatachannel[]> {
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-datachannel room=${room} signaling=${`${signaling}?peer=a`}></rtc-datachannel>
      <rtc-datachannel room=${room} signaling=${`${signaling}?peer=b`}></rtc-datachannel>
    </div>`);
    return [...host.querySelectorAll('rtc-datachannel')];
  }

  it('configured without upgrade headers: WebSocket fails, the elements join over SSE on their own and a data channel works', async () => {
    const { relay, room } = await freshRoom();
    nginx = await startNginx('naive');
    const errors: Event[] = [];
    document.addEventListener('rtc-peer-error', (event) => errors.push(event));
    const [a, b] = await datachannelPair(`${nginx}/relays/${relay}/signal`, room);
    await until(() => a!.peers.length === 1 && b!.peers.length === 1, 'both elements to see each other');
    const opened = nextEvent(b!, 'rtc-open', 'the channel open at b');
    await opened;
    const received = nextEvent<CustomEvent<{ data: unknown }>>(b!, 'rtc-message');
    a!.send('through a naive proxy');
    expect((await received).detail.data).to.equal('through a naive proxy');
    expect(roomOf(a!).signaling.transport).to.equal('sse');
    expect(roomOf(b!).signaling.transport).to.equal('sse');
    expect((await relayStats(relay))?.transports).to.deep.equal({ websocket: 0, sse: 2 });
    expect(errors).to.deep.equal([]);
  });

  it('configured without upgrade headers: a call over SSE signaling has video both ways', async () => {
    const { relay, room } = await freshRoom();
    nginx = await startNginx('naive');
    const signaling = `${nginx}/relays/${relay}/signal`;
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-call autojoin video="320x240" room=${room} name="a" signaling=${`${signaling}?peer=a`}></rtc-call>
      <rtc-call autojoin video="320x240" room=${room} name="b" signaling=${`${signaling}?peer=b`}></rtc-call>
    </div>`);
    const calls = [...host.querySelectorAll('rtc-call')];
    await until(
      () =>
        calls.every(
          (el) =>
            [...el.shadowRoot!.querySelectorAll<HTMLVideoElement>('[part=tile] video')].filter((v) => v.videoWidth > 0)
              .length === 1,
        ),
      'each call playing the other one’s video',
      25_000,
    );
    expect(calls.map((el) => roomOf(el).signaling.transport)).to.deep.equal(['sse', 'sse']);
  });

  it('configured with upgrade headers: the elements use WebSocket', async () => {
    const { relay, room } = await freshRoom();
    nginx = await startNginx('websocket');
    const [a, b] = await datachannelPair(`${nginx}/relays/${relay}/signal`, room);
    await nextEvent(b!, 'rtc-open', 'the channel open at b');
    const received = nextEvent<CustomEvent<{ data: unknown }>>(a!, 'rtc-message');
    b!.send('through a proxy that passes upgrades');
    expect((await received).detail.data).to.equal('through a proxy that passes upgrades');
    expect(roomOf(a!).signaling.transport).to.equal('websocket');
    expect((await relayStats(relay))?.transports).to.deep.equal({ websocket: 2, sse: 0 });
  });
});
