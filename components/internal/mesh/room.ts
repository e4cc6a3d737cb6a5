/**
 * The Room: one per (signaling endpoint, room name) in a page, shared by every element that names
 * it. It holds one SignalingClient and one PeerLink (RTCPeerConnection) per remote peer; labelled
 * channels (RoomChannel) and a call's tracks ride on those links.
 *
 * Elements get it with `Room.acquire()` and give it back with `release()`; the last release closes
 * the socket and every connection. A release is carried out a microtask later, so moving an element
 * in the DOM (disconnect, then connect again at once) keeps the Room.
 *
 * ICE servers are the relay's (renewed with each rejoin, and before each ICE restart: TURN
 * credentials expire) unless an element sets its own.
 *
 * A peer whose join token limits what it may do (`caps`, vouched for by the relay) is held to it
 * here: no channel is opened with a peer without `data`, and the tracks of a peer without `publish`
 * are not passed on.
 *
 * Every link gets a safety code once it is up (room-verification.ts). With a passphrase, a link is
 * held until the peer has proved it knows the passphrase over the link itself: until then none of
 * the elements' channels is opened on it, no `link` event lets a call send its tracks, and the
 * peer's tracks wait. A peer whose proof is missing or wrong is reported (`peer-unverified`), its
 * link closed, and its signals ignored until it leaves the room.
 *
 * Events (CustomEvents): `peer-join` {id, name}, `peer-leave` {id}, `peer-rename` {id, name}, `link` {peer, link} (a new
 * PeerLink may start negotiating: a call adds its tracks here), `track` {peer, track, streams},
 * `safety-code` (SafetyCodeDetail), `peer-error` (PeerErrorDetail). The signaling's own events (`error`, `state`) are on
 * `room.signaling`. An element that starts listening to a Room others already hold gets the `link`
 * and `track` events it missed from replay().
 */
import type { Capability } from '../../../protocol/signaling.js';
import { PeerLink, iceServersRefused, type PeerErrorDetail } from './peer-link.js';
import type { ChannelOptions } from './limits.js';
import { labelCollision, RtcError } from './room-errors.js';
import { RoomVerification, type PeerUnverifiedDetail, type SafetyCodeDetail } from './room-verification.js';
import {
  SignalingClient,
  toWebSocketUrl,
  defaultSignalingUrl,
  type PeerInfo,
  type SignalingClientOptions,
  type SignalingState,
  type TransportChoice,
} from '../signaling/signaling-client.js';

export { RtcError } from './room-errors.js';
export type { PeerUnverifiedDetail, SafetyCodeDetail } from './room-verification.js';

/**
 * What the Room needs of a labelled channel: its label and SCTP stream id, and to be put on each
 * link and taken off it. RoomChannel (messages and files) and CallChannel (a call's JSON) are two;
 * the Room imports neither, so a page loads only the one its elements use.
 */
export interface LinkChannel extends EventTarget {
  readonly label: string;
  readonly streamId: number;
  /** The peers whose end of this channel is open. */
  readonly openPeers: string[];
  attach(link: PeerLink): void;
  detach(peer: string): void;
  close(): void;
}

/** A LinkChannel's class: what channel() makes a channel with. */
export type LinkChannelClass<C extends LinkChannel> = new (label: string, options: ChannelOptions) => C;

/** What a Room is acquired with: a room element's own settings, named as its attributes. */
export interface RoomOptions {
  /** The signaling endpoint; default `defaultSignalingUrl()`: `signal` beside the page's script. */
  signaling?: string;
  /**
   * How to reach it (default `auto`). Not part of the Room's key: elements naming the same endpoint
   * and room share one Room whatever their transport; the sole holder's choice applies.
   */
  transport?: TransportChoice;
  room: string;
  /** Our display name (the first element to acquire the Room sets it; setName() changes it). */
  name?: string;
  /** Overrides the relay's ICE servers. */
  iceServers?: RTCIceServer[];
  /** `relay`: connect through TURN only (the last element to set it decides). Default `all`. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** A join token for a relay that requires one (the last element to set one decides). */
  token?: string;
  /** A site URL answering with a fresh join token, fetched before every join; wins over `token`. */
  tokenUrl?: string;
  /**
   * The room's passphrase: every peer must prove it knows it before anything of its link is used.
   * Part of the Room's key: elements share a Room only when they name the same passphrase (or none).
   */
  passphrase?: string;
  /** How long a connected link may go without the peer's proof of the passphrase, in ms (default 10 s). */
  verifyTimeout?: number;
}

/** The remote track of a `track` event. */
interface TrackDetail {
  peer: string;
  track: MediaStreamTrack;
  streams: readonly MediaStream[];
}

const rooms = new Map<string, Room>();

export class Room extends EventTarget {
  /** Every Room open in this page, by key (for tests and debugging). */
  static readonly open: ReadonlyMap<string, Room> = rooms;

  /** The Room for (signaling, room), created on first use; every acquire needs one `release()`. */
  static acquire(options: RoomOptions): Room {
    const url = options.signaling ? toWebSocketUrl(options.signaling) : defaultSignalingUrl();
    const key = options.passphrase ? `${url} ${options.room} ${options.passphrase}` : `${url} ${options.room}`;
    let room = rooms.get(key);
    if (!room) rooms.set(key, (room = new Room(key, { ...options, url })));
    room.#refs++;
    // An element that changes its `transport` gives the Room back and takes it again at once.
    if (room.#refs === 1) room.signaling.useTransport(options.transport ?? 'auto');
    // A new Room gets its ICE servers here too.
    if (options.iceServers || options.iceTransportPolicy)
      room.setIceConfiguration(options.iceServers, options.iceTransportPolicy ?? 'all');
    if (options.token || options.tokenUrl) room.setToken(options.token, options.tokenUrl);
    return room;
  }

  readonly key: string;
  readonly signaling: SignalingClient;
  /** One PeerLink per remote peer, by peer id. */
  readonly links = new Map<string, PeerLink>();
  #channels = new Map<string, { channel: LinkChannel; refs: number }>();
  /**
   * Peers we make no link to: the browser refused the ICE servers, or the peer failed to prove the
   * room's passphrase (reported once; their signals are dropped until they leave, or a new session
   * of ours starts afresh).
   */
  #refused = new Set<string>();
  /** Links whose channels wait for the other side's first offer (see #link()). */
  #waiting = new Set<PeerLink>();
  /** The `link` and `track` events fired so far on the links still up, for replay(). */
  #past: CustomEvent[] = [];
  readonly #verification: RoomVerification;
  /** Links waiting for the peer's proof of the passphrase, with the peer's tracks held meanwhile. */
  readonly #unverified = new Map<PeerLink, TrackDetail[]>();
  #iceServers: RTCIceServer[] | undefined;
  #iceTransportPolicy: RTCIceTransportPolicy = 'all';
  #refs = 0;

  private constructor(key: string, options: SignalingClientOptions & RoomOptions) {
    super();
    this.key = key;
    this.#verification = new RoomVerification({
      room: options.room,
      passphrase: options.passphrase ?? '',
      timeout: options.verifyTimeout,
      onCode: (detail) => this.#emit('safety-code', detail),
      onFailure: (peer, message, hint) => this.#refuse(peer, message, hint),
    });
    const signaling = (this.signaling = new SignalingClient(options));
    signaling.addEventListener('welcome', ({ detail }) => {
      // A relay that could not resume our session gave us a new id: to the others we are a new
      // peer, so the old links (built on the old id's polite role) go. (On the first welcome there
      // are none yet: nothing comes before it.)
      if (!detail.rejoined) this.#unlinkAll();
      for (const peer of detail.peers) this.#link(peer, true);
    });
    signaling.addEventListener('ice-servers', () => {
      if (!this.#iceServers) this.#applyIceConfiguration();
    });
    signaling.addEventListener('peer-joined', ({ detail }) => this.#link(detail));
    signaling.addEventListener('peer-left', ({ detail }) => this.#unlink(detail.id));
    signaling.addEventListener('peer-renamed', ({ detail }) => this.#emit('peer-rename', detail));
    // A signal from a peer not in our list: it has no name here.
    signaling.addEventListener(
      'signal',
      ({ detail }) => void this.#link({ id: detail.from, name: '' })?.handleSignal(detail.data),
    );
    signaling.connect();
  }

  /** Our id in the room, once joined. */
  get id(): string | null {
    return this.signaling.id;
  }

  get state(): SignalingState {
    return this.signaling.state;
  }

  /** The other peers in the room. */
  get peers(): PeerInfo[] {
    return this.signaling.peers.filter((peer) => this.links.has(peer.id));
  }

  /**
   * The safety codes of the links known so far (a link's is known once it is up, or, with a
   * passphrase, once the peer proved it).
   */
  get safetyCodes(): SafetyCodeDetail[] {
    return [...this.#verification.codes.values()];
  }

  /** Our display name as the others see it. */
  get name(): string {
    return this.signaling.name;
  }

  /**
   * Changes the name the others see (every element sharing this Room speaks under one name: the
   * last one set). An empty name is no change: an element without a name does not erase another's.
   */
  setName(name: string): void {
    if (name) this.signaling.rename(name);
  }

  /**
   * The channel with `label` on every link, a `Kind` (RoomChannel, CallChannel), shared by everyone
   * who asks for it; give it back with releaseChannel(). The first caller's options apply.
   */
  channel<C extends LinkChannel>(label: string, Kind: LinkChannelClass<C>, init: ChannelOptions = {}): C {
    let entry = this.#channels.get(label);
    if (entry && !(entry.channel instanceof Kind)) {
      throw new RtcError(
        'label-collision',
        `Label "${label}" is another kind of element's channel here.`,
        'Rename one.',
      );
    }
    if (!entry) {
      const channel = new Kind(label, init);
      for (const { channel: other } of this.#channels.values()) {
        if (other.streamId === channel.streamId) throw labelCollision(label, other.label);
      }
      this.#channels.set(label, (entry = { channel, refs: 0 }));
      for (const link of this.links.values()) {
        if (this.#isOpen(link) && this.#allows(link.remoteId, 'data')) channel.attach(link);
      }
    }
    entry.refs++;
    return entry.channel as C;
  }

  /** Gives back a channel from channel(), once for every time it was asked for. */
  releaseChannel(channel: LinkChannel): void {
    const entry = this.#channels.get(channel.label)!;
    if (--entry.refs) return;
    queueMicrotask(() => {
      if (entry.refs || this.#channels.get(channel.label) !== entry) return;
      this.#channels.delete(channel.label);
      channel.close();
    });
  }

  /**
   * Calls `listener` with each `link` and `track` event fired so far on the links still up, in
   * order: what an element that starts listening now has missed (a call added beside a chat whose
   * connections are up). Call it in the same task as addEventListener, so nothing is missed
   * and nothing is seen twice.
   */
  replay(listener: (event: CustomEvent) => void): void {
    this.#past.forEach(listener);
  }

  /** Gives the Room back; the last release closes it. */
  release(): void {
    if (--this.#refs) return;
    queueMicrotask(() => {
      if (this.#refs || rooms.get(this.key) !== this) return;
      rooms.delete(this.key);
      // Unlinking detaches every peer from every channel: nothing of a channel is left open.
      this.#unlinkAll();
      this.signaling.close();
    });
  }

  /**
   * The ICE configuration of every link, applied to later gathering (a restart), not to candidates
   * already found: `iceServers` instead of the relay's (undefined: the relay's again), and the
   * transport policy: `relay` connects through TURN servers only, `all` uses any route. Any other
   * policy is `all`, as an enumerated attribute's invalid value is its default (RTCPeerConnection
   * would throw).
   */
  setIceConfiguration(iceServers: RTCIceServer[] | undefined, policy: string): void {
    this.#iceServers = iceServers;
    this.#iceTransportPolicy = policy === 'relay' ? 'relay' : 'all';
    this.#applyIceConfiguration();
  }

  /** The join token, or the URL to fetch one from, for the next joins (a rejoin after a relay restart). */
  setToken(token: string | undefined, tokenUrl: string | undefined): void {
    this.signaling.useToken(token, tokenUrl);
  }

  #applyIceConfiguration(): void {
    for (const link of this.links.values())
      link.setIceConfiguration(this.#configuredIceServers, this.#iceTransportPolicy);
  }

  /** Before an ICE restart: fresh ICE servers from the relay (the `ice-servers` event applies them). */
  async #renewIceServers(): Promise<void> {
    if (!this.#iceServers) await this.signaling.refreshIceServers();
  }

  /** Whether the relay says `peer`'s token allows `capability` (a peer without listed caps may do anything). */
  #allows(peer: string, capability: Capability): boolean {
    const caps = this.signaling.peers.find((info) => info.id === peer)?.caps;
    return !caps || caps.includes(capability);
  }

  get #configuredIceServers(): RTCIceServer[] {
    return this.#iceServers ?? this.signaling.iceServers;
  }

  /**
   * The link to `peer`, created (with every channel on it) the first time. `initiator`: we are the
   * newcomer (the peer was in our `welcome`), so we make the first offer. Undefined when the browser
   * refuses the ICE servers (a `peer-error` says so, once per peer), and for a peer that failed to
   * prove the passphrase.
   */
  #link(peer: PeerInfo, initiator?: boolean): PeerLink | undefined {
    const id = peer.id;
    const existing = this.links.get(id);
    if (existing) return existing;
    if (this.#refused.has(id)) return undefined;
    const signaling = this.signaling;
    let link: PeerLink;
    try {
      link = new PeerLink({
        localId: signaling.id!,
        remoteId: id,
        iceServers: this.#configuredIceServers,
        iceTransportPolicy: this.#iceTransportPolicy,
        renewIceServers: () => this.#renewIceServers(),
        signal: (data) => signaling.signal(id, data),
      });
    } catch (error) {
      this.#refused.add(id);
      this.#emit('peer-error', iceServersRefused(id, error));
      return undefined;
    }
    const pc = link.pc;
    this.links.set(id, link);
    if (this.#verification.required) this.#unverified.set(link, []);
    link.addEventListener('error', (event) => this.#emit('peer-error', (event as CustomEvent<PeerErrorDetail>).detail));
    pc.addEventListener('track', ({ track, streams }) => {
      if (!this.#allows(id, 'publish')) return;
      const detail: TrackDetail = { peer: id, track, streams };
      const held = this.#unverified.get(link);
      if (held) held.push(detail);
      else this.#past.push(this.#emit('track', detail));
    });
    // The newcomer offers first; the peer already there adds its channels (and so its own offer)
    // only once that offer is in. Perfect negotiation would resolve the collision, but Chromium may
    // stall ICE gathering on the polite side when an offer is rolled back while it is gathering.
    // A fallback delay covers a newcomer that has nothing to offer. attach() acts once: afterwards
    // (or once the link is gone) the link is no longer waiting. With a passphrase, the proof's
    // channel is what it adds then; the elements' channels wait for the proof.
    const attach = () => {
      if (!this.#waiting.delete(link)) return;
      void this.#verification.start(link, () => this.#admit(link));
      if (!this.#unverified.has(link)) this.#open(link);
    };
    this.#waiting.add(link);
    if (initiator) attach();
    else {
      pc.addEventListener(
        'signalingstatechange',
        () => pc.signalingState === 'stable' && pc.remoteDescription && attach(),
      );
      setTimeout(attach, 2000);
    }
    this.#emit('peer-join', peer);
    return link;
  }

  /** Whether the elements' channels are on `link`: it is past its first offer, and verified if need be. */
  #isOpen(link: PeerLink): boolean {
    return !this.#waiting.has(link) && !this.#unverified.has(link);
  }

  /** Opens every channel on `link` and lets a call send on it (`link`). */
  #open(link: PeerLink): void {
    const peer = link.remoteId;
    if (this.#allows(peer, 'data')) {
      for (const { channel } of this.#channels.values()) channel.attach(link);
    }
    this.#past.push(this.#emit('link', { peer, link }));
  }

  /** The peer proved the passphrase: its link opens, and the tracks it sent meanwhile are passed on. */
  #admit(link: PeerLink): void {
    const held = this.#unverified.get(link);
    if (!held || this.links.get(link.remoteId) !== link) return;
    this.#unverified.delete(link);
    this.#open(link);
    for (const detail of held) this.#past.push(this.#emit('track', detail));
  }

  /** The peer did not prove the passphrase: reported, its link closed, its signals ignored from now on. */
  #refuse(peer: string, message: string, hint: string): void {
    if (!this.links.has(peer)) return;
    this.#emit('peer-error', { peer, code: 'peer-unverified', message, hint } satisfies PeerUnverifiedDetail);
    this.#unlink(peer);
    // After #unlink, which forgets a peer's refusal (it is also what a peer leaving goes through).
    this.#refused.add(peer);
  }

  #unlink(id: string): void {
    this.#refused.delete(id);
    const link = this.links.get(id);
    if (!link) return;
    this.links.delete(id);
    this.#waiting.delete(link);
    this.#unverified.delete(link);
    this.#verification.stop(link);
    this.#past = this.#past.filter((event) => event.detail.peer !== id);
    for (const { channel } of this.#channels.values()) channel.detach(id);
    link.close();
    this.#emit('peer-leave', { id });
  }

  #unlinkAll(): void {
    this.#refused.clear();
    // Deleting from a Map while iterating it is safe.
    for (const id of this.links.keys()) this.#unlink(id);
  }

  #emit(type: string, detail: object): CustomEvent {
    const event = new CustomEvent(type, { detail });
    this.dispatchEvent(event);
    return event;
  }
}
