/**
 * The Room's side of verified peers: one LinkVerifier per link (link-verifier.ts, imported the
 * first time there is a link, so a page alone in its room never downloads it), the passphrase's key
 * (derived once per Room), and the safety codes known so far. The Room decides what a verdict
 * means for the link: it holds the link's channels and tracks until the peer is verified, and
 * closes it when it is not.
 */
import { importOnce } from '../import-once.js';
import type * as Verifier from './link-verifier.js';
import type { PeerLink } from './peer-link.js';

/** A link's safety code (the `safety-code` event of a Room, `rtc-safety-code` of the elements). */
export interface SafetyCodeDetail {
  /** The remote peer's id. */
  peer: string;
  /**
   * 8 emoji separated by spaces, derived from both ends' DTLS certificate fingerprints: the same
   * on both sides when nobody is in between (docs/datachannel.md, "Verification").
   */
  code: string;
  /** True when the peer also proved, over this very link, that it knows the room's passphrase. */
  verified: boolean;
}

/** A peer that did not prove the room's passphrase (a `peer-error` of the Room). */
export interface PeerUnverifiedDetail {
  /** The remote peer's id. */
  peer: string;
  code: 'peer-unverified';
  message: string;
  hint: string;
}

export interface RoomVerificationOptions {
  room: string;
  /** The room's passphrase; empty: none (links are not held, only their safety codes computed). */
  passphrase: string;
  /** How long a connected link may go without the peer's proof, in ms (unset, or not above 0: 10 s). */
  timeout?: number | undefined;
  onCode(detail: SafetyCodeDetail): void;
  onFailure(peer: string, message: string, hint: string): void;
}

/** How long a connected link may go without the peer's proof by default, in ms. */
const DEFAULT_VERIFY_TIMEOUT = 10_000;

type VerifierModule = typeof Verifier;

/** The verifier's code, imported with the first link. */
const loadVerifier = importOnce<VerifierModule>(() => import('./link-verifier.js'));

export class RoomVerification {
  readonly #options: RoomVerificationOptions;
  readonly #verifiers = new Map<PeerLink, Verifier.LinkVerifier>();
  readonly #codes = new Map<string, SafetyCodeDetail>();
  /** The key of the passphrase, derived as soon as the Room exists: a link needs it once it is up. */
  readonly #key: Promise<CryptoKey> | null = null;

  constructor(options: RoomVerificationOptions) {
    this.#options = options;
    const { passphrase, room } = options;
    if (passphrase) {
      const key = loadVerifier().then(({ passphraseKey }) => passphraseKey(passphrase, room));
      // Awaited by each link's verifier, which reports a failure its own way (no WebCrypto here).
      key.catch(() => undefined);
      this.#key = key;
    }
  }

  /** Whether links wait for the peer's proof: the room has a passphrase. */
  get required(): boolean {
    return this.#key !== null;
  }

  /** The safety codes known so far, by peer. */
  get codes(): ReadonlyMap<string, SafetyCodeDetail> {
    return this.#codes;
  }

  /**
   * Verifies `link`: computes its safety code once it is up and, with a passphrase, exchanges the
   * proofs (the `rtc-verify` channel is created now, so call it where the link's other channels
   * would be created). `onVerified` is called when the peer's proof passed.
   */
  async start(link: PeerLink, onVerified: () => void): Promise<void> {
    const peer = link.remoteId;
    let module: VerifierModule;
    try {
      module = await loadVerifier();
    } catch {
      if (this.required && link.state !== 'closed')
        this.#options.onFailure(peer, `Could not load the code that verifies ${peer}.`, 'Reload the page.');
      return;
    }
    if (link.state === 'closed') return;
    const { timeout } = this.#options;
    const verifier = new module.LinkVerifier(link, {
      key: this.#key,
      // NaN (an attribute that is not a number) fails the test too.
      timeout: timeout !== undefined && timeout > 0 ? timeout : DEFAULT_VERIFY_TIMEOUT,
      onCode: (code, verified) => {
        const detail = { peer, code, verified };
        this.#codes.set(peer, detail);
        if (verified) onVerified();
        this.#options.onCode(detail);
      },
      onFailure: (message, hint) => this.#options.onFailure(peer, message, hint),
    });
    // A verifier can fail at once (a page without WebCrypto): the link is closed and stopped by then.
    if (link.pc.signalingState !== 'closed') this.#verifiers.set(link, verifier);
  }

  /** The link is gone: its verifier stops, its code is forgotten. */
  stop(link: PeerLink): void {
    this.#verifiers.get(link)?.close();
    this.#verifiers.delete(link);
    this.#codes.delete(link.remoteId);
  }
}
