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
 *
 * It knows its RoomChannel only as a ChannelSpec (label, stream id, options) and reports through an
 * event sink, so the two modules do not depend on each other.
 */
import type { ChannelEventSink, TransferDirection, TransferErrorCode } from './channel-events.js';
import {
  CancelType,
  decodeFrame,
  decoder,
  encodeFrame,
  encoder,
  HEADER_SIZE,
  HelloType,
  Kind,
  MAX_FRAME,
  messageTypes,
  type Frame,
  type FrameHeader,
  type MessageType,
} from './framing.js';
import type { PeerLink } from './peer-link.js';
import { labelCollision } from './room-errors.js';
import type { Source } from './source.js';

const MiB = 1024 * 1024;
const HIGH_WATER = 4 * MiB;
const LOW_WATER = 2 * MiB;
/** Progress events come at most once per this many bytes (and always for the last byte). */
const PROGRESS_STEP = 256 * 1024;
/** Unfinished incoming messages kept per peer on an unordered channel (lost chunks never come). */
const MAX_PARTIAL = 64;
const DEFAULT_MAX_MESSAGE_SIZE = 64 * MiB;
/** How long an unreliable channel waits for the answer to its Hello before asking again. */
const HELLO_RETRY = 1000;

/** A channel's options: the data channel's, and limits on what it accepts from peers. */
export interface ChannelOptions extends RTCDataChannelInit {
  /** Largest incoming message in bytes; default 64 MiB. */
  maxMessageSize?: number | undefined;
  /** Largest incoming file in bytes; default: no limit. */
  maxFileSize?: number | undefined;
}

/** What a PeerChannel needs to know of the labelled channel it is part of. */
export interface ChannelSpec {
  readonly label: string;
  /** The SCTP stream id both peers use for this label. */
  readonly streamId: number;
  readonly options: ChannelOptions;
  /** Set when the channel may lose messages (max-retransmits, or maxPacketLifeTime). */
  readonly unreliable: boolean;
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
  readonly #spec: ChannelSpec;
  readonly #emit: ChannelEventSink;
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
  #pumping = false;
  #filesTurn = false;
  /** Resumes a pump that waits for the send buffer to drain. */
  #wake?: () => void;

  constructor(link: PeerLink, spec: ChannelSpec, emit: ChannelEventSink) {
    this.#link = link;
    this.#spec = spec;
    this.#emit = emit;
    this.peer = link.remoteId;
    this.#open();
  }

  /** Queues a message of `type` made of `source`. */
  queueMessage(type: MessageType, source: Source): void {
    this.#nextId = (this.#nextId + 1) >>> 0;
    this.#queue(this.#messages, { id: this.#nextId, name: '', type: messageTypes.indexOf(type), source });
  }

  /** Queues `file`, whose bytes are `source`. */
  queueFile(file: OutgoingFile, source: Source): void {
    this.#queue(this.#files, { id: file.id, name: file.name, type: 0, source, file });
  }

  /** Stops transfer `id` in either direction and tells the peer. False when there is none. */
  cancel(id: number): boolean {
    if (!this.#endTransfer(id, 'cancelled', 'Cancelled here.')) return false;
    this.#sendControl(Kind.Cancel, CancelType.Transfer, id, 'cancelled');
    return true;
  }

  get transfers(): TransferInfo[] {
    const all = [...this.#files.values(), ...this.#incoming.values()];
    return all.map(({ id, direction, name, loaded, total }) => ({
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

  #queue(lane: Map<number, Outgoing>, job: Pick<Outgoing, 'id' | 'name' | 'type' | 'source' | 'file'>): void {
    lane.set(job.id, { ...job, direction: 'send', loaded: 0, total: job.source.bytes.byteLength });
    void this.#pump();
  }

  #open(): void {
    const { label, streamId, options } = this.#spec;
    let dc: RTCDataChannel;
    try {
      dc = this.#link.dataChannel(label, streamId, options);
    } catch {
      return; // the connection is closed; the Room disposes of us shortly
    }
    this.#dc = dc;
    dc.bufferedAmountLowThreshold = LOW_WATER;
    dc.onbufferedamountlow = () => this.#wake?.();
    let opened = false;
    dc.onopen = () => {
      opened = true;
      this.#askHello();
    };
    dc.onmessage = ({ data }) => {
      const frame = decodeFrame(data);
      if (!frame || dc !== this.#dc) return;
      try {
        this.#receive(frame, dc);
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

  #askHello(): void {
    this.#sendControl(Kind.Hello, HelloType.Ask, 0, this.#spec.label);
    // On an unreliable channel a Hello (or its answer) can be lost: ask again until answered, as
    // long as the channel is open (not forever once it closed or was disposed of unanswered).
    if (this.#spec.unreliable && this.#dc?.readyState === 'open') {
      setTimeout(() => {
        if (!this.ready) this.#askHello();
      }, HELLO_RETRY);
    }
  }

  /**
   * Sends a Hello or a Cancel with its text, ahead of the queue (a Cancel must overtake the data
   * frames it stops); nothing when the channel is not open.
   */
  #sendControl(kind: Kind, type: number, id: number, text: string): void {
    if (this.#dc?.readyState !== 'open') return;
    this.#dc.send(encodeFrame({ kind, type, id, offset: 0, total: 0 }, encoder.encode(text)));
  }

  #receive(frame: Frame, dc: RTCDataChannel): void {
    switch (frame.kind) {
      case Kind.Hello:
        return this.#onHello(frame, dc);
      case Kind.Message:
        return this.#onMessage(frame, dc);
      case Kind.FileStart:
        return this.#onFileStart(frame);
      case Kind.FileData:
        return this.#onFileData(frame);
      case Kind.FileEnd:
        return this.#onFileEnd(frame);
      case Kind.Cancel:
        return this.#onCancel(frame);
      default:
      // A kind this version does not know (a newer peer's): dropped.
    }
  }

  #onHello({ type, payload }: Frame, dc: RTCDataChannel): void {
    const label = decoder.decode(payload);
    if (label !== dc.label) {
      const { message, hint } = labelCollision(dc.label, label);
      this.#emit('peer-error', { peer: this.peer, code: 'label-collision', message, hint });
      return;
    }
    if (type === HelloType.Ask) this.#sendControl(Kind.Hello, HelloType.Answer, 0, this.#spec.label);
    if (!this.ready) {
      this.ready = true;
      this.#emit('open', { peer: this.peer });
      void this.#pump();
    }
  }

  #onMessage({ type, id, offset, total, payload }: Frame, dc: RTCDataChannel): void {
    const partial = this.#partial;
    let message = partial.get(id);
    if (!message) {
      if (id === this.#refused) return;
      const bytes = allocate(total, this.#spec.options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE);
      if (!bytes) {
        this.#refused = id;
        this.#refuseMessage(id);
        return;
      }
      message = { bytes, loaded: 0 };
      partial.set(id, message);
      // An ordered sender finishes one message before the next: anything older is lost.
      const keep = dc.ordered ? 1 : MAX_PARTIAL;
      for (const old of partial.keys()) if (partial.size > keep) partial.delete(old);
    }
    message.bytes.set(payload, offset);
    message.loaded += payload.byteLength;
    if (message.loaded >= total) {
      partial.delete(id);
      this.#deliver(type, message.bytes);
    }
  }

  #onFileStart({ id, total, payload }: Frame): void {
    const bytes = allocate(total, this.#spec.options.maxFileSize ?? Infinity);
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
    else this.#refuseFile(id);
  }

  #onFileData({ id, offset, payload }: Frame): void {
    const file = this.#incoming.get(id);
    if (!file) return; // cancelled
    // More than the announced size: the same as a file past the limit.
    if (file.loaded + payload.byteLength > file.total) {
      this.#refuseFile(id);
      return;
    }
    file.bytes.set(payload, offset);
    file.loaded += payload.byteLength;
    this.#progress(file, offset);
  }

  #onFileEnd({ id, payload }: Frame): void {
    const file = this.#incoming.get(id);
    if (file) void this.#complete(file, payload);
  }

  /** The peer stopped a transfer, or refused a message or a file as too large. */
  #onCancel({ type, id, payload }: Frame): void {
    const tooLarge = decoder.decode(payload) === 'too-large';
    const code = tooLarge ? 'too-large' : 'cancelled';
    const message = `${this.peer} stopped it: ${code}.`;
    if (type === CancelType.Transfer) {
      const hint = tooLarge ? `Ask ${this.peer} to raise max-file-size.` : undefined;
      // A file refused after we sent it all is no longer ours to end, but we still hear of it.
      this.#endTransfer(id, code, message, hint, tooLarge ? 'send' : undefined);
    } else {
      const hint = tooLarge ? `Ask ${this.peer} to raise max-message-size.` : undefined;
      this.#messages.delete(id);
      this.#emit('message-error', { peer: this.peer, direction: 'send', code, message, hint });
    }
  }

  /** Drops incoming message `id` as too large, and tells the peer. */
  #refuseMessage(id: number): void {
    this.#sendControl(Kind.Cancel, CancelType.Message, id, 'too-large');
    const message = 'Over max-message-size: dropped.';
    this.#emit('message-error', {
      peer: this.peer,
      direction: 'receive',
      code: 'too-large',
      message,
      hint: 'Raise max-message-size.',
    });
  }

  /** Drops incoming file `id` as too large, and tells the peer. */
  #refuseFile(id: number): void {
    this.#sendControl(Kind.Cancel, CancelType.Transfer, id, 'too-large');
    this.#endTransfer(id, 'too-large', 'Over max-file-size: dropped.', 'Raise max-file-size.');
  }

  #deliver(wireType: number, bytes: Uint8Array<ArrayBuffer>): void {
    // A type this version does not know (a newer peer's) arrives as binary.
    const type = messageTypes[wireType] ?? 'binary';
    this.#emit('message', { from: this.peer, data: decodeMessage(type, bytes), type });
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
    if (sameBytes(new Uint8Array(await hashing), expected))
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
    fallbackDirection?: TransferDirection,
  ): boolean {
    const transfer = this.#files.get(id) ?? this.#incoming.get(id);
    this.#files.delete(id);
    this.#incoming.delete(id);
    const direction = transfer?.direction ?? fallbackDirection;
    if (!direction) return false;
    this.#emit('transfer-error', { id: transferId(id), peer: this.peer, direction, code, message, hint });
    return true;
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
        const lane = this.#nextLane();
        const [job] = lane.values();
        if (!job) return;
        let next;
        try {
          job.frames ??= this.#frames(job);
          next = await job.frames.next();
        } catch (error) {
          this.#readFailed(lane, job, error);
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

  /** The lanes take turns; a lane with nothing queued gives its turn to the other. */
  #nextLane(): Map<number, Outgoing> {
    this.#filesTurn = !this.#filesTurn;
    if (this.#filesTurn) return this.#files.size > 0 ? this.#files : this.#messages;
    return this.#messages.size > 0 ? this.#messages : this.#files;
  }

  /** A job whose Blob could not be read fails (a file) or is dropped with an error (a message). */
  #readFailed(lane: Map<number, Outgoing>, job: Outgoing, error: unknown): void {
    const message = `Unreadable: ${(error as Error).message}`;
    if (job.file) this.#endTransfer(job.id, 'read-failed', message);
    else if (lane.delete(job.id))
      this.#emit('message-error', { peer: this.peer, direction: 'send', code: 'read-failed', message });
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
    const peerLimit = this.#link.pc.sctp?.maxMessageSize || MAX_FRAME;
    const chunk = Math.min(MAX_FRAME, peerLimit) - HEADER_SIZE;
    const buffer = total > chunk ? new Uint8Array(HEADER_SIZE + chunk) : undefined;
    if (file) {
      source.digest().catch(() => {}); // a read that fails fails the job at its load()
      this.#progress(job, -1);
      const { type: mimeType, lastModified = Date.now() } = source.data as File;
      const meta: FileMeta = { name: file.name, type: mimeType, lastModified };
      const header = { kind: Kind.FileStart, type: 0, id, offset: 0, total };
      yield encodeFrame(header, encoder.encode(JSON.stringify(meta)));
    }
    const kind = file ? Kind.FileData : Kind.Message;
    // At least one frame, even for no bytes at all.
    for (let start = 0; start === 0 || start < total; start += chunk) {
      const end = Math.min(start + chunk, total);
      // Bytes are all in at once: only a Blob waits here (for a chat line, an await per message
      // made small messages about 5 times slower).
      if (source.loaded < end) await source.load(end);
      const header: FrameHeader = { kind, type, id, offset: start, total };
      const frame = encodeFrame(header, source.bytes.subarray(start, end), buffer);
      if (file) {
        job.loaded = end;
        this.#progress(job, start);
      } else if (end === total) return frame; // a message's last frame
      yield frame;
    }
    const digest = new Uint8Array(await source.digest());
    return encodeFrame({ kind: Kind.FileEnd, type: 0, id, offset: 0, total }, digest);
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

/** A message's bytes as the value its sender gave (`type` says how it was sent). */
function decodeMessage(type: MessageType, bytes: Uint8Array<ArrayBuffer>): unknown {
  switch (type) {
    case 'blob':
      return new Blob([bytes]);
    case 'string':
      return decoder.decode(bytes);
    case 'json':
      return JSON.parse(decoder.decode(bytes));
    case 'binary':
      return bytes.buffer;
  }
}

/** Whether two digests are the same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `size` bytes for something a peer announced, or nothing when it is over `limit` or more than this
 * page can hold at all (a RangeError): either way it is refused.
 */
function allocate(size: number, limit: number): Uint8Array<ArrayBuffer> | undefined {
  if (size > limit) return undefined;
  try {
    return new Uint8Array(size);
  } catch {
    return undefined;
  }
}
