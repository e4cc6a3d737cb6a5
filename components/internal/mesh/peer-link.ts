/**
 * One RTCPeerConnection to one remote peer of a Room. It carries every element's data channels and
 * a call's tracks; negotiation is automatic (any addTrack/createDataChannel/restartIce starts one).
 *
 * - Perfect negotiation, as in the W3C example (WebRTC 1.0, section 10.7): the polite peer rolls
 *   back its own offer on a collision, the impolite one ignores the other's; both converge.
 * - Trickle ICE: candidates are signalled as they are found. One that arrives before the
 *   description it belongs to (a peer that sends its candidates first, or a restart's candidates
 *   overtaking its offer) is held and added once that description is in, never an error.
 * - ICE restart when the connection goes `failed`, stays `disconnected` past a short delay, or ICE
 *   never starts; a bounded number of attempts, then one `error` event with a hint about TURN.
 *
 * It never touches the DOM or the signaling socket: signals go out through `options.signal`,
 * come in through `handleSignal()`.
 */
import type { JsonValue } from '../signaling/signaling-client.js';

export interface PeerLinkOptions {
  /** Our id in the room (decides the polite role together with `remoteId`). */
  localId: string;
  remoteId: string;
  iceServers?: RTCIceServer[];
  /** Sends a signal to the remote peer (through the relay). */
  signal: (data: JsonValue) => void;
  /**
   * How long ICE may stay `disconnected`, or not start checking at all once an offer/answer exchange
   * is complete, before an ICE restart, in ms. Default 3000.
   */
  stallTimeout?: number;
  /** ICE restarts tried before giving up with `ice-failed`. Default 3. */
  maxIceRestarts?: number;
}

export type PeerErrorCode = 'ice-failed' | 'negotiation-failed' | 'ice-servers-refused';

export interface PeerErrorDetail {
  /** The remote peer's id. */
  peer: string;
  code: PeerErrorCode;
  message: string;
  hint: string;
}

/**
 * The error for ICE servers the browser refuses: RTCPeerConnection's constructor and
 * setConfiguration() throw on a URL they will not use (a turn: URL without credentials, a port the
 * browser blocks, such as 7 or 9 in Firefox), and then no connection to `peer` can use them.
 */
export function iceServersRefused(peer: string, error: unknown): PeerErrorDetail {
  return {
    peer,
    code: 'ice-servers-refused',
    // The browser's message names the fault ("Both username and credential are required...").
    message: `${peer}: ${(error as Error).message}`,
    hint: 'Check the ICE server URLs (`ice-servers`, or the relay’s).',
  };
}

/**
 * The signal payloads PeerLinks exchange (the relay forwards them untouched). They carry the
 * RTCSessionDescription and RTCIceCandidate objects themselves: JSON.stringify calls their toJSON().
 */
type LinkSignal = { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit };

/** Candidates held for a description not yet in; past this the oldest go (a peer sending junk). */
const MAX_HELD_CANDIDATES = 200;

/** What getStats() says of a link, for a call's quality meter and speaking ring. */
export interface LinkStats {
  /** The selected candidate pair's current round-trip time, in seconds (0 when unknown). */
  rtt: number;
  /** The share of inbound packets lost since the last stats() call, 0 to 1. */
  loss: number;
  /** The remote audio's level since the last stats() call, 0 to 1 (0 without remote audio). */
  audioLevel: number;
}

/**
 * Events: `state` {state: RTCPeerConnectionState}, `error` (PeerErrorDetail): both CustomEvents.
 * The constructor throws when the browser refuses `iceServers` (see iceServersRefused()).
 */
export class PeerLink extends EventTarget {
  readonly pc: RTCPeerConnection;
  readonly remoteId: string;
  /** The polite peer yields on an offer collision; the one with the larger id is polite. */
  readonly polite: boolean;

  #signal: (data: JsonValue) => void;
  #stallTimeout: number;
  #maxIceRestarts: number;
  // Perfect negotiation state (the W3C example's names); unset is false.
  #makingOffer?: boolean;
  #ignoreOffer?: boolean;
  #isSettingRemoteAnswerPending?: boolean;
  #iceRestarts = 0;
  /** Candidates that came before their description, oldest first. */
  #heldCandidates: RTCIceCandidateInit[] = [];
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #closed?: boolean;

  constructor({ localId, remoteId, iceServers, signal, stallTimeout = 3000, maxIceRestarts = 3 }: PeerLinkOptions) {
    super();
    this.#signal = signal;
    this.#stallTimeout = stallTimeout;
    this.#maxIceRestarts = maxIceRestarts;
    this.remoteId = remoteId;
    this.polite = localId > remoteId;
    // One transport for everything (every peer is one of ours, and bundles): no section ever gathers
    // on its own. With the default policy Firefox gives a section a transport of its own while an
    // offer is pending, and the connection reports `connecting` at each renegotiation.
    const pc = (this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' }));
    // Listeners rather than on* handlers: Firefox runs an RTCPeerConnection's on* handler only for
    // the events it fires itself, so a test that dispatches `connectionstatechange` (ICE cannot be
    // made to fail on loopback) would not reach one.
    pc.addEventListener('negotiationneeded', async () => {
      this.#makingOffer = true;
      await this.#sendDescription();
      this.#makingOffer = false;
    });
    pc.addEventListener('icecandidate', ({ candidate }) => candidate && this.#send({ candidate }));
    pc.addEventListener('connectionstatechange', () => {
      const state = pc.connectionState;
      clearTimeout(this.#disconnectedTimer);
      if (state === 'connected') this.#iceRestarts = 0;
      else if (state === 'failed') this.#restartIce();
      // `disconnected` often heals by itself (a brief loss of packets); restart only if it lasts.
      else if (state === 'disconnected')
        this.#disconnectedTimer = setTimeout(() => this.#restartIce(), this.#stallTimeout);
      this.#emit('state', { state });
    });
    // Seen in Chromium: a gathering that never yields a candidate after a negotiation, leaving ICE
    // `new` for good. A restart gathers afresh (and counts against the same bound).
    pc.addEventListener('signalingstatechange', () => {
      clearTimeout(this.#stallTimer);
      if (pc.signalingState === 'stable' && pc.iceConnectionState === 'new') {
        this.#stallTimer = setTimeout(() => pc.iceConnectionState === 'new' && this.#restartIce(), this.#stallTimeout);
      }
    });
  }

  get state(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  /**
   * ICE servers for later gathering (an ICE restart); the rest of the configuration stays as it is.
   * Servers the browser refuses are an `error` (`ice-servers-refused`), and the link keeps the
   * ones it has.
   */
  setIceServers(iceServers: RTCIceServer[]): void {
    try {
      // setConfiguration() throws if the bundle policy it is given differs, and the default differs.
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
    } catch (error) {
      if (!this.#closed) this.#emit('error', iceServersRefused(this.remoteId, error));
    }
  }

  /** Both peers call this with the same label and id: the channel opens without an offer of its own. */
  dataChannel(label: string, id: number, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = this.pc.createDataChannel(label, { ...init, negotiated: true, id });
    channel.binaryType = 'arraybuffer';
    return channel;
  }

  /**
   * Gives the connection a media section of each kind (audio, video) it has none of yet, receiving
   * until a track is added (`addTrack` takes it over). A call calls this on each new link, before
   * it first negotiates: the first offer (the newcomer's, see Room) then settles the media sections
   * and their RTP header extension ids, and later offers only change directions, even when both
   * peers make one at once.
   *
   * Without it, two peers that add their tracks at the same moment each offer new media sections,
   * each numbering the header extensions its own way (Chromium and Firefox differ). Perfect
   * negotiation has the polite peer roll its offer back and take the other's; but Chromium (148 and
   * later) keeps the ids of an offer it rolled back and refuses one that gives such an id to another
   * extension ("RTP extension ID reassignment not supported"), after which that connection cannot
   * negotiate media at all. On the other side of the link (the peer that answers the first offer)
   * the sections come with that offer, and this adds nothing.
   */
  reserveMedia(): void {
    const kinds = new Set(this.pc.getTransceivers().map((transceiver) => transceiver.receiver.track.kind));
    for (const kind of ['audio', 'video']) {
      if (!kinds.has(kind)) this.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
  }

  /** A signal from the remote peer's PeerLink. */
  async handleSignal(data: JsonValue): Promise<void> {
    const { description, candidate } = (data ?? {}) as LinkSignal;
    const pc = this.pc;
    try {
      if (description) {
        // "Ready for an offer" also when our answer is being applied: that ends in `stable`.
        const readyForOffer =
          !this.#makingOffer && (pc.signalingState === 'stable' || this.#isSettingRemoteAnswerPending);
        const offerCollision = description.type === 'offer' && !readyForOffer;
        this.#ignoreOffer = !this.polite && offerCollision;
        if (this.#ignoreOffer) return;
        this.#isSettingRemoteAnswerPending = description.type === 'answer';
        // On a collision the polite side rolls back implicitly (setRemoteDescription does it).
        await pc.setRemoteDescription(description);
        this.#isSettingRemoteAnswerPending = false;
        await this.#addHeldCandidates();
        if (description.type === 'offer') await this.#sendDescription();
      } else if (candidate) {
        if (this.#belongsToRemoteDescription(candidate)) await pc.addIceCandidate(candidate);
        else this.#holdCandidate(candidate);
      }
    } catch (error) {
      // Candidates of an offer we ignored have nowhere to go; that is expected.
      if (!candidate || !this.#ignoreOffer) this.#negotiationFailed(error);
    }
  }

  /**
   * Whether the remote description this candidate belongs to is in: there is one, and its ICE
   * username fragment is the candidate's (a candidate names it; RFC 8839 section 5.4).
   */
  #belongsToRemoteDescription(candidate: RTCIceCandidateInit): boolean {
    const remote = this.pc.remoteDescription;
    if (!remote) return false;
    const ufrag = candidate.usernameFragment;
    return !ufrag || remote.sdp.includes(`a=ice-ufrag:${ufrag}\r\n`);
  }

  #holdCandidate(candidate: RTCIceCandidateInit): void {
    if (this.#heldCandidates.push(candidate) > MAX_HELD_CANDIDATES) this.#heldCandidates.shift();
  }

  /** Adds the held candidates the new remote description accepts; the others wait on. */
  async #addHeldCandidates(): Promise<void> {
    const held = this.#heldCandidates;
    this.#heldCandidates = [];
    for (const candidate of held) {
      if (this.#belongsToRemoteDescription(candidate)) await this.pc.addIceCandidate(candidate);
      else this.#holdCandidate(candidate);
    }
  }

  /** Closes the connection and every channel on it. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#disconnectedTimer);
    clearTimeout(this.#stallTimer);
    this.pc.close();
  }

  /** setLocalDescription() without arguments: the offer or answer the current state calls for. */
  async #sendDescription(): Promise<void> {
    try {
      await this.pc.setLocalDescription();
      this.#send({ description: this.pc.localDescription! });
    } catch (error) {
      this.#negotiationFailed(error);
    }
  }

  #restartIce(): void {
    // Bounded: after the last attempt, one error and no more restarts until it connects again.
    const attempt = ++this.#iceRestarts;
    if (attempt <= this.#maxIceRestarts)
      this.pc.restartIce(); // fires negotiationneeded: an offer with new ICE credentials
    else if (attempt === this.#maxIceRestarts + 1)
      this.#fail('ice-failed', `No route to ${this.remoteId}.`, 'A TURN server is needed (`ice-servers`).');
  }

  #send(data: LinkSignal): void {
    if (!this.#closed) this.#signal(data as JsonValue);
  }

  /** Reports an error, unless the link is closed (what fails then fails because it is). */
  #fail(code: PeerErrorCode, message: string, hint: string): void {
    if (!this.#closed) this.#emit('error', { peer: this.remoteId, code, message, hint } satisfies PeerErrorDetail);
  }

  /** A step of the offer/answer exchange (or a candidate) failed. */
  #negotiationFailed(error: unknown): void {
    this.#fail('negotiation-failed', `${this.remoteId}: ${(error as Error).message}`, 'Update both browsers.');
  }

  #emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // ---- a call's media ----------------------------------------------------------------------

  /** What the last stats() call counted, to report the loss and the audio level since then. */
  #counted = { lost: 0, received: 0, energy: 0, duration: 0 };

  /** Sends `tracks` (of `stream`, which the other side receives them in); starts a negotiation. */
  sendTracks(tracks: readonly MediaStreamTrack[], stream: MediaStream): void {
    for (const track of tracks) this.pc.addTrack(track, stream);
  }

  /**
   * Sends `track` instead of the track of its kind sent now, without a negotiation (replaceTrack).
   * A sender that sends nothing (after stopSending()) is left alone.
   */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    for (const sender of this.pc.getSenders()) {
      if (sender.track?.kind === track.kind) await sender.replaceTrack(track);
    }
  }

  /** Stops sending every track: the other side's receivers end. The link (and its channels) stays. */
  stopSending(): void {
    if (this.#closed) return;
    for (const sender of this.pc.getSenders()) this.pc.removeTrack(sender);
  }

  /** Round-trip time, recent loss and remote audio level, from getStats(). */
  async stats(): Promise<LinkStats> {
    const result: LinkStats = { rtt: 0, loss: 0, audioLevel: 0 };
    const counted = { lost: 0, received: 0, energy: 0, duration: 0 };
    let instant = 0;
    for (const report of (await this.pc.getStats()).values()) {
      // The pair in use (Chromium marks it `nominated`; Firefox also `selected`).
      if (report.type === 'candidate-pair' && report.nominated && report.currentRoundTripTime !== undefined)
        result.rtt = report.currentRoundTripTime;
      if (report.type === 'inbound-rtp') {
        counted.lost += report.packetsLost ?? 0;
        counted.received += report.packetsReceived ?? 0;
        if (report.kind === 'audio') {
          counted.energy += report.totalAudioEnergy ?? 0;
          counted.duration += report.totalSamplesDuration ?? 0;
          instant = report.audioLevel ?? 0;
        }
      }
    }
    const previous = this.#counted;
    const lost = Math.max(0, counted.lost - previous.lost);
    const received = Math.max(0, counted.received - previous.received);
    if (lost + received > 0) result.loss = lost / (lost + received);
    // The level over the whole interval (webrtc-stats: the square root of the energy over the
    // duration), so a short sound between two calls counts; `audioLevel` alone is a moment.
    const duration = counted.duration - previous.duration;
    result.audioLevel = duration > 0 ? Math.sqrt(Math.max(0, counted.energy - previous.energy) / duration) : instant;
    this.#counted = counted;
    return result;
  }
}
