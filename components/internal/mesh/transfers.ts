/**
 * What a PeerChannel and its file code (files.ts, loaded on the first file) share: the shape of a
 * transfer, the channel services the file code uses, and the stall check both apply.
 */
import type { ChannelEventSink, LimitCode, TransferDirection, TransferErrorCode } from './channel-events.js';
import type { Limits } from './limits.js';

/** A file on its way to or from a peer. */
export interface Transfer {
  id: number;
  direction: TransferDirection;
  name: string;
  /** Bytes sent (handed to the channel) or received so far. */
  loaded: number;
  total: number;
}

/** A file queued to one peer (a job of the channel's files lane). */
export interface FileJob extends Transfer {
  kind: 'file';
  blob: Blob;
  /**
   * When the receiver asked us to pause it (a Flow frame: its storage is behind), as
   * `performance.now()`; unset while it goes on.
   */
  pausedAt?: number;
  /** Its frames, made one at a time; unset until it starts. */
  frames?: AsyncGenerator<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> | undefined;
}

/** Something a peer sent that went over a limit: what to tell it, the page and the user. */
export interface Violation {
  code: LimitCode;
  message: string;
  hint: string;
}

/** What the file code needs of the PeerChannel it works for. */
export interface FileContext {
  /** The remote peer's id. */
  readonly peer: string;
  readonly limits: Limits;
  /** The largest file this page will hold in memory, where it cannot store one. */
  readonly memoryLimit: number;
  readonly emit: ChannelEventSink;
  /** Sends a Cancel for transfer `id` with `code`, ahead of the queue. */
  sendCancel(id: number, code: TransferErrorCode): void;
  /** Asks the sender of transfer `id` to pause it, or to go on (Flow frames, ahead of the queue). */
  sendPause(id: number): void;
  sendResume(id: number): void;
  /** The payload size of a frame to this peer. */
  chunkSize(): number;
}

/** For the stall check: how far something was at the last sweep, and since when it has not moved. */
export interface Watched {
  loaded: number;
  seenLoaded: number;
  seenAt: number;
}

/** Whether `watched` has not moved for `timeout` ms at `now` (it notes any progress since the last look). */
export function isStalled(watched: Watched, now: number, timeout: number): boolean {
  if (watched.loaded !== watched.seenLoaded) {
    watched.seenLoaded = watched.loaded;
    watched.seenAt = now;
  }
  return now - watched.seenAt >= timeout;
}

/** A transfer id as events show it: 8 hex digits, the same on both sides. */
export const transferId = (id: number): string => id.toString(16).padStart(8, '0');
