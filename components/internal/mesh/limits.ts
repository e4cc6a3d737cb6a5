/**
 * What a channel accepts from each peer. Anyone who can join a room can send any bytes, so every
 * size a peer announces is checked against these before anything is kept, and nothing a peer does
 * can make us hold more than they allow (docs/datachannel.md, "Limits").
 */

const MiB = 1024 * 1024;

/** The largest size a frame header can announce (`total` is an unsigned 32-bit word). */
export const MAX_WIRE_SIZE = 2 ** 32 - 1;

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * MiB;
/** Received files are written to the Origin Private File System: they cost disk, not memory. */
export const DEFAULT_MAX_STORED_FILE_SIZE = MAX_WIRE_SIZE;
/** Where the browser has no Origin Private File System a received file is held in memory. */
export const DEFAULT_MAX_MEMORY_FILE_SIZE = 256 * MiB;
export const DEFAULT_MAX_TRANSFERS = 4;
export const DEFAULT_TRANSFER_TIMEOUT = 30_000;

/** A channel's options: the data channel's, and limits on what it accepts from each peer. */
export interface ChannelOptions extends RTCDataChannelInit {
  /** Largest incoming message in bytes; default 64 MiB. */
  maxMessageSize?: number | undefined;
  /** Largest incoming file in bytes; default 4 GiB - 1, or 256 MiB where files are held in memory. */
  maxFileSize?: number | undefined;
  /** Incoming file transfers one peer may have open at once; default 4. */
  maxTransfers?: number | undefined;
  /** Bytes (announced sizes) of one peer's incoming transfers open at once; default: the max file size. */
  maxTransferBytes?: number | undefined;
  /**
   * Milliseconds an incoming transfer may go without a frame, or an outgoing one stay paused by its
   * receiver, before it is cancelled; default 30 s.
   */
  transferTimeout?: number | undefined;
}

/** A channel's limits, every one set. */
export interface Limits {
  maxMessageSize: number;
  maxFileSize: number;
  maxTransfers: number;
  maxTransferBytes: number;
  transferTimeout: number;
}

/**
 * Whether this page can store received files in the Origin Private File System (a secure context
 * with `navigator.storage.getDirectory`). It may still fail to open one (Firefox's private
 * windows): the file store then falls back to memory, within DEFAULT_MAX_MEMORY_FILE_SIZE unless
 * the page set its own limit.
 */
export function canStoreFiles(): boolean {
  return globalThis.isSecureContext && typeof globalThis.navigator?.storage?.getDirectory === 'function';
}

/** The limits `options` set, with the defaults for the rest (and for values that are not sizes). */
export function limitsOf(options: ChannelOptions, storesFiles = canStoreFiles()): Limits {
  const defaultFileSize = storesFiles ? DEFAULT_MAX_STORED_FILE_SIZE : DEFAULT_MAX_MEMORY_FILE_SIZE;
  const maxFileSize = sizeOr(options.maxFileSize, defaultFileSize);
  const timeout = sizeOr(options.transferTimeout, DEFAULT_TRANSFER_TIMEOUT);
  return {
    maxMessageSize: sizeOr(options.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE),
    maxFileSize,
    maxTransfers: sizeOr(options.maxTransfers, DEFAULT_MAX_TRANSFERS),
    maxTransferBytes: sizeOr(options.maxTransferBytes, maxFileSize),
    transferTimeout: timeout > 0 ? timeout : DEFAULT_TRANSFER_TIMEOUT,
  };
}

/** `value` when it is a number of at least 0, else `fallback`. */
function sizeOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value >= 0 ? value : fallback;
}
