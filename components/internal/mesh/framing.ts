/**
 * The frame format of every rtc-elements data channel: each RTCDataChannel message is one binary
 * frame, a 16-byte header and a payload (docs/architecture.md, "Framing").
 *
 *     0      1      2      3      4            8            12           16
 *     +------+------+------+------+------------+------------+------------+----------
 *     | kind | type | ver  |  0   |     id     |    seq     |   total    | payload
 *     +------+------+------+------+------------+------------+------------+----------
 *
 * Integers are unsigned, big-endian. `id` names one message or one file transfer of one sender on
 * one channel. In a data frame (Message, FileData) `seq` is the payload's byte offset and `total`
 * the byte size of the whole message or file; `FileStart` and `FileEnd` carry the size in `total`.
 * So a message or a file is at most 4 GiB - 1.
 */

// What a frame carries: its `kind` byte. Plain constants, so that the bundler writes the numbers
// in place (a property of an object is read at run time: 70 bytes more, gzipped).
/** Channel handshake; payload: the channel's label (UTF-8). `type` 1 = this is the answer. */
export const HELLO = 1;
/** One chunk of a message; `type`: how it was sent (see messageTypes). */
export const MESSAGE = 2;
/** A file transfer begins; payload: JSON `{name, type, lastModified}` (the size is in `total`). */
export const FILE_START = 3;
/** One chunk of a file's bytes. */
export const FILE_DATA = 4;
/** The file's bytes are all sent; payload: their SHA-256 (32 bytes). */
export const FILE_END = 5;
/** Stops a transfer (`type` 0) or refuses a message (`type` 1); payload: the error code (UTF-8). */
export const CANCEL = 6;
/** The kinds by name. */
export const Kind = {
  Hello: HELLO,
  Message: MESSAGE,
  FileStart: FILE_START,
  FileData: FILE_DATA,
  FileEnd: FILE_END,
  Cancel: CANCEL,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/**
 * How a message was sent, and so how its bytes are turned back into a value on arrival: a Message
 * frame's `type` is the index in this list.
 */
export const messageTypes = ['string', 'binary', 'blob', 'json'] as const;
export type MessageType = (typeof messageTypes)[number];

/** 2: `seq` is a byte offset and `total` a byte size (1 counted chunks). */
export const VERSION = 2;
export const HEADER_SIZE = 16;
/**
 * The largest frame we send, even when the peer announces more (`a=max-message-size`, RFC 8841):
 * large messages block a channel for everyone, and speed does not grow past this size.
 */
export const MAX_FRAME = 64 * 1024;

export interface Frame {
  kind: Kind;
  type: number;
  id: number;
  /** Where the payload goes: its byte offset in the message or file. */
  seq: number;
  /** The byte size of the whole message or file. */
  total: number;
  payload: Uint8Array;
}

/**
 * A frame, as the ArrayBuffer to send. It is written into `buffer` when that has exactly the frame's
 * size: RTCDataChannel.send() copies what it is given, so one buffer can carry every full frame of a
 * job (a fresh 64 KiB per frame cost more CPU than the copy into it).
 */
export function encodeFrame(
  kind: Kind,
  type: number,
  id: number,
  seq: number,
  total: number,
  payload: Uint8Array,
  buffer?: Uint8Array<ArrayBuffer>,
): ArrayBuffer {
  const size = HEADER_SIZE + payload.byteLength;
  const bytes = buffer?.byteLength === size ? buffer : new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  [(kind << 24) | (type << 16) | (VERSION << 8), id, seq, total].forEach((word, i) => view.setUint32(i * 4, word));
  bytes.set(payload, HEADER_SIZE);
  return bytes.buffer;
}

/** The frame in `data`, or null when it is not one of ours (too short, another version, text). */
export function decodeFrame(data: unknown): Frame | null {
  try {
    // A TypeError when `data` is not a buffer, a RangeError when it is shorter than the header.
    const view = new DataView(data as ArrayBuffer);
    // The header is four big-endian words; the first is `kind type ver 0`.
    const [head, id, seq, total] = [0, 4, 8, 12].map((offset) => view.getUint32(offset)) as [
      number,
      number,
      number,
      number,
    ];
    if (((head >> 8) & 255) === VERSION)
      return {
        kind: (head >>> 24) as Kind,
        type: (head >> 16) & 255,
        id,
        seq,
        total,
        payload: new Uint8Array(data as ArrayBuffer, HEADER_SIZE),
      };
  } catch {}
  return null;
}

/**
 * The SCTP stream id of the negotiated channel for `label` (RFC 8832 section 6: both peers create
 * it with `negotiated: true` and the same id, so no in-band open message and no extra offer).
 * FNV-1a into [0, 1024): Chromium supports 1024 streams per association.
 */
export function channelIdOf(label: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(label)) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash & 1023; // the low 10 bits: the unsigned hash modulo 1024
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
