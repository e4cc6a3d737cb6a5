/**
 * One labelled channel to one peer: a negotiated RTCDataChannel plus everything that makes it a
 * safe pipe for messages and files of any size (the frame format lives in framing.ts).
 *
 * - Handshake: each side sends `Hello` when its channel opens and answers the other's. A negotiated
 *   channel opens as soon as the SCTP association is up, even when the other page has no element
 *   with that label yet (its data would be dropped), so nothing is sent before the other's Hello.
 * - Chunking: messages and files are cut into frames no larger than the peer accepts, from a Source:
 *   bytes, or a Blob read as a stream as the channels need its bytes (once for every recipient).
 * - Backpressure: frames are sent while `bufferedAmount` is under HIGH_WATER, then the pump waits for
 *   `bufferedamountlow`: the browser's send buffer never overflows (Chromium closes a channel whose
 *   buffer passes 16 MiB).
 * - Two lanes, messages and files, take turns, so a chat line is not stuck behind a large file.
 *   Each lane is first-in first-out; each job in it (a message or a file) makes its frames one at a
 *   time, as the pump asks for them (an async generator).
 * - Reassembly in place: each data frame carries its byte offset and the whole size, so a message
 *   or a file is allocated once, at its first frame, and each payload written where it belongs.
 * - Limits: an incoming message whose size is over `maxMessageSize`, or a file over `maxFileSize`
 *   (or one that brings more bytes than it announced), is dropped and refused (a `Cancel` frame
 *   with `too-large`), so a peer cannot make us buffer without end.
 */
import {
  CANCEL,
  decodeFrame,
  decoder,
  encodeFrame,
  encoder,
  FILE_DATA,
  FILE_END,
  FILE_START,
  HEADER_SIZE,
  HELLO,
  MAX_FRAME,
  MESSAGE,
  messageTypes,
  type Frame,
  type Kind,
  type MessageType,
} from './framing.js';
import type { PeerLink } from './peer-link.js';
import type { RoomChannel } from './room-channel.js';
import { labelCollision } from './room-errors.js';

const MiB = 1024 * 1024;
const HIGH_WATER = 4 * MiB;
const LOW_WATER = 2 * MiB;
/** Progress events come at most once per this many bytes (and always for the last byte). */
const PROGRESS_STEP = 256 * 1024;
/** Unfinished incoming messages kept per peer on an unordered channel (lost chunks never come). */
const MAX_PARTIAL = 64;
const DEFAULT_MAX_MESSAGE_SIZE = 64 * MiB;

export type { MessageType } from './framing.js';

export type TransferDirection = 'send' | 'receive';

export type TransferErrorCode =
  /** Either side called cancelTransfer(). */
  | 'cancelled'
  /** The peer left (or its channel closed) before the transfer finished. */
  | 'peer-left'
  /** The received bytes do not have the sender's SHA-256. */
  | 'integrity'
  /** The file could not be read (it was deleted or changed meanwhile). */
  | 'read-failed'
  /** Larger than the receiver's `max-file-size` (or `max-message-size`, for a message). */
  | 'too-large';

/** A channel's options: the data channel's, and limits on what it accepts from peers. */
export interface ChannelOptions extends RTCDataChannelInit {
  /** Largest incoming message in bytes; default 64 MiB. */
  maxMessageSize?: number | undefined;
  /** Largest incoming file in bytes; default: no limit. */
  maxFileSize?: number | undefined;
}

export interface TransferInfo {
  /** 8 hex digits, the same on both sides. */
  id: string;
  peer: string;
  direction: TransferDirection;
  name: string;
  loaded: number;
  total: number;
}

/**
 * What a message or a file is made of, shared by the channels to every recipient: bytes, or a Blob
 * read into memory once, as the channel furthest ahead needs them. The Blob is read as one stream
 * and each chunk copied into place: a `slice().arrayBuffer()` per MiB asks the blob store for a new
 * blob and a new pipe each time, and reading so was about 3 times slower. Frames are cut from
 * `bytes`, and a file's SHA-256 is computed from it, so the file is read only once.
 */
export class Source {
  /** The first `loaded` bytes are in. A Blob's buffer is untouched memory until they come. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  loaded: number;
  #reader?: ReadableStreamDefaultReader<Uint8Array>;
  #reading?: Promise<void> | undefined;
  #digest?: Promise<ArrayBuffer>;

  constructor(readonly data: Blob | Uint8Array<ArrayBuffer>) {
    const blob = data instanceof Blob;
    this.bytes = blob ? new Uint8Array(data.size) : data;
    this.loaded = blob ? 0 : data.byteLength;
  }

  /** Resolves once the first `end` bytes are in; rejects when the Blob cannot be read. */
  async load(end: number): Promise<void> {
    while (this.loaded < end) await (this.#reading ??= this.#read());
  }

  /**
   * The SHA-256 of all the bytes, computed once for every recipient. The first call reads the rest
   * of a Blob at once, ahead of the channels, so that the hash is ready before the last frame goes.
   */
  digest(): Promise<ArrayBuffer> {
    return (this.#digest ??= this.load(this.bytes.byteLength).then(() => crypto.subtle.digest('SHA-256', this.bytes)));
  }

  async #read(): Promise<void> {
    try {
      const { value } = await (this.#reader ??= (this.data as Blob).stream().getReader()).read();
      if (!value) throw new Error('the file changed');
      this.bytes.set(value, this.loaded); // a RangeError when it grew
      this.loaded += value.byteLength;
    } finally {
      this.#reading = undefined;
    }
  }
}

/** A file being sent, shared by the channels to every recipient. */
export interface OutgoingFile {
  id: number;
  name: string;
}

/** A file on its way to or from this peer (a queued message has the same fields). */
interface Transfer {
  id: number;
  direction: TransferDirection;
  name: string;
  /** Bytes sent (handed to the channel) or received so far. */
  loaded: number;
  total: number;
}

/** A message or a file queued to this peer. */
interface Outgoing extends Transfer {
  /** The frames' `type`: how the message was sent (an index in messageTypes). */
  type: number;
  source: Source;
  /** Set for a file. */
  file?: OutgoingFile | undefined;
  /** Its frames, made one at a time; unset until it starts (and again after a lost channel). */
  frames?: AsyncGenerator<ArrayBuffer, ArrayBuffer> | undefined;
}

/**
 * An incoming message: allocated at its first frame (its announced size), each frame's payload
 * written at its offset (an unordered channel may reorder them).
 */
interface Incoming {
  bytes: Uint8Array<ArrayBuffer>;
  loaded: number;
}

/** What `FileStart` carries besides the size (in `total`). */
interface FileMeta {
  name: string;
  type: string;
  lastModified: number;
}

/** An incoming file: allocated at `FileStart`, each chunk written in place as it comes. */
interface IncomingFile extends Incoming, Transfer, FileMeta {}

export const transferId = (id: number): string => id.toString(16).padStart(8, '0');

export class PeerChannel {
  /** True once both ends have their channel (Hello exchanged): data flows. */
  ready = false;
  /** The remote peer's id. */
  readonly peer: string;
  readonly #link: PeerLink;
  /** The channel by label this is part of: its label and options, and where events go. */
  readonly #channel: RoomChannel;
  /** Unset when disposed, or when the connection was closed before the channel could be created. */
  #dc: RTCDataChannel | undefined;
  /** The two lanes, by job id; a Map keeps the order in which jobs were queued. */
  readonly #messages = new Map<number, Outgoing>();
  readonly #files = new Map<number, Outgoing>();
  readonly #partial = new Map<number, Incoming>();
  readonly #incoming = new Map<number, IncomingFile>();
  /** The message we refused last: its remaining frames are dropped. */
  #refused?: number;
  #nextId = 0;
  #pumping?: boolean;
  #filesTurn?: boolean;
  /** Resumes a pump that waits for the send buffer to drain. */
  #wake?: () => void;

  constructor(link: PeerLink, channel: RoomChannel) {
    this.#link = link;
    this.#channel = channel;
    this.peer = link.remoteId;
    this.#open();
  }

  /** Queues a message of `type`, or with `file`, that file (`source` holds its Blob). */
  queue(type: MessageType, source: Source, file?: OutgoingFile): void {
    const id = file ? file.id : (this.#nextId = (this.#nextId + 1) >>> 0);
    const job: Outgoing = {
      id,
      direction: 'send',
      name: file?.name ?? '',
      loaded: 0,
      total: source.bytes.byteLength,
      type: messageTypes.indexOf(type),
      source,
      file,
    };
    (file ? this.#files : this.#messages).set(id, job);
    void this.#pump();
  }

  /** Stops transfer `id` in either direction and tells the peer. False when there is none. */
  cancel(id: number): boolean {
    if (!this.#endTransfer(id, 'cancelled', 'Cancelled here.')) return false;
    this.#control(CANCEL, 0, id, 'cancelled');
    return true;
  }

  get transfers(): TransferInfo[] {
    return [...this.#files.values(), ...this.#incoming.values()].map(({ id, direction, name, loaded, total }) => ({
      id: transferId(id),
      peer: this.peer,
      direction,
      name,
      loaded,
      total,
    }));
  }

  /** Closes the channel for good: unfinished transfers fail (`peer-left`), queued messages are dropped. */
  dispose(): void {
    this.#lost();
    this.#messages.clear();
    this.#dc?.close();
    this.#dc = undefined;
  }

  #open(): void {
    const { label, streamId, init } = this.#channel;
    let dc: RTCDataChannel;
    try {
      dc = this.#dc = this.#link.dataChannel(label, streamId, init);
    } catch {
      return; // the connection is closed; the Room disposes of us shortly
    }
    dc.bufferedAmountLowThreshold = LOW_WATER;
    dc.onbufferedamountlow = () => this.#wake?.();
    let opened = false;
    dc.onopen = () => {
      opened = true;
      this.#hello(0);
    };
    dc.onmessage = ({ data }) => {
      const frame = decodeFrame(data);
      try {
        if (frame && dc === this.#dc) this.#receive(frame, dc);
      } catch {
        // A malformed frame (not from rtc-elements): dropped.
      }
    };
    dc.onclose = () => {
      this.#wake?.();
      if (dc !== this.#dc) return; // disposed, or replaced
      this.#lost();
      // The other page may add an element with this label again later: be ready for it, as long
      // as the association lives (a channel that never opened is not retried: no loop).
      if (opened && this.#link.pc.sctp?.state === 'connected') this.#open();
    };
  }

  #emit(type: string, detail: object): void {
    this.#channel.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** The channel went away: fail the transfers, keep queued messages for the next channel. */
  #lost(): void {
    for (const { id } of [...this.#files.values(), ...this.#incoming.values()])
      this.#endTransfer(id, 'peer-left', `The channel to ${this.peer} closed.`);
    this.#partial.clear();
    // A message cut off mid-way is sent again whole on the next channel.
    for (const job of this.#messages.values()) job.frames = undefined;
    if (this.ready) {
      this.ready = false;
      this.#emit('close', { peer: this.peer });
    }
  }

  #hello(answer: 0 | 1): void {
    this.#control(HELLO, answer, 0, this.#channel.label);
    // On an unreliable channel a Hello (or its answer) can be lost: ask again until answered, as
    // long as the channel is open (not forever once it closed or was disposed of unanswered).
    if (!answer && this.#channel.unreliable && this.#dc?.readyState === 'open')
      setTimeout(() => this.ready || this.#hello(0), 1000);
  }

  /**
   * Sends a Hello or a Cancel with its text, ahead of the queue (a Cancel must overtake the data
   * frames it stops); nothing when the channel is not open.
   */
  #control(kind: Kind, type: number, id: number, text: string): void {
    if (this.#dc?.readyState === 'open') this.#dc.send(encodeFrame(kind, type, id, 0, 0, encoder.encode(text)));
  }

  #receive({ kind, type, id, seq, total, payload }: Frame, dc: RTCDataChannel): void {
    const size = payload.byteLength;
    const { maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE, maxFileSize = Infinity } = this.#channel.init;
    if (kind === HELLO) {
      const label = decoder.decode(payload);
      if (label !== dc.label) {
        const { code, message, hint } = labelCollision(dc.label, label);
        return this.#emit('peer-error', { peer: this.peer, code, message, hint });
      }
      if (!type) this.#hello(1);
      if (!this.ready) {
        this.ready = true;
        this.#emit('open', { peer: this.peer });
        void this.#pump();
      }
    } else if (kind === MESSAGE) {
      const partial = this.#partial;
      let message = partial.get(id);
      if (!message) {
        if (id === this.#refused) return;
        const bytes = allocate(total, maxMessageSize);
        if (!bytes) {
          this.#refused = id;
          return this.#refuse(id, 1);
        }
        partial.set(id, (message = { bytes, loaded: 0 }));
        // An ordered sender finishes one message before the next: anything older is lost.
        const keep = dc.ordered ? 1 : MAX_PARTIAL;
        for (const old of partial.keys()) if (partial.size > keep) partial.delete(old);
      }
      message.bytes.set(payload, seq);
      if ((message.loaded += size) >= total) {
        partial.delete(id);
        this.#deliver(type, message.bytes);
      }
    } else if (kind === FILE_START) {
      const bytes = allocate(total, maxFileSize);
      const file: IncomingFile = {
        ...(JSON.parse(decoder.decode(payload)) as FileMeta),
        id,
        direction: 'receive',
        loaded: 0,
        total,
        bytes: bytes!,
      };
      this.#incoming.set(id, file);
      if (bytes) this.#progress(file, -1);
      else this.#refuse(id, 0);
    } else if (kind === FILE_DATA) {
      const file = this.#incoming.get(id);
      if (!file) return; // cancelled
      // More than the announced size: the same as a file past the limit.
      if (file.loaded + size > file.total) return this.#refuse(id, 0);
      file.bytes.set(payload, seq);
      file.loaded += size;
      this.#progress(file, seq);
    } else if (kind === FILE_END) {
      const file = this.#incoming.get(id);
      if (file) void this.#complete(file, payload);
    } else if (kind === CANCEL) {
      // The peer stopped a transfer, or refused a message or a file as too large.
      const tooLarge = decoder.decode(payload) === 'too-large';
      const code = tooLarge ? 'too-large' : 'cancelled';
      const message = `${this.peer} stopped it: ${code}.`;
      const hint = tooLarge ? `Ask ${this.peer} to raise ${type ? 'max-message-size' : 'max-file-size'}.` : undefined;
      // A file refused after we sent it all is no longer ours to end, but we still hear of it.
      if (!type) return void this.#endTransfer(id, code, message, hint, tooLarge ? 'send' : undefined);
      this.#messages.delete(id);
      this.#messageError('send', code, message, hint);
    }
  }

  /** Drops incoming message (`message` 1) or file `id` as too large, and tells the peer. */
  #refuse(id: number, message: 0 | 1): void {
    this.#control(CANCEL, message, id, 'too-large');
    const limit = message ? 'max-message-size' : 'max-file-size';
    const text = `Over ${limit}: dropped.`;
    const hint = `Raise ${limit}.`;
    if (message) this.#messageError('receive', 'too-large', text, hint);
    else this.#endTransfer(id, 'too-large', text, hint);
  }

  #messageError(direction: TransferDirection, code: TransferErrorCode, message: string, hint?: string): void {
    this.#emit('message-error', { peer: this.peer, direction, code, message, hint });
  }

  #deliver(wireType: number, bytes: Uint8Array<ArrayBuffer>): void {
    // A type this version does not know (a newer peer's) arrives as binary.
    const type = messageTypes[wireType] ?? 'binary';
    const data: unknown =
      type === 'blob'
        ? new Blob([bytes])
        : type === 'string'
          ? decoder.decode(bytes)
          : type === 'json'
            ? JSON.parse(decoder.decode(bytes))
            : bytes.buffer;
    this.#emit('message', { from: this.peer, data, type });
  }

  /**
   * Delivers a file at its `FileEnd` if its bytes have the `expected` SHA-256. Files travel on an
   * ordered, reliable channel, so every data frame came before: a missing byte is damage too.
   */
  async #complete({ id, bytes, name, type, lastModified }: IncomingFile, expected: Uint8Array): Promise<void> {
    this.#incoming.delete(id);
    // Hashed from memory (a File's bytes would have to be read back from the blob store): digest()
    // copies the bytes at once and hashes them on another thread while the File is built here.
    const hashing = crypto.subtle.digest('SHA-256', bytes);
    const received = new File([bytes], name, { type, lastModified });
    // The same bytes, compared as their text ("12,255,...").
    if (new Uint8Array(await hashing).join() === expected.join())
      this.#emit('file', { id: transferId(id), from: this.peer, file: received });
    else this.#endTransfer(id, 'integrity', `"${name}" failed its SHA-256 check.`, undefined, 'receive');
  }

  /**
   * Ends transfer `id` in whichever direction it runs, with an error event (in `direction` when it
   * runs in none). False when there is none.
   */
  #endTransfer(
    id: number,
    code: TransferErrorCode,
    message: string,
    hint?: string,
    direction?: TransferDirection,
  ): boolean {
    const transfer = this.#files.get(id) ?? this.#incoming.get(id);
    this.#files.delete(id);
    this.#incoming.delete(id);
    direction = transfer?.direction ?? direction;
    if (direction)
      this.#emit('transfer-error', { id: transferId(id), peer: this.peer, direction, code, message, hint });
    return !!direction;
  }

  /** Sends the lanes' frames, taking turns, while the send buffer has room. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const dc = this.#dc;
        if (!this.ready || dc?.readyState !== 'open') return;
        if (dc.bufferedAmount > HIGH_WATER) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        this.#filesTurn = !this.#filesTurn;
        const lane = (this.#filesTurn && this.#files.size) || !this.#messages.size ? this.#files : this.#messages;
        const [job] = lane.values();
        if (!job) return;
        let next;
        try {
          next = await (job.frames ??= this.#frames(job)).next();
        } catch (error) {
          const message = `Unreadable: ${(error as Error).message}`;
          if (job.file) this.#endTransfer(job.id, 'read-failed', message);
          else if (lane.delete(job.id)) this.#messageError('send', 'read-failed', message);
          continue;
        }
        // The job may have been cancelled, or the channel lost, while the frame was being made (a
        // channel that is replaced or disposed of is closed first).
        if (lane.get(job.id) !== job || dc.readyState !== 'open') continue;
        try {
          dc.send(next.value);
        } catch {
          return; // closing under our feet: the close handler takes over
        }
        // The last frame is the generator's return value: the job is done.
        if (next.done) lane.delete(job.id);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * A job's frames, cut to the peer's limit: a file's `FileStart`, its data and `FileEnd`, or a
   * message's chunks; each data frame carries its byte offset and the whole size. The last frame is
   * returned rather than yielded, so the pump knows it is the last as soon as it sends it. The pump
   * sends (or drops) each frame before it asks for the next, so all full frames share one buffer.
   */
  async *#frames(job: Outgoing): AsyncGenerator<ArrayBuffer, ArrayBuffer> {
    const { id, type, source, file, total } = job;
    // The peer's limit (RFC 8841); 0 would mean "unknown": keep our own.
    const chunk = Math.min(MAX_FRAME, this.#link.pc.sctp?.maxMessageSize || MAX_FRAME) - HEADER_SIZE;
    const buffer = total > chunk ? new Uint8Array(HEADER_SIZE + chunk) : undefined;
    if (file) {
      source.digest().catch(() => {}); // a read that fails fails the job at its load()
      this.#progress(job, -1);
      const { type, lastModified = Date.now() } = source.data as File;
      const meta: FileMeta = { name: file.name, type, lastModified };
      yield encodeFrame(FILE_START, 0, id, 0, total, encoder.encode(JSON.stringify(meta)));
    }
    // At least one frame, even for no bytes at all.
    for (let start = 0; !start || start < total; start += chunk) {
      const end = Math.min(start + chunk, total);
      // Bytes are all in at once: only a Blob waits here (for a chat line, an await per message
      // made small messages about 5 times slower).
      if (source.loaded < end) await source.load(end);
      const frame = encodeFrame(
        file ? FILE_DATA : MESSAGE,
        type,
        id,
        start,
        total,
        source.bytes.subarray(start, end),
        buffer,
      );
      if (file) {
        job.loaded = end;
        this.#progress(job, start);
      } else if (end === total) return frame; // a message's last frame
      yield frame;
    }
    return encodeFrame(FILE_END, 0, id, 0, total, new Uint8Array(await source.digest()));
  }

  /**
   * A progress event for a transfer that moved on from `before` bytes: the first (`before` -1), the
   * last, and one each time a PROGRESS_STEP boundary is crossed.
   */
  #progress({ id, direction, loaded, total }: Transfer, before: number): void {
    if (loaded === total || Math.floor(loaded / PROGRESS_STEP) > Math.floor(before / PROGRESS_STEP))
      this.#emit('transfer-progress', { id: transferId(id), peer: this.peer, direction, loaded, total });
  }
}

/**
 * `size` bytes for something a peer announced, or nothing when it is over `limit` or more than this
 * page can hold at all (a RangeError): either way it is refused.
 */
function allocate(size: number, limit: number): Uint8Array<ArrayBuffer> | undefined {
  try {
    if (size <= limit) return new Uint8Array(size);
  } catch {}
  return undefined;
}
