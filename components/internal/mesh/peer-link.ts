/**
 * One RTCPeerConnection to one remote peer of a Room. It carries every element's data channels and
 * a call's tracks; negotiation is automatic (any addTrack/createDataChannel/restartIce starts one).
 * What a call does with its media on a link is link-media.ts's (pages without a call skip it).
 *
 * - Perfect negotiation, as in the W3C example (WebRTC 1.0, section 10.7): the polite peer rolls
 *   back its own offer on a collision, the impolite one ignores the other's, and the candidates that
 *   come with it; both converge.
 * - Trickle ICE: candidates are signalled as they are found. One that arrives before the
 *   description it belongs to (a peer that sends its candidates first, or a restart's candidates
 *   overtaking its offer) is held and added once that description is in, never an error.
 * - ICE restart when the connection goes `failed`, stays `disconnected` past a short delay, or ICE
 *   never starts, each with ICE servers renewed first (TURN credentials expire), as before answering
 *   the peer's restart; a bounded number of attempts, then one `error` event whose hint says what
 *   the TURN servers answered.
 *
 * It never touches the DOM or the signaling socket: signals go out through `options.signal`,
 * come in through `handleSignal()`. A call's media on a link (sending tracks, stats) is in
 * link-media.ts, which only a call's page loads.
 */
import type { JsonValue } from '../signaling/signaling-client.js';

export interface PeerLinkOptions {
  /** Our id in the room (decides the polite role together with `remoteId`). */
  localId: string;
  remoteId: string;
  iceServers?: RTCIceServer[];
  /** `relay`: TURN candidates only. Default `all`. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * Renews the ICE servers (setIceConfiguration()) before an ICE restart, which waits for it: TURN
   * credentials older than their lifetime would be refused.
   */
  renewIceServers?: () => Promise<void>;
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

/** A session description's (first) ICE username fragment: bundled, every section has the same. */
function iceUfrag(sdp: string): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
}

/**
 * `icecandidateerror` codes (WebRTC 1.0 section 4.8.3): a TURN server's STUN error codes (RFC 8656
 * section 6.3), or 700-799 for failures that never reached a server.
 */
const IceErrorCodes = {
  /** The TURN server does not know the credentials (wrong secret, or expired). */
  Unauthorized: 401,
  /** The credentials differ from those the allocation was made with. */
  WrongCredentials: 441,
  /** Chromium: the server could not be reached (no answer, or its host name did not resolve). */
  Unreachable: 701,
} as const;

/** The hint of `ice-failed`, by what the TURN servers said while the link tried. */
const IceFailureHints = {
  noTurn: 'A TURN server is needed (`ice-servers`).',
  refused:
    "The TURN server refused the TURN credentials (wrong or expired): the relay's --turn-secret must be its static-auth-secret.",
  unreachable: 'The TURN server could not be reached: check its URL and that it runs.',
} as const;

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
  #renewIceServers: (() => Promise<void>) | undefined;
  #stallTimeout: number;
  #maxIceRestarts: number;
  // Perfect negotiation state (the W3C example's names); unset is false.
  #makingOffer?: boolean;
  #ignoreOffer?: boolean;
  #isSettingRemoteAnswerPending?: boolean;
  #iceRestarts = 0;
  /** What TURN servers answered since the link was last connected (for the `ice-failed` hint). */
  #turnRefused = false;
  #turnUnreachable = false;
  /** Candidates that came before their description, oldest first. */
  #heldCandidates: RTCIceCandidateInit[] = [];
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #closed?: boolean;

  constructor({
    localId,
    remoteId,
    iceServers,
    iceTransportPolicy,
    renewIceServers,
    signal,
    stallTimeout = 3000,
    maxIceRestarts = 3,
  }: PeerLinkOptions) {
    super();
    this.#signal = signal;
    this.#renewIceServers = renewIceServers;
    this.#stallTimeout = stallTimeout;
    this.#maxIceRestarts = maxIceRestarts;
    this.remoteId = remoteId;
    this.polite = localId > remoteId;
    // One transport for everything (every peer is one of ours, and bundles): no section ever gathers
    // on its own. With the default policy Firefox gives a section a transport of its own while an
    // offer is pending, and the connection reports `connecting` at each renegotiation.
    const pc = (this.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy, bundlePolicy: 'max-bundle' }));
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
      if (state === 'connected') this.#connected();
      else if (state === 'failed') void this.restartIce();
      // `disconnected` often heals by itself (a brief loss of packets); restart only if it lasts.
      else if (state === 'disconnected')
        this.#disconnectedTimer = setTimeout(() => void this.restartIce(), this.#stallTimeout);
      this.#emit('state', { state });
    });
    // Seen in Chromium: a gathering that never yields a candidate after a negotiation, leaving ICE
    // `new` for good. A restart gathers afresh (and counts against the same bound).
    pc.addEventListener('signalingstatechange', () => {
      clearTimeout(this.#stallTimer);
      if (pc.signalingState === 'stable' && pc.iceConnectionState === 'new') {
        this.#stallTimer = setTimeout(
          () => pc.iceConnectionState === 'new' && void this.restartIce(),
          this.#stallTimeout,
        );
      }
    });
    pc.addEventListener('icecandidateerror', (event) => this.#onCandidateError(event));
  }

  get state(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  /**
   * The ICE servers and policy for later gathering (an ICE restart), not for candidates already
   * found; the rest of the configuration stays. Servers the browser refuses are an `error`
   * (`ice-servers-refused`), and the link keeps the ones it has.
   */
  setIceConfiguration(iceServers: RTCIceServer[], iceTransportPolicy: RTCIceTransportPolicy): void {
    try {
      // setConfiguration() resets what it is not given, and throws if that changes the bundle policy.
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers, iceTransportPolicy });
    } catch (error) {
      if (!this.#closed) this.#emit('error', iceServersRefused(this.remoteId, error));
    }
  }

  /**
   * Restarts ICE with renewed ICE servers. The link does it itself when the connection fails or
   * stalls, a bounded number of times until it is connected again; then it gives up with one
   * `ice-failed` error.
   */
  async restartIce(): Promise<void> {
    const attempt = ++this.#iceRestarts;
    if (attempt === this.#maxIceRestarts + 1)
      this.#fail('ice-failed', `No route to ${this.remoteId}.`, this.#iceFailureHint());
    if (attempt > this.#maxIceRestarts) return;
    // In a call older than the TURN credentials' lifetime, the old ones would be refused.
    await this.#renewIceServers?.();
    // restartIce() fires negotiationneeded: an offer with new ICE credentials.
    if (!this.#closed) this.pc.restartIce();
  }

  /** Both peers call this with the same label and id: the channel opens without an offer of its own. */
  dataChannel(label: string, id: number, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = this.pc.createDataChannel(label, { ...init, negotiated: true, id });
    channel.binaryType = 'arraybuffer';
    return channel;
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
        if (this.#ignoreOffer) {
          // Its candidates (held ones and those still to come, until the peer's next description) go
          // too, as they do in the W3C example. Holding them for the peer's answer was wrong: Firefox
          // answers with the ICE credentials of the offer it rolled back, so they looked like the
          // answer's, yet they name the ports of a transport the rollback dropped. With them, ICE now
          // and then reported `connected` while DTLS never completed (docs/browsers.md).
          this.#heldCandidates = [];
          return;
        }
        this.#isSettingRemoteAnswerPending = description.type === 'answer';
        const restart = description.type === 'offer' && this.#restartsIce(description);
        // On a collision the polite side rolls back implicitly (setRemoteDescription does it).
        await pc.setRemoteDescription(description);
        this.#isSettingRemoteAnswerPending = false;
        await this.#addHeldCandidates();
        if (description.type !== 'offer') return;
        // Our answer to a restart gathers afresh too, and in a call older than the TURN credentials'
        // lifetime the old ones would be refused: no relayed candidate on our side, and the new ICE
        // session never connects (Firefox then reports no candidate pair at all).
        if (restart) await this.#renewIceServers?.();
        if (!this.#closed) await this.#sendDescription();
      } else if (candidate) {
        if (this.#belongsToRemoteDescription(candidate)) await pc.addIceCandidate(candidate);
        else if (!this.#ignoreOffer) this.#holdCandidate(candidate);
      }
    } catch (error) {
      // Candidates of an offer we ignored have nowhere to go; that is expected.
      if (!candidate || !this.#ignoreOffer) this.#negotiationFailed(error);
    }
  }

  /**
   * Whether `offer` restarts ICE: there is a remote description already, and the offer's ICE username
   * fragment differs from it (RFC 8839 section 4.4.1.1.1: a restart changes ice-ufrag and ice-pwd).
   */
  #restartsIce(offer: RTCSessionDescriptionInit): boolean {
    const current = this.pc.remoteDescription;
    if (!current) return false;
    return iceUfrag(current.sdp) !== iceUfrag(offer.sdp ?? '');
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

  /** Whether close() was called: the link carries nothing any more. */
  get closed(): boolean {
    return this.#closed === true;
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

  #connected(): void {
    this.#iceRestarts = 0;
    this.#turnRefused = false;
    this.#turnUnreachable = false;
  }

  /** Remembers what a TURN server answered (STUN servers' errors say nothing about TURN). */
  #onCandidateError({ errorCode, url }: RTCPeerConnectionIceErrorEvent): void {
    if (!url?.startsWith('turn')) return;
    if (errorCode === IceErrorCodes.Unauthorized || errorCode === IceErrorCodes.WrongCredentials)
      this.#turnRefused = true;
    else if (errorCode === IceErrorCodes.Unreachable) this.#turnUnreachable = true;
  }

  /** Why ICE found no route, as far as the TURN servers' answers tell. */
  #iceFailureHint(): string {
    if (this.#turnRefused) return IceFailureHints.refused;
    if (this.#turnUnreachable) return IceFailureHints.unreachable;
    return IceFailureHints.noTurn;
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
}
