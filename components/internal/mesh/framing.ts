/**
 * The frame format of every rtc-elements data channel: each RTCDataChannel message is one binary
 * frame, a 16-byte header and a payload. docs/datachannel.md is the contract; this is its code.
 *
 *     0      1      2      3      4            8            12           16
 *     +------+------+------+------+------------+------------+------------+----------
 *     | kind | type | ver  |  0   |     id     |   offset   |   total    | payload
 *     +------+------+------+------+------------+------------+------------+----------
 *
 * Integers are unsigned, big-endian. `id` names one message or one file transfer of one sender on
 * one channel. In a data frame (Message, FileData) `offset` is where the payload goes in the whole
 * message or file and `total` the byte size of that whole; `FileStart` and `FileEnd` carry the
 * file's size in `total`. So a message or a file is at most 4 GiB - 1 bytes.
 */

/** What a frame carries: its `kind` byte. */
export const Kind = {
  /** Channel handshake; payload: the channel's label (UTF-8); `type` is a HelloType. */
  Hello: 1,
  /** One chunk of a message; `type`: how it was sent (an index in `messageTypes`). */
  Message: 2,
  /** A file transfer begins; payload: JSON `{name, type, lastModified}` (the size is in `total`). */
  FileStart: 3,
  /** One chunk of a file's bytes. */
  FileData: 4,
  /** The file's bytes are all sent; payload: their SHA-256 (32 bytes). */
  FileEnd: 5,
  /** Stops a transfer or refuses a message (`type` is a CancelType); payload: the error code (UTF-8). */
  Cancel: 6,
  /**
   * From a file's receiver: pause sending its data, or go on (`type` is a FlowType), because its
   * storage fell behind or caught up; no payload.
   */
  Flow: 7,
  /**
   * Proves the room's passphrase, on the `rtc-verify` channel only (`type` is a ProofType);
   * payload: the proof, an HMAC-SHA-256 (32 bytes). See verification.ts.
   */
  Proof: 8,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** A Hello's `type`: the first Hello of a side asks, the other side's reply answers. */
export const HelloType = { Ask: 0, Answer: 1 } as const;

/** A Proof's `type`: as a Hello's, the first of a side asks for the other's, the reply answers. */
export const ProofType = { Ask: 0, Answer: 1 } as const;

/** A Cancel's `type`: what its `id` names. */
export const CancelType = { Transfer: 0, Message: 1 } as const;
export type CancelType = (typeof CancelType)[keyof typeof CancelType];

/** A Flow's `type`: what the receiver asks of the sender of the transfer its `id` names. */
export const FlowType = { Pause: 0, Resume: 1 } as const;

/**
 * How a message was sent, and so how its bytes are turned back into a value on arrival: a Message
 * frame's `type` is the index in this list.
 */
export const messageTypes = ['string', 'binary', 'blob', 'json'] as const;
export type MessageType = (typeof messageTypes)[number];

/** 2: `offset` is a byte offset and `total` a byte size (version 1 counted chunks). */
export const VERSION = 2;
export const HEADER_SIZE = 16;
/**
 * The largest frame we send, even when the peer announces more (`a=max-message-size`, RFC 8841):
 * large messages block a channel for everyone, and speed does not grow past this size.
 */
export const MAX_FRAME = 64 * 1024;

/** A frame's header fields. */
export interface FrameHeader {
  kind: Kind;
  type: number;
  id: number;
  /** Where the payload goes: its byte offset in the message or file. */
  offset: number;
  /** The byte size of the whole message or file. */
  total: number;
}

export interface Frame extends FrameHeader {
  payload: Uint8Array;
}

/**
 * A frame, as the bytes to send. It is written into `buffer` when that is large enough (the frame
 * is then a view of its start): RTCDataChannel.send() copies what it is given, so one buffer can
 * carry every frame of a job (a fresh 64 KiB per frame cost more CPU than the copy into it).
 */
export function encodeFrame(
  header: FrameHeader,
  payload: Uint8Array,
  buffer?: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  const size = HEADER_SIZE + payload.byteLength;
  const frame = buffer && buffer.byteLength >= size ? buffer.subarray(0, size) : new Uint8Array(size);
  writeHeader(frame, header);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/** Writes `header` into the first HEADER_SIZE bytes of `frame` (whose payload is already in place). */
export function writeHeader(frame: Uint8Array, { kind, type, id, offset, total }: FrameHeader): void {
  const view = new DataView(frame.buffer, frame.byteOffset, HEADER_SIZE);
  view.setUint8(0, kind);
  view.setUint8(1, type);
  view.setUint8(2, VERSION);
  view.setUint8(3, 0);
  view.setUint32(4, id);
  view.setUint32(8, offset);
  view.setUint32(12, total);
}

/** The frame in `data`, or null when it is not one of ours (not binary, too short, another version). */
export function decodeFrame(data: unknown): Frame | null {
  if (!(data instanceof ArrayBuffer) || data.byteLength < HEADER_SIZE) return null;
  const view = new DataView(data);
  if (view.getUint8(2) !== VERSION) return null;
  return {
    kind: view.getUint8(0) as Kind,
    type: view.getUint8(1),
    id: view.getUint32(4),
    offset: view.getUint32(8),
    total: view.getUint32(12),
    payload: new Uint8Array(data, HEADER_SIZE),
  };
}

/** Chromium supports 1024 SCTP streams per association: channel ids are in [0, 1024). */
const STREAM_IDS = 1024;
const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The SCTP stream id of the negotiated channel for `label` (RFC 8832 section 6: both peers create
 * it with `negotiated: true` and the same id, so no in-band open message and no extra offer):
 * the 32-bit FNV-1a hash of the label's UTF-8 bytes, modulo 1024 (its low 10 bits).
 */
export function channelIdOf(label: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of encoder.encode(label)) hash = Math.imul(hash ^ byte, FNV_PRIME);
  return (hash >>> 0) % STREAM_IDS;
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
