/**
 * Signals held in this process's memory for peers within their resume grace, capped so that no
 * client can run the relay's memory up: at most MAX_HELD_SIGNALS and `maxHeldBytesPerPeer` bytes for
 * one peer, and `maxHeldBytes` for all together. A signal past a cap is dropped, and its sender told
 * (`held-full`).
 *
 * The directory in memory (rooms.ts) holds every signal here. The Redis directory holds them in
 * Redis, under the same caps (redis/scripts.ts), and here only what cannot wait for Redis: while
 * Redis is away, and what arrives for a peer between its resume and its welcome.
 */
import { MAX_HELD_SIGNALS, SIGNAL_PREFIX, type HeldCount } from './directory.js';

export interface HeldLimits {
  /** Bytes of signals held for one peer. */
  maxHeldBytesPerPeer: number;
  /** Bytes of signals held for all peers together. */
  maxHeldBytes: number;
}

/** What is held for one peer: two fields of its session, which start out undefined and 0. */
export interface HeldFor {
  /** The relay messages held, oldest first (undefined until the first one is). */
  held: string[] | undefined;
  /** Their UTF-8 bytes. */
  heldBytes: number;
}

export class HeldSignals {
  private readonly limits: HeldLimits;
  private signals = 0;
  private bytes = 0;

  constructor(limits: HeldLimits) {
    this.limits = limits;
  }

  /** What is held for all peers together. */
  get count(): HeldCount {
    return { signals: this.signals, bytes: this.bytes };
  }

  /**
   * Holds the signals among `texts` (other messages are not held) after those held for `peer`
   * already, in order, until one does not fit; returns how many were held.
   */
  append(peer: HeldFor, texts: readonly string[]): number {
    const kept = this.fitting(peer, texts);
    if (kept.length > 0) peer.held = [...(peer.held ?? []), ...kept];
    return kept.length;
  }

  /** As `append`, but before those held already: they were sent earlier (a replaced connection's). */
  prepend(peer: HeldFor, texts: readonly string[]): number {
    const kept = this.fitting(peer, texts);
    if (kept.length > 0) peer.held = [...kept, ...(peer.held ?? [])];
    return kept.length;
  }

  /** Hands over what is held for `peer`, oldest first, and forgets it (to deliver, or to hold elsewhere). */
  take(peer: HeldFor): string[] {
    const held = peer.held ?? [];
    this.signals -= held.length;
    this.bytes -= peer.heldBytes;
    peer.held = undefined;
    peer.heldBytes = 0;
    return held;
  }

  /** Forgets everything at once (the relay is shutting down). */
  clear(): void {
    this.signals = 0;
    this.bytes = 0;
  }

  /** The signals among `texts` that fit under the caps, in order up to the first that does not; counted as held. */
  private fitting(peer: HeldFor, texts: readonly string[]): string[] {
    const { maxHeldBytesPerPeer, maxHeldBytes } = this.limits;
    const kept: string[] = [];
    for (const text of texts) {
      if (!text.startsWith(SIGNAL_PREFIX)) continue;
      const bytes = Buffer.byteLength(text);
      const fits =
        (peer.held?.length ?? 0) + kept.length < MAX_HELD_SIGNALS &&
        peer.heldBytes + bytes <= maxHeldBytesPerPeer &&
        this.bytes + bytes <= maxHeldBytes;
      if (!fits) break;
      kept.push(text);
      peer.heldBytes += bytes;
      this.bytes += bytes;
    }
    this.signals += kept.length;
    return kept;
  }
}
