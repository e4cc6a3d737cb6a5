/**
 * One labelled channel to one peer: a negotiated RTCDataChannel plus everything that makes it a
 * safe pipe for messages and files of any size (the frame format lives in framing.ts).
 *
 * - Handshake: each side sends `Hello` when its channel opens and answers the other's. A negotiated
 *   channel opens as soon as the SCTP association is up, even when the other page has no element
 *   with that label yet (its data would be dropped), so nothing is sent before the other's Hello.
 * - Chunking: messages and files are cut into frames no larger than the peer accepts.
 * - Backpressure: frames are sent while `bufferedAmount` is under HIGH_WATER, then the pump waits for
 *   `bufferedamountlow`: the browser's send buffer never overflows (Chromium closes a channel whose
 *   buffer passes 16 MiB).
 * - Two lanes, messages and files, take turns, so a chat line is not stuck behind a large file.
 *   Each lane is first-in first-out.
 */
import { channelIdOf, DataType, decodeFrame, decoder, encodeFrame, encoder, HEADER_SIZE, Kind, MAX_FRAME, type Frame } from './framing.js';
import type { PeerLink } from './peer-link.js';
import { labelCollision } from './room-errors.js';

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Unfinished incoming messages kept per peer on an unreliable channel (lost chunks never come). */
const MAX_PARTIAL = 64;

/** How a message was sent, and so how it arrives. */
export type MessageType = 'string' | 'binary' | 'blob' | 'json';
export const messageTypes: readonly MessageType[] = ['string', 'binary', 'blob', 'json'];

export type TransferDirection = 'send' | 'receive';

export type TransferErrorCode =
  /** Either side called cancelTransfer(). */
  | 'cancelled'
  /** The peer left (or its channel closed) before the transfer finished. */
  | 'peer-left'
  /** The received bytes do not have the sender's SHA-256. */
  | 'integrity'
  /** The file could not be read (it was deleted or changed meanwhile). */
  | 'read-failed';

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
  /** SHA-256 of the whole file; computed once, when the first recipient needs it. */
  digest(): Promise<ArrayBuffer>;
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
}

interface IncomingFile {
  name: string;
  type: string;
  size: number;
  lastModified: number;
  parts: Uint8Array[];
  count: number;
  total: number;
  loaded: number;
  digest?: Uint8Array;
}

export const transferId = (id: number): string => id.toString(16).padStart(8, '0');

export class PeerChannel {
  /** True once both ends have their channel (Hello exchanged): data flows. */
  ready = false;
  /** Unset only when the connection was closed before this channel could be created. */
  private dc!: RTCDataChannel | undefined;
  private readonly messages: Outgoing[] = [];
  private readonly files: Outgoing[] = [];
  private readonly partial = new Map<number, { parts: Uint8Array[]; count: number }>();
  private readonly incoming = new Map<number, IncomingFile>();
  private nextId = 0;
  private pumping = false;
  private filesTurn = false;
  private disposed = false;
  /** Resumes a pump that waits for the send buffer to drain. */
  private wake = (): void => {};

  constructor(
    private readonly link: PeerLink,
    readonly label: string,
    private readonly init: RTCDataChannelInit,
    private readonly emit: ChannelEmit,
  ) {
    this.open();
  }

  get peer(): string {
    return this.link.remoteId;
  }

  sendMessage(type: DataType, data: Uint8Array | Blob): void {
    this.nextId = (this.nextId + 1) >>> 0;
    this.messages.push({ id: this.nextId, type, data, chunk: 0, total: 0, step: 0 });
    void this.pump();
  }

  sendFile(file: OutgoingFile): void {
    this.files.push({ id: file.id, type: DataType.Binary, data: file.blob, file, chunk: 0, total: 0, step: -1 });
    void this.pump();
  }

  /** Stops transfer `id` in either direction and tells the peer. False when there is none. */
  cancel(id: number): boolean {
    const lane = this.files.findIndex((job) => job.id === id);
    const sending = lane >= 0;
    if (!sending && !this.incoming.has(id)) return false;
    if (sending) this.files.splice(lane, 1);
    this.incoming.delete(id);
    if (this.ready && this.dc?.readyState === 'open') {
      // Not queued: it must overtake the data frames of the transfer it stops.
      this.dc.send(encodeFrame(Kind.Cancel, 0, id, 0, 0, encoder.encode('cancelled')));
    }
    this.transferError(id, sending ? 'send' : 'receive', 'cancelled', 'The transfer was cancelled here.');
    return true;
  }

  get transfers(): TransferInfo[] {
    const peer = this.peer;
    const out = this.files.map((job): TransferInfo => ({
      id: transferId(job.id),
      peer,
      direction: 'send',
      name: job.file!.name,
      loaded: Math.max(0, Math.min(job.step * job.chunk, (job.data as Blob).size)),
      total: (job.data as Blob).size,
    }));
    for (const [id, file] of this.incoming) {
      out.push({ id: transferId(id), peer, direction: 'receive', name: file.name, loaded: file.loaded, total: file.size });
    }
    return out;
  }

  /** Closes the channel for good: unfinished transfers fail (`peer-left`), queued messages are dropped. */
  dispose(message = `${this.peer} left the room.`): void {
    if (this.disposed) return;
    this.disposed = true;
    this.lost(message);
    this.messages.length = 0;
    this.dc?.close();
  }

  private open(): void {
    let dc: RTCDataChannel;
    try {
      dc = this.dc = this.link.dataChannel(this.label, channelIdOf(this.label), this.init);
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
      this.lost(`The channel to ${this.peer} closed (the peer left or removed its element).`);
      // The other page may add an element with this label again later: be ready for it, as long
      // as the association lives (a channel that never opened is not retried: no loop).
      if (opened && this.link.pc.sctp?.state === 'connected') this.open();
    };
  }

  /** The channel went away: fail the transfers, keep queued messages for the next channel. */
  private lost(message: string): void {
    for (const job of this.files.splice(0)) this.transferError(job.id, 'send', 'peer-left', message);
    for (const id of [...this.incoming.keys()]) {
      this.incoming.delete(id);
      this.transferError(id, 'receive', 'peer-left', message);
    }
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
    const unreliable = this.init.maxRetransmits != null || this.init.maxPacketLifeTime != null;
    if (!answer && unreliable) setTimeout(() => this.ready || this.disposed || this.hello(0), 1000);
  }

  private receive(frame: Frame): void {
    const { kind, id, seq, total, payload } = frame;
    switch (kind) {
      case Kind.Hello: {
        const label = decoder.decode(payload);
        if (label !== this.label) {
          const { code, message, hint } = labelCollision(this.label, label);
          this.emit('peer-error', { peer: this.peer, code, message, hint });
          return;
        }
        if (frame.type === 0) this.hello(1);
        if (!this.ready) {
          this.ready = true;
          this.emit('open', { peer: this.peer });
          void this.pump();
        }
        return;
      }
      case Kind.Message: {
        if (total === 1) return this.deliver(frame.type, [payload]);
        let message = this.partial.get(id);
        if (!message) {
          this.partial.set(id, (message = { parts: [], count: 0 }));
          if (this.partial.size > MAX_PARTIAL) this.partial.delete(this.partial.keys().next().value!);
        }
        if (!message.parts[seq]) message.count += 1;
        message.parts[seq] = payload;
        if (message.count === total) {
          this.partial.delete(id);
          this.deliver(frame.type, message.parts);
        }
        return;
      }
      case Kind.FileStart: {
        const meta = JSON.parse(decoder.decode(payload)) as Pick<IncomingFile, 'name' | 'type' | 'size' | 'lastModified'>;
        this.incoming.set(id, { ...meta, parts: [], count: 0, total, loaded: 0 });
        this.progress(id, 'receive', 0, meta.size);
        return;
      }
      case Kind.FileData: {
        const file = this.incoming.get(id);
        if (!file || file.parts[seq]) return; // cancelled, or a duplicate
        file.parts[seq] = payload;
        file.count += 1;
        file.loaded += payload.byteLength;
        this.progress(id, 'receive', file.loaded, file.size);
        return void this.complete(id, file);
      }
      case Kind.FileEnd: {
        const file = this.incoming.get(id);
        if (file) {
          file.digest = payload.slice();
          void this.complete(id, file);
        }
        return;
      }
      case Kind.Cancel: {
        const job = this.files.findIndex((outgoing) => outgoing.id === id);
        const sending = job >= 0;
        if (sending) this.files.splice(job, 1);
        else if (!this.incoming.delete(id)) return;
        this.transferError(id, sending ? 'send' : 'receive', 'cancelled', `${this.peer} cancelled the transfer.`);
      }
    }
  }

  private deliver(type: number, parts: Uint8Array[]): void {
    let data: unknown;
    if (type === DataType.Blob) data = new Blob(parts as BlobPart[]);
    else {
      // One part is a view into its frame: copied out. Several are joined into a new buffer anyway.
      const bytes = parts.length === 1 ? parts[0]!.slice() : concat(parts);
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
    if (!file.digest || file.count < file.total) return;
    this.incoming.delete(id);
    const result = new File(file.parts as BlobPart[], file.name, { type: file.type, lastModified: file.lastModified });
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await result.arrayBuffer()));
    if (result.size === file.size && digest.every((byte, i) => byte === file.digest![i])) {
      this.emit('file', { id: transferId(id), from: this.peer, file: result });
    } else {
      this.transferError(id, 'receive', 'integrity', `"${file.name}" from ${this.peer} arrived damaged (SHA-256 mismatch); it was discarded.`);
    }
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
          lane.shift();
          this.transferError(job.id, 'send', 'read-failed', `Could not read "${job.file?.name}": ${(error as Error).message}`);
          continue;
        }
        // The job may have been cancelled, or the channel lost, while the frame was being read.
        if (lane[0] !== job || dc !== this.dc || dc.readyState !== 'open') continue;
        try {
          dc.send(frame);
        } catch {
          return; // closing under our feet: the close handler takes over
        }
        job.step += 1;
        if (job.file && job.step > 0 && job.step <= job.total) {
          const size = (job.data as Blob).size;
          this.progress(job.id, 'send', Math.min(job.step * job.chunk, size), size);
        }
        if (job.step >= job.total + (job.file ? 1 : 0)) lane.shift();
      }
    } finally {
      this.pumping = false;
    }
  }

  private async frame(job: Outgoing): Promise<ArrayBuffer> {
    const size = job.data instanceof Blob ? job.data.size : job.data.byteLength;
    if (!job.chunk) {
      // The peer's limit (RFC 8841); 0 would mean "unknown": keep our own.
      const limit = this.link.pc.sctp?.maxMessageSize || MAX_FRAME;
      job.chunk = Math.min(MAX_FRAME, limit) - HEADER_SIZE;
      job.total = job.file ? Math.ceil(size / job.chunk) : Math.max(1, Math.ceil(size / job.chunk));
    }
    const { id, step, total, file } = job;
    if (step < 0) {
      const blob = file!.blob;
      const meta = { name: file!.name, type: blob.type, size, lastModified: (blob as File).lastModified ?? Date.now() };
      this.progress(id, 'send', 0, size);
      return encodeFrame(Kind.FileStart, 0, id, 0, total, encoder.encode(JSON.stringify(meta)));
    }
    if (step === total && file) return encodeFrame(Kind.FileEnd, 0, id, step, total, new Uint8Array(await file.digest()));
    const start = step * job.chunk;
    const end = Math.min(size, start + job.chunk);
    const payload = job.data instanceof Blob ? new Uint8Array(await job.data.slice(start, end).arrayBuffer()) : job.data.subarray(start, end);
    return encodeFrame(file ? Kind.FileData : Kind.Message, job.type, id, step, total, payload);
  }

  private progress(id: number, direction: TransferDirection, loaded: number, total: number): void {
    this.emit('transfer-progress', { id: transferId(id), peer: this.peer, loaded, total, direction });
  }

  private transferError(id: number, direction: TransferDirection, code: TransferErrorCode, message: string): void {
    this.emit('transfer-error', { id: transferId(id), peer: this.peer, direction, code, message });
  }
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
