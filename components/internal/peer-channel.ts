/**
 * One labelled channel to one peer: a negotiated RTCDataChannel plus everything that makes it a
 * safe pipe for messages and files of any size (the frame format lives in framing.ts).
 *
 * - Handshake: each side sends `Hello` when its channel opens and answers the other's. A negotiated
 *   channel opens as soon as the SCTP association is up, even when the other page has no element
 *   with that label yet (its data would be dropped), so nothing is sent before the other's Hello.
 * - Chunking: messages and files are cut into frames no larger than the peer accepts. Blobs are read
 *   one slice (16 frames, about 1 MiB) at a time.
 * - Backpressure: frames are sent while `bufferedAmount` is under HIGH_WATER, then the pump waits for
 *   `bufferedamountlow`: the browser's send buffer never overflows (Chromium closes a channel whose
 *   buffer passes 16 MiB).
 * - Two lanes, messages and files, take turns, so a chat line is not stuck behind a large file.
 *   Each lane is first-in first-out.
 * - Limits: an incoming message past `maxMessageSize`, or a file past `maxFileSize`, is dropped and
 *   refused (a `Cancel` frame with `too-large`), so a peer cannot make us buffer without end.
 */
import { channelIdOf, DataType, decodeFrame, decoder, encodeFrame, encoder, HEADER_SIZE, Kind, MAX_FRAME, type Frame } from './framing.js';
import type { PeerLink } from './peer-link.js';
import { labelCollision } from './room-errors.js';

const MiB = 1024 * 1024;
const HIGH_WATER = 4 * MiB;
const LOW_WATER = 2 * MiB;
/** Frames cut from one Blob read. */
const SLICE_FRAMES = 16;
/** Progress events come at most once per this many bytes (and always for the last byte). */
const PROGRESS_STEP = 256 * 1024;
/** Unfinished incoming messages kept per peer on an unordered channel (lost chunks never come). */
const MAX_PARTIAL = 64;
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * MiB;

/** How a message was sent, and so how it arrives. */
export type MessageType = 'string' | 'binary' | 'blob' | 'json';
const messageTypes: readonly MessageType[] = ['string', 'binary', 'blob', 'json'];

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

/** A file being sent, shared by the channels to every recipient. */
export interface OutgoingFile {
  id: number;
  blob: Blob;
  name: string;
  /**
   * The file's bytes, copied from the slices the channels read (each channel reads all of it):
   * what the hash is computed from, so the file is not read a second time.
   */
  bytes?: Uint8Array<ArrayBuffer>;
  /** Its SHA-256, started once a channel has read the last slice; shared by all recipients. */
  digest?: Promise<ArrayBuffer>;
}

/** Where a PeerChannel reports: the RoomChannel dispatches these as CustomEvents. */
export type ChannelEmit = (type: string, detail: object) => void;

interface Outgoing {
  id: number;
  type: DataType;
  data: Uint8Array | Blob;
  file?: OutgoingFile;
  /** Bytes per chunk, fixed by the first frame (every frame carries `total`). */
  chunk: number;
  total: number;
  /** The next frame: -1 FileStart, 0..total-1 data, total FileEnd. */
  step: number;
  /** The Blob slice read last, and its offset. */
  slice?: Uint8Array;
  sliceStart: number;
}

/** An incoming message: its chunks so far (by `seq`: an unordered channel may reorder them). */
interface Incoming {
  parts: Uint8Array[];
  count: number;
  loaded: number;
}

/** An incoming file: written in place as its chunks come, in order (files need an ordered channel). */
interface IncomingFile {
  name: string;
  type: string;
  size: number;
  lastModified: number;
  /** `size` bytes, allocated when the file starts. */
  bytes: Uint8Array<ArrayBuffer>;
  loaded: number;
  count: number;
  total: number;
  digest?: Uint8Array;
}

export const transferId = (id: number): string => id.toString(16).padStart(8, '0');

const sizeOf = (data: Uint8Array | Blob): number => (data instanceof Blob ? data.size : data.byteLength);

export class PeerChannel {
  /** True once both ends have their channel (Hello exchanged): data flows. */
  ready = false;
  /** Unset only when the connection was closed before this channel could be created. */
  private dc: RTCDataChannel | undefined;
  private readonly messages: Outgoing[] = [];
  private readonly files: Outgoing[] = [];
  private readonly partial = new Map<number, Incoming>();
  private readonly incoming = new Map<number, IncomingFile>();
  /** The message we refused last: its remaining frames are dropped. */
  private refused = -1;
  private nextId = 0;
  private pumping = false;
  private filesTurn = false;
  private disposed = false;
  /** Resumes a pump that waits for the send buffer to drain. */
  private wake = (): void => {};

  constructor(
    private readonly link: PeerLink,
    readonly label: string,
    private readonly options: ChannelOptions,
    private readonly emit: ChannelEmit,
  ) {
    this.open();
  }

  get peer(): string {
    return this.link.remoteId;
  }

  sendMessage(type: DataType, data: Uint8Array | Blob): void {
    this.nextId = (this.nextId + 1) >>> 0;
    this.messages.push({ id: this.nextId, type, data, chunk: 0, total: 0, step: 0, sliceStart: 0 });
    void this.pump();
  }

  sendFile(file: OutgoingFile): void {
    this.files.push({ id: file.id, type: DataType.Binary, data: file.blob, file, chunk: 0, total: 0, step: -1, sliceStart: 0 });
    void this.pump();
  }

  /** Stops transfer `id` in either direction and tells the peer. False when there is none. */
  cancel(id: number): boolean {
    if (!this.endTransfer(id, 'cancelled', 'Cancelled here.')) return false;
    this.tell(id, 0, 'cancelled');
    return true;
  }

  get transfers(): TransferInfo[] {
    const peer = this.peer;
    const out = this.files.map((job): TransferInfo => {
      const total = sizeOf(job.data);
      return { id: transferId(job.id), peer, direction: 'send', name: job.file!.name, loaded: Math.max(0, Math.min(job.step * job.chunk, total)), total };
    });
    for (const [id, file] of this.incoming) {
      out.push({ id: transferId(id), peer, direction: 'receive', name: file.name, loaded: file.loaded, total: file.size });
    }
    return out;
  }

  /** Closes the channel for good: unfinished transfers fail (`peer-left`), queued messages are dropped. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.lost(`${this.peer} left.`);
    this.messages.length = 0;
    this.dc?.close();
  }

  private open(): void {
    let dc: RTCDataChannel;
    try {
      dc = this.dc = this.link.dataChannel(this.label, channelIdOf(this.label), this.options);
    } catch {
      return; // the connection is closed; the Room disposes of us shortly
    }
    dc.bufferedAmountLowThreshold = LOW_WATER;
    dc.onbufferedamountlow = () => this.wake();
    let opened = false;
    dc.onopen = () => {
      opened = true;
      this.hello(0);
    };
    dc.onmessage = ({ data }) => {
      const frame = decodeFrame(data);
      try {
        if (frame && dc === this.dc) this.receive(frame);
      } catch {
        // A malformed frame (not from rtc-elements): dropped.
      }
    };
    dc.onclose = () => {
      this.wake();
      if (this.disposed || dc !== this.dc) return;
      this.lost(`The channel to ${this.peer} closed.`);
      // The other page may add an element with this label again later: be ready for it, as long
      // as the association lives (a channel that never opened is not retried: no loop).
      if (opened && this.link.pc.sctp?.state === 'connected') this.open();
    };
  }

  /** The channel went away: fail the transfers, keep queued messages for the next channel. */
  private lost(message: string): void {
    for (const id of [...this.files.map((job) => job.id), ...this.incoming.keys()]) this.endTransfer(id, 'peer-left', message);
    this.partial.clear();
    // A message cut off mid-way is sent again whole on the next channel.
    for (const job of this.messages) job.step = 0;
    if (this.ready) {
      this.ready = false;
      this.emit('close', { peer: this.peer });
    }
  }

  private hello(answer: 0 | 1): void {
    if (this.dc?.readyState !== 'open') return;
    this.dc.send(encodeFrame(Kind.Hello, answer, 0, 0, 0, encoder.encode(this.label)));
    // On an unreliable channel a Hello (or its answer) can be lost: ask again until answered.
    const unreliable = this.options.maxRetransmits != null || this.options.maxPacketLifeTime != null;
    if (!answer && unreliable) setTimeout(() => this.ready || this.disposed || this.hello(0), 1000);
  }

  /** Sends a control frame ahead of the queue (it must overtake the data frames it stops). */
  private tell(id: number, message: 0 | 1, code: string): void {
    if (this.ready && this.dc?.readyState === 'open') this.dc.send(encodeFrame(Kind.Cancel, message, id, 0, 0, encoder.encode(code)));
  }

  private receive(frame: Frame): void {
    const { kind, type, id, seq, total, payload } = frame;
    const size = payload.byteLength;
    if (kind === Kind.Hello) {
      const label = decoder.decode(payload);
      if (label !== this.label) {
        const { code, message, hint } = labelCollision(this.label, label);
        return this.emit('peer-error', { peer: this.peer, code, message, hint });
      }
      if (!type) this.hello(1);
      if (!this.ready) {
        this.ready = true;
        this.emit('open', { peer: this.peer });
        void this.pump();
      }
    } else if (kind === Kind.Message) {
      let message = this.partial.get(id);
      if (!message) {
        if (id === this.refused) return;
        this.partial.set(id, (message = { parts: [], count: 0, loaded: 0 }));
        // An ordered sender finishes one message before the next: anything older is lost.
        const keep = this.options.ordered === false ? MAX_PARTIAL : 1;
        for (const old of this.partial.keys()) if (this.partial.size > keep) this.partial.delete(old);
      }
      if (message.parts[seq]) return; // a duplicate
      message.parts[seq] = payload;
      message.count += 1;
      message.loaded += size;
      if (message.loaded > (this.options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)) {
        this.partial.delete(id);
        this.refused = id;
        this.refuse(id, 1);
      } else if (message.count === total) {
        this.partial.delete(id);
        this.deliver(type, message.parts);
      }
    } else if (kind === Kind.FileStart) {
      const meta = JSON.parse(decoder.decode(payload)) as Pick<IncomingFile, 'name' | 'type' | 'size' | 'lastModified'>;
      let bytes;
      try {
        // Over the limit, or more than this page can hold at all (a RangeError): refused.
        if (meta.size <= (this.options.maxFileSize ?? Infinity)) bytes = new Uint8Array(meta.size);
      } catch {}
      this.incoming.set(id, { ...meta, bytes: bytes!, loaded: 0, count: 0, total });
      if (bytes) this.progress(id, 'receive', -1, 0, meta.size);
      else this.refuse(id, 0);
    } else if (kind === Kind.FileData) {
      const file = this.incoming.get(id);
      if (!file || seq !== file.count) return; // cancelled (or a frame out of place: the hash fails)
      // More than the announced size: the same as a file past the limit.
      if (file.loaded + size > file.size) return this.refuse(id, 0);
      file.bytes.set(payload, file.loaded);
      file.count += 1;
      file.loaded += size;
      this.progress(id, 'receive', file.loaded - size, file.loaded, file.size);
      void this.complete(id, file);
    } else if (kind === Kind.FileEnd) {
      const file = this.incoming.get(id);
      if (file) {
        file.digest = payload;
        void this.complete(id, file);
      }
    } else if (kind === Kind.Cancel) {
      // The peer stopped a transfer, or refused a message or a file as too large.
      const tooLarge = decoder.decode(payload) === 'too-large';
      const code = tooLarge ? 'too-large' : 'cancelled';
      const message = `${this.peer} ${tooLarge ? 'refused it: too large' : 'cancelled it'}.`;
      const hint = tooLarge ? 'Ask the receiver to raise its limit.' : undefined;
      // A file refused after we sent it all is no longer ours to end, but we still hear of it.
      if (!type) return void this.endTransfer(id, code, message, hint, tooLarge ? 'send' : undefined);
      const index = this.messages.findIndex((job) => job.id === id);
      if (index >= 0) this.messages.splice(index, 1);
      this.messageError('send', code, message, hint);
    }
  }

  /** Drops incoming message (`message` 1) or file `id` as too large, and tells the peer. */
  private refuse(id: number, message: 0 | 1): void {
    this.tell(id, message, 'too-large');
    const limit = message ? 'max-message-size' : 'max-file-size';
    const text = `Over ${limit}: dropped.`;
    const hint = `Raise ${limit}.`;
    if (message) this.messageError('receive', 'too-large', text, hint);
    else this.endTransfer(id, 'too-large', text, hint);
  }

  private messageError(direction: TransferDirection, code: TransferErrorCode, message: string, hint?: string): void {
    this.emit('message-error', { peer: this.peer, direction, code, message, hint });
  }

  private deliver(type: number, parts: Uint8Array[]): void {
    let data: unknown;
    if (type === DataType.Blob) data = new Blob(parts as BlobPart[]);
    else {
      const bytes = concat(parts);
      if (type === DataType.Binary) data = bytes.buffer;
      else {
        data = decoder.decode(bytes);
        if (type === DataType.Json) data = JSON.parse(data as string);
      }
    }
    this.emit('message', { from: this.peer, data, type: messageTypes[type] ?? 'binary' });
  }

  /** Delivers a file once every chunk and the digest are in, and the digest matches. */
  private async complete(id: number, file: IncomingFile): Promise<void> {
    const expected = file.digest;
    if (!expected || file.count < file.total) return;
    this.incoming.delete(id);
    // Hashed from memory: a File's bytes would have to be read back from the blob store first.
    const { bytes } = file;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    if (file.loaded === file.size && digest.every((byte, i) => byte === expected[i])) {
      const result = new File([bytes], file.name, { type: file.type, lastModified: file.lastModified });
      this.emit('file', { id: transferId(id), from: this.peer, file: result });
    } else {
      this.emit('transfer-error', { id: transferId(id), peer: this.peer, direction: 'receive', code: 'integrity', message: `"${file.name}" arrived damaged (SHA-256); discarded.` });
    }
  }

  /**
   * Ends transfer `id` in whichever direction it runs, with an error event (in `direction` when it
   * runs in none). False when there is none.
   */
  private endTransfer(id: number, code: TransferErrorCode, message: string, hint?: string, direction?: TransferDirection): boolean {
    const index = this.files.findIndex((job) => job.id === id);
    if (index >= 0) this.files.splice(index, 1);
    if (index >= 0 || this.incoming.delete(id)) direction = index >= 0 ? 'send' : 'receive';
    if (direction) this.emit('transfer-error', { id: transferId(id), peer: this.peer, direction, code, message, hint });
    return !!direction;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const dc = this.dc;
        if (this.disposed || !this.ready || dc?.readyState !== 'open') return;
        if (dc.bufferedAmount > HIGH_WATER) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        this.filesTurn = !this.filesTurn;
        const lane = (this.filesTurn && this.files.length) || !this.messages.length ? this.files : this.messages;
        const job = lane[0];
        if (!job) return;
        let frame: ArrayBuffer;
        try {
          frame = await this.frame(job);
        } catch (error) {
          const message = `Unreadable: ${(error as Error).message}`;
          if (job.file) this.endTransfer(job.id, 'read-failed', message);
          else {
            lane.shift();
            this.messageError('send', 'read-failed', message);
          }
          continue;
        }
        // The job may have been cancelled, or the channel lost, while the frame was being read.
        if (lane[0] !== job || dc !== this.dc || dc.readyState !== 'open') continue;
        try {
          dc.send(frame);
        } catch {
          return; // closing under our feet: the close handler takes over
        }
        const size = sizeOf(job.data);
        if (job.file && job.step >= 0 && job.step < job.total) {
          this.progress(job.id, 'send', job.step * job.chunk, Math.min((job.step + 1) * job.chunk, size), size);
        }
        job.step += 1;
        if (job.step >= job.total + (job.file ? 1 : 0)) lane.shift();
      }
    } finally {
      this.pumping = false;
    }
  }

  private async frame(job: Outgoing): Promise<ArrayBuffer> {
    const { id, step, file } = job;
    const size = sizeOf(job.data);
    if (!job.chunk) {
      // The peer's limit (RFC 8841); 0 would mean "unknown": keep our own.
      job.chunk = Math.min(MAX_FRAME, this.link.pc.sctp?.maxMessageSize || MAX_FRAME) - HEADER_SIZE;
      job.total = Math.max(file ? 0 : 1, Math.ceil(size / job.chunk));
    }
    if (step < 0) {
      const blob = file!.blob;
      const meta = { name: file!.name, type: blob.type, size, lastModified: (blob as File).lastModified ?? Date.now() };
      this.progress(id, 'send', -1, 0, size);
      return encodeFrame(Kind.FileStart, 0, id, 0, job.total, encoder.encode(JSON.stringify(meta)));
    }
    if (file && step === job.total) return encodeFrame(Kind.FileEnd, 0, id, step, job.total, new Uint8Array(await digestOf(file)));
    const start = step * job.chunk;
    const end = Math.min(size, start + job.chunk);
    return encodeFrame(file ? Kind.FileData : Kind.Message, job.type, id, step, job.total, await this.bytes(job, start, end));
  }

  /** Bytes `start` to `end` of a job's data; a Blob is read a slice of several frames at a time. */
  private async bytes(job: Outgoing, start: number, end: number): Promise<Uint8Array> {
    const data = job.data;
    if (!(data instanceof Blob)) return data.subarray(start, end);
    if (!job.slice || start < job.sliceStart || end > job.sliceStart + job.slice.byteLength) {
      const slice = (job.slice = new Uint8Array(await data.slice(start, start + SLICE_FRAMES * job.chunk).arrayBuffer()));
      job.sliceStart = start;
      const file = job.file;
      if (file) {
        (file.bytes ??= new Uint8Array(data.size)).set(slice, start);
        // The last slice: hash now, while the send buffer drains, so FileEnd does not wait.
        if (start + slice.byteLength === data.size) void digestOf(file);
      }
    }
    return job.slice.subarray(start - job.sliceStart, end - job.sliceStart);
  }

  /**
   * A progress event for a move from `before` to `loaded` bytes: the first (`before` -1), the last,
   * and one each time a PROGRESS_STEP boundary is crossed.
   */
  private progress(id: number, direction: TransferDirection, before: number, loaded: number, total: number): void {
    if (before < 0 || loaded === total || Math.floor(loaded / PROGRESS_STEP) > Math.floor(before / PROGRESS_STEP)) this.emit('transfer-progress', { id: transferId(id), peer: this.peer, loaded, total, direction });
  }
}

/** The SHA-256 of a file whose bytes were all read (computed once, for every recipient). */
function digestOf(file: OutgoingFile): Promise<ArrayBuffer> {
  return (file.digest ??= crypto.subtle.digest('SHA-256', file.bytes ?? new Uint8Array()));
}

/** The parts as one new buffer (a copy even for one part: a part is a view into its frame). */
function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
