/**
 * One RTCPeerConnection to one remote peer of a Room. It carries every element's data channels and
 * a call's tracks; negotiation is automatic (any addTrack/createDataChannel/restartIce starts one).
 *
 * - Perfect negotiation, as in the W3C example (WebRTC 1.0, section 10.7): the polite peer rolls
 *   back its own offer on a collision, the impolite one ignores the other's; both converge.
 * - Trickle ICE: candidates are signalled as they are found.
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

export type PeerErrorCode = 'ice-failed' | 'negotiation-failed';

export interface PeerErrorDetail {
  /** The remote peer's id. */
  peer: string;
  code: PeerErrorCode;
  message: string;
  hint: string;
}

/**
 * The signal payloads PeerLinks exchange (the relay forwards them untouched). They carry the
 * RTCSessionDescription and RTCIceCandidate objects themselves: JSON.stringify calls their toJSON().
 */
type LinkSignal = { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit };

/** Events: `state` {state: RTCPeerConnectionState}, `error` (PeerErrorDetail): both CustomEvents. */
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

  /** ICE servers for later gathering (an ICE restart); the rest of the configuration stays as it is. */
  setIceServers(iceServers: RTCIceServer[]): void {
    // setConfiguration() throws if the bundle policy it is given differs, and the default differs.
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
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
        if (description.type === 'offer') await this.#sendDescription();
      } else if (candidate) await pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer we ignored have nowhere to go; that is expected.
      if (!candidate || !this.#ignoreOffer) this.#negotiationFailed(error);
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
}
