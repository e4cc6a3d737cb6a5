/**
 * Verifies one link (docs/datachannel.md, "Verification"): its safety code once it is connected,
 * and, when the room has a passphrase, the proof each side sends the other on the negotiated
 * channel `rtc-verify`. The Room holds everything else of the link (the elements' channels, the
 * call's tracks) until this says the peer is verified, and closes the link if it is not.
 *
 * The proof goes both ways as a Hello does: each side sends its proof as an ask when its channel
 * opens, and answers an ask with its own. A side whose first proof was lost (its channel opened
 * before the other side had made its own) still gets the other's ask, and answers it.
 *
 * Loaded with import() by the Room when its first link is made (this and verification.ts are
 * their own chunk): a page alone in its room never downloads it.
 */
import { channelIdOf, decodeFrame, encodeFrame, Kind, ProofType } from './framing.js';
import type { PeerLink } from './peer-link.js';
import { canVerify, fingerprintsOf, isProofOf, proofOf, safetyCodeOf, type FingerprintPair } from './verification.js';

export { passphraseKey } from './verification.js';

/** The label of the channel the proofs travel on (stream id 202). */
export const VERIFY_LABEL = 'rtc-verify';
export const VERIFY_STREAM_ID = channelIdOf(VERIFY_LABEL);

/** An HMAC-SHA-256: what a Proof frame carries. */
const PROOF_SIZE = 32;

export interface LinkVerifierOptions {
  /** The key of the room's passphrase; null when the room has none (the safety code only). */
  key: Promise<CryptoKey> | null;
  /** How long a connected link may go without a valid proof from the peer, in ms. */
  timeout: number;
  /**
   * The link's safety code is known: once connected (without a passphrase), once the peer's proof
   * passed (`verified`), and again if a renegotiation brought other fingerprints (no passphrase).
   */
  onCode(code: string, verified: boolean): void;
  /** The peer is not verified: no valid proof in time, a wrong one, or its certificate changed. */
  onFailure(message: string, hint: string): void;
}

export class LinkVerifier {
  readonly #link: PeerLink;
  readonly #options: LinkVerifierOptions;
  readonly #peer: string;
  readonly #stop = new AbortController();
  #channel: RTCDataChannel | undefined;
  /** The fingerprints the code (and the proof) were for; a renegotiation that changes them is news. */
  #known: FingerprintPair | undefined;
  #verified = false;
  /**
   * Our ask, once it went out. A verdict waits for it: a side that finds the other's proof wrong
   * closes the link at once, and its own proof must be on its way by then, so that the other side
   * fails it for a wrong proof too, instead of waiting out its timeout.
   */
  #asked: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(link: PeerLink, options: LinkVerifierOptions) {
    this.#link = link;
    this.#options = options;
    this.#peer = link.remoteId;
    const { signal } = this.#stop;
    link.addEventListener('state', () => this.#onState(), { signal });
    link.pc.addEventListener('signalingstatechange', () => this.#onSignalingState(), { signal });
    if (options.key) {
      if (!canVerify()) {
        this.#fail(
          `Cannot check ${this.#peer}'s proof of the passphrase: this page has no WebCrypto.`,
          'Serve the page over https:// (or from localhost): WebCrypto needs a secure context.',
        );
        return;
      }
      this.#openChannel();
    }
    if (link.state === 'connected') this.#onState();
  }

  /** Stops verifying (the link is closing); nothing is reported any more. */
  close(): void {
    this.#stop.abort();
    clearTimeout(this.#timer);
    this.#channel?.close();
  }

  get #closed(): boolean {
    return this.#stop.signal.aborted;
  }

  #onState(): void {
    if (this.#link.state !== 'connected' || this.#known || this.#closed) return;
    const pair = fingerprintsOf(this.#link.pc);
    if (!pair) return;
    this.#known = pair;
    if (this.#options.key) void this.#startTimer(this.#options.key);
    else void this.#reportCode(pair, false);
  }

  /**
   * A renegotiation ended. The DTLS certificate of a link does not change by itself: a new
   * fingerprint means a new handshake, perhaps with someone else (a relay that sent an offer of its
   * own). Without a passphrase the new code is reported; with one, the peer is no longer verified.
   */
  #onSignalingState(): void {
    if (!this.#known || this.#link.pc.signalingState !== 'stable') return;
    const pair = fingerprintsOf(this.#link.pc);
    if (!pair || samePair(pair, this.#known)) return;
    this.#known = pair;
    if (!this.#options.key) void this.#reportCode(pair, false);
    else
      this.#fail(
        `${this.#peer}'s connection changed its DTLS certificate after it was verified.`,
        'Someone between you may be listening in: leave, join again, and compare safety codes.',
      );
  }

  /** The peer has `timeout` from the moment our own key is ready (a slow device's is later). */
  async #startTimer(key: Promise<CryptoKey>): Promise<void> {
    await key;
    if (this.#verified || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#fail(
        `${this.#peer} sent no proof of the room's passphrase within ${this.#options.timeout} ms.`,
        'Everyone in the room needs the same passphrase. If they have it, something between you is stopping the proof: do not trust this connection.',
      );
    }, this.#options.timeout);
  }

  #openChannel(): void {
    let channel: RTCDataChannel;
    try {
      channel = this.#link.dataChannel(VERIFY_LABEL, VERIFY_STREAM_ID, { ordered: true });
    } catch {
      return; // the connection is closed; the Room drops the link
    }
    this.#channel = channel;
    channel.onopen = () => {
      this.#asked = this.#sendProof(ProofType.Ask);
    };
    channel.onmessage = ({ data }) => {
      const frame = decodeFrame(data);
      if (frame?.kind !== Kind.Proof) return;
      // The peer's ask can come before our own `open` event (as a Hello can, peer-channel.ts): it
      // is handled once our ask is on its way.
      if (channel.readyState === 'connecting')
        channel.addEventListener('open', () => this.#onProof(frame.type, frame.payload.slice()), { once: true });
      else this.#onProof(frame.type, frame.payload.slice());
    };
  }

  #onProof(type: number, proof: Uint8Array<ArrayBuffer>): void {
    if (type === ProofType.Ask) void this.#sendProof(ProofType.Answer);
    void this.#checkProof(proof);
  }

  async #sendProof(type: number): Promise<void> {
    const key = await this.#options.key!;
    const pair = await this.#fingerprints();
    const channel = this.#channel;
    if (!pair || channel?.readyState !== 'open') return;
    const proof = await proofOf(key, pair);
    if (channel.readyState === 'open')
      channel.send(encodeFrame({ kind: Kind.Proof, type, id: 0, offset: 0, total: 0 }, proof));
  }

  async #checkProof(proof: Uint8Array<ArrayBuffer>): Promise<void> {
    if (this.#verified || this.#closed) return;
    const key = await this.#options.key!;
    const pair = await this.#fingerprints();
    const valid = !!pair && proof.byteLength === PROOF_SIZE && (await isProofOf(key, proof, pair));
    await this.#asked;
    if (this.#verified || this.#closed) return;
    if (!valid) {
      this.#fail(
        `${this.#peer}'s proof of the room's passphrase is wrong.`,
        'Check that everyone has the same passphrase. If they do, someone between you (the relay?) is listening in: do not trust this connection.',
      );
      return;
    }
    this.#verified = true;
    clearTimeout(this.#timer);
    this.#known ??= pair;
    await this.#reportCode(pair, true);
  }

  /**
   * The link's fingerprints once both descriptions are current (null only if the link closed
   * first). The channel can open, and the peer's proof arrive, before the relay has brought the
   * peer's answer: the answerer's end is up as soon as DTLS and SCTP are, and until the answer is
   * applied here there is no current remote description to check the proof against.
   */
  async #fingerprints(): Promise<FingerprintPair | null> {
    const { pc } = this.#link;
    const { signal } = this.#stop;
    for (;;) {
      const pair = fingerprintsOf(pc);
      if (pair || signal.aborted || pc.signalingState === 'closed') return pair;
      await new Promise((resolve) => {
        pc.addEventListener('signalingstatechange', resolve, { once: true, signal });
        signal.addEventListener('abort', resolve, { once: true });
      });
    }
  }

  async #reportCode(pair: FingerprintPair, verified: boolean): Promise<void> {
    if (!canVerify()) return; // no WebCrypto on an insecure page: no code to show
    const code = await safetyCodeOf(pair);
    // A newer pair (a renegotiation meanwhile) reports its own code.
    if (!this.#closed && this.#known && samePair(pair, this.#known)) this.#options.onCode(code, verified);
  }

  #fail(message: string, hint: string): void {
    if (this.#closed) return;
    this.close();
    this.#options.onFailure(message, hint);
  }
}

function samePair(one: FingerprintPair, other: FingerprintPair): boolean {
  return one.local === other.local && one.remote === other.remote;
}
