/**
 * One labelled channel to one peer: a negotiated RTCDataChannel plus everything that makes it a
 * safe pipe for messages and files of any size (docs/datachannel.md is the contract, framing.ts
 * the frame format).
 *
 * - Handshake: each side sends `Hello` when its channel opens and answers the other's. A negotiated
 *   channel opens as soon as the SCTP association is up, even when the other page has no element
 *   with that label yet (its data would be dropped), so nothing is sent before the other's Hello.
 * - Chunking: messages and files are cut into frames no larger than the peer accepts.
 * - Backpressure: frames are sent while `bufferedAmount` is under HIGH_WATER, then the pump waits for
 *   `bufferedamountlow`: the browser's send buffer never overflows (Chromium closes a channel whose
 *   buffer passes 16 MiB).
 * - Two lanes, messages and files, take turns, so a chat line is not stuck behind a large file.
 *   Each lane is first-in first-out; each job in it (a message or a file) makes its frames one at a
 *   time, as the pump asks for them (an async generator).
 * - Receiving: whatever a peer sends is checked against the channel's Limits before it is kept,
 *   and what is kept grows with the bytes that arrive, never with the sizes announced. A message's
 *   chunks are joined when its last arrives.
 * - Files, both ways, are files.ts's work: it is imported on the first file, so a page that only
 *   exchanges messages never downloads it. File frames that come while it loads wait for it.
 * - A file's receiver may ask us to pause it while its storage catches up (Flow frames): the files
 *   lane waits (files go one at a time), the messages lane goes on. A file paused for longer than
 *   the transfer timeout is given up (`stalled`), and the files behind it go.
 *
 * It knows its RoomChannel only as a ChannelSpec (label, stream id, options) and reports through an
 * event sink, so the two modules do not depend on each other.
 */
import {
  cancelCodes,
  type ChannelEventSink,
  type TransferDirection,
  type TransferErrorCode,
} from './channel-events.js';
import { importOnce } from '../import-once.js';
import type * as Files from './files.js';
import {
  CancelType,
  decodeFrame,
  decoder,
  encodeFrame,
  encoder,
  FlowType,
  HEADER_SIZE,
  HelloType,
  Kind,
  MAX_FRAME,
  messageTypes,
  type Frame,
  type MessageType,
} from './framing.js';
import { DEFAULT_MAX_MEMORY_FILE_SIZE, limitsOf, type ChannelOptions, type Limits } from './limits.js';
import type { MessageBody } from './message-body.js';
import type { PeerLink } from './peer-link.js';
import { labelCollision } from './room-errors.js';
import {
  isStalled,
  transferId,
  type FileContext,
  type FileJob,
  type Transfer,
  type Violation,
  type Watched,
} from './transfers.js';

export type { ChannelOptions } from './limits.js';

const MiB = 1024 * 1024;
const HIGH_WATER = 4 * MiB;
const LOW_WATER = 2 * MiB;
/** Unfinished incoming messages kept per peer on an unordered channel (lost chunks never come). */
const MAX_PARTIAL = 64;
/** How long an unreliable channel waits for the answer to its Hello before asking again. */
const HELLO_RETRY = 1000;
/**
 * File frames kept while the file code loads: past this a sender is too fast for us, and its
 * files are refused (`busy`).
 */
const MAX_EARLY_BYTES = 16 * MiB;

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

/** A file being sent, as every recipient's channel knows it. */
export interface OutgoingFile {
  id: number;
  name: string;
}

/** A message queued to this peer (the messages lane's job; a file is a FileJob). */
interface MessageJob {
  kind: 'message';
  id: number;
  /** The frames' `type`: how the message was sent (an index in messageTypes). */
  type: number;
  body: MessageBody;
  /** Its frames, made one at a time; unset until it starts (and again after a lost channel). */
  frames?: AsyncGenerator<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> | undefined;
}

/** An unfinished incoming message: its chunks so far, joined when the last one arrives. */
interface PartialMessage extends Watched {
  type: number;
  total: number;
  chunks: { offset: number; bytes: Uint8Array }[];
}

type FilesModule = typeof Files;

/** The file machinery, imported on the first file of the page. */
const loadFiles = importOnce<FilesModule>(() => import('./files.js'));

export { transferId } from './transfers.js';

export class PeerChannel {
  /** True once both ends have their channel (Hello exchanged): data flows. */
  ready = false;
  /** The remote peer's id. */
  readonly peer: string;
  readonly #link: PeerLink;
  readonly #spec: ChannelSpec;
  readonly #limits: Limits;
  readonly #emit: ChannelEventSink;
  /** Unset when disposed, or when the connection was closed before the channel could be created. */
  #dc: RTCDataChannel | undefined;
  /** The two lanes, by job id; a Map keeps the order in which jobs were queued. */
  readonly #messages = new Map<number, MessageJob>();
  readonly #files = new Map<number, FileJob>();
  /** Messages and files whose last frame went out: a refusal of one may still come. */
  readonly #sentMessages = new RecentIds();
  readonly #sentFiles = new RecentIds();
  readonly #partial = new Map<number, PartialMessage>();
  /** Bytes held by the unfinished messages in #partial. */
  #partialBytes = 0;
  /** Messages we refused: their remaining frames are dropped. */
  readonly #refused = new RecentIds();
  /** Files from this peer, once the file code is loaded; until then their frames wait in #early. */
  #incoming: Files.IncomingFiles | undefined;
  #early: Frame[] = [];
  #earlyBytes = 0;
  #nextId = 0;
  #pumping = false;
  #filesTurn = false;
  /** Resumes a pump that waits for the send buffer to drain. */
  #wake?: () => void;
  /** Runs #sweep while something incoming is unfinished. */
  #sweeper: ReturnType<typeof setInterval> | undefined;
  /** What the file code may use of this channel. */
  readonly #fileContext: FileContext;

  constructor(link: PeerLink, spec: ChannelSpec, emit: ChannelEventSink) {
    this.#link = link;
    this.#spec = spec;
    this.#limits = limitsOf(spec.options);
    this.#emit = emit;
    this.peer = link.remoteId;
    this.#fileContext = {
      peer: this.peer,
      limits: this.#limits,
      // Without a private file system a file is held in memory: the default limit is lower then.
      memoryLimit: spec.options.maxFileSize ?? DEFAULT_MAX_MEMORY_FILE_SIZE,
      emit,
      sendCancel: (id, code) => this.#sendControl(Kind.Cancel, CancelType.Transfer, id, code),
      sendPause: (id) => this.#sendControl(Kind.Flow, FlowType.Pause, id, ''),
      sendResume: (id) => this.#sendControl(Kind.Flow, FlowType.Resume, id, ''),
      chunkSize: () => this.#chunkSize(),
    };
    this.#open();
  }

  /** Queues a message of `type` made of `body`. */
  queueMessage(type: MessageType, body: MessageBody): void {
    this.#nextId = (this.#nextId + 1) >>> 0;
    this.#messages.set(this.#nextId, { kind: 'message', id: this.#nextId, type: messageTypes.indexOf(type), body });
    void this.#pump();
  }

  /** Queues `file`, whose bytes are `blob` (read for this peer when its turn comes). */
  queueFile({ id, name }: OutgoingFile, blob: Blob): void {
    this.#files.set(id, { kind: 'file', id, name, blob, direction: 'send', loaded: 0, total: blob.size });
    void this.#pump();
  }

  /** Stops transfer `id` in either direction and tells the peer. False when there is none. */
  cancel(id: number): boolean {
    if (!this.#endTransfer(id, 'cancelled', 'Cancelled here.')) return false;
    this.#sendControl(Kind.Cancel, CancelType.Transfer, id, 'cancelled');
    return true;
  }

  get transfers(): TransferInfo[] {
    const all: Transfer[] = [...this.#files.values(), ...(this.#incoming?.transfers ?? [])];
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
        // A frame this code could not handle (a message whose JSON does not parse): dropped.
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
    const transfers = [...this.#files.values(), ...(this.#incoming?.transfers ?? [])];
    for (const { id } of transfers) this.#endTransfer(id, 'peer-left', `The channel to ${this.peer} closed.`);
    this.#dropEarlyFiles();
    this.#partial.clear();
    this.#partialBytes = 0;
    this.#stopSweeping();
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
      case Kind.FileData:
      case Kind.FileEnd:
        return this.#onFileFrame(frame);
      case Kind.Cancel:
        return this.#onCancel(frame);
      case Kind.Flow:
        return this.#onFlow(frame);
      default:
      // A kind this version does not know (a newer peer's): dropped.
    }
  }

  #onHello(frame: Frame, dc: RTCDataChannel): void {
    // A channel made while the association is already up (a link verified after the peer made
    // its own, an element added later) can get the peer's Hello before its own `open` event
    // (Chromium): an answer sent now would be lost, and so would anything sent on `open` here.
    // The Hello is handled once the channel is open.
    if (dc.readyState === 'connecting') {
      dc.addEventListener('open', () => this.#onHello(frame, dc), { once: true });
      return;
    }
    const { type, payload } = frame;
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

  // ---- receiving messages ---------------------------------------------------------------------

  #onMessage({ type, id, offset, total, payload }: Frame, dc: RTCDataChannel): void {
    let message = this.#partial.get(id);
    if (!message) {
      if (this.#refused.has(id)) return; // the rest of a message we refused
      const { maxMessageSize } = this.#limits;
      if (total > maxMessageSize) {
        this.#refuseMessage(id, {
          code: 'too-large',
          message: `${this.peer} sent a message of ${total} bytes, over max-message-size (${maxMessageSize}): dropped.`,
          hint: 'Raise max-message-size to accept larger messages.',
        });
        return;
      }
      message = { type, total, chunks: [], loaded: 0, seenLoaded: 0, seenAt: performance.now() };
      this.#startMessage(id, message, dc.ordered);
    }
    const size = payload.byteLength;
    // On an ordered channel the chunks come in the order they were sent: each starts where the
    // last one ended. On any channel none may reach past the announced size.
    const outOfOrder = dc.ordered && offset !== message.loaded;
    if (outOfOrder || offset + size > total || message.loaded + size > total) {
      this.#dropMessage(id);
      const problem = outOfOrder
        ? `a chunk at ${offset} where ${message.loaded} was due`
        : 'more bytes than it announced';
      this.#refuseMessage(id, {
        code: 'bad-frame',
        message: `${this.peer} sent a message with ${problem}: dropped.`,
        hint: 'Its client breaks the data-channel contract (docs/datachannel.md); update it, or do not trust this peer.',
      });
      return;
    }
    if (size > 0) {
      message.chunks.push({ offset, bytes: payload });
      message.loaded += size;
      this.#partialBytes += size;
      this.#keepPartialWithin(this.#limits.maxMessageSize, id);
    }
    if (message.loaded === total) {
      this.#dropMessage(id);
      this.#deliver(message);
    }
  }

  /**
   * Lists a new unfinished message. An ordered sender finishes one message before the next, so on
   * an ordered channel any older one is lost; on an unordered one at most MAX_PARTIAL are kept.
   */
  #startMessage(id: number, message: PartialMessage, ordered: boolean): void {
    const keep = ordered ? 0 : MAX_PARTIAL - 1;
    for (const old of this.#partial.keys()) {
      if (this.#partial.size <= keep) break;
      this.#dropMessage(old);
    }
    this.#partial.set(id, message);
    this.#watch();
  }

  /** Drops the oldest unfinished messages (other than `current`) until they hold at most `budget` bytes. */
  #keepPartialWithin(budget: number, current: number): void {
    for (const old of this.#partial.keys()) {
      if (this.#partialBytes <= budget) break;
      if (old !== current) this.#dropMessage(old);
    }
  }

  #dropMessage(id: number): void {
    const message = this.#partial.get(id);
    if (!message) return;
    this.#partial.delete(id);
    this.#partialBytes -= message.loaded;
  }

  #deliver({ type: wireType, total, chunks }: PartialMessage): void {
    const bytes = new Uint8Array(total);
    for (const chunk of chunks) bytes.set(chunk.bytes, chunk.offset);
    // A type this version does not know (a newer peer's) arrives as binary.
    const type = messageTypes[wireType] ?? 'binary';
    this.#emit('message', { from: this.peer, data: decodeMessage(type, bytes), type });
  }

  /** Refuses incoming message `id`: tells the peer, drops its remaining frames, reports it here. */
  #refuseMessage(id: number, violation: Violation & { code: 'too-large' | 'bad-frame' }): void {
    this.#refused.add(id);
    const { code, message, hint } = violation;
    this.#sendControl(Kind.Cancel, CancelType.Message, id, code);
    this.#emit('message-error', { peer: this.peer, direction: 'receive', code, message, hint });
    this.#emit('peer-error', { peer: this.peer, code, message, hint });
  }

  // ---- receiving files ------------------------------------------------------------------------

  /** A file frame: for the file code, which loads on the first (frames wait meanwhile). */
  #onFileFrame(frame: Frame): void {
    if (this.#incoming) {
      this.#incoming.receive(frame);
      if (frame.kind === Kind.FileStart) this.#watch();
      return;
    }
    if (this.#early.length === 0) {
      if (frame.kind !== Kind.FileStart) return; // the end of a file that is over
      void this.#loadIncomingFiles();
    }
    this.#early.push(frame);
    this.#earlyBytes += frame.payload.byteLength;
    if (this.#earlyBytes > MAX_EARLY_BYTES) this.#dropEarlyFiles('busy');
  }

  async #loadIncomingFiles(): Promise<void> {
    let files: typeof Files;
    try {
      files = await loadFiles();
    } catch {
      this.#dropEarlyFiles('storage-failed');
      return;
    }
    if (!this.#dc || this.#early.length === 0) return; // disposed, or what came was dropped
    this.#incoming = new files.IncomingFiles(this.#fileContext);
    const early = this.#early;
    this.#early = [];
    this.#earlyBytes = 0;
    for (const frame of early) this.#incoming.receive(frame);
    this.#watch();
  }

  /**
   * Drops the file frames waiting for the file code; with a `code`, each file they started is
   * refused with it (the sender is told).
   */
  #dropEarlyFiles(code?: 'busy' | 'storage-failed'): void {
    const early = this.#early;
    this.#early = [];
    this.#earlyBytes = 0;
    if (!code) return;
    for (const { kind, id } of early) {
      if (kind !== Kind.FileStart) continue;
      this.#sendControl(Kind.Cancel, CancelType.Transfer, id, code);
      const message =
        code === 'busy'
          ? `${this.peer} sent files faster than they could be taken.`
          : 'Could not load the code for files.';
      this.#transferError(id, 'receive', code, message);
    }
  }

  // ---- stalled transfers ----------------------------------------------------------------------

  /** Starts the sweep of stalled transfers (and of files paused too long), unless it runs. */
  #watch(): void {
    if (this.#sweeper !== undefined) return;
    // Four sweeps per timeout: a stalled transfer ends between 1 and 1.25 timeouts after its last frame.
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(this.#limits.transferTimeout / 4, 10));
  }

  #stopSweeping(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /**
   * Ends what has not moved for `transferTimeout`: a file is cancelled (`stalled`, the sender is
   * told), an unfinished message is dropped. Progress is read from `loaded`, so frames cost nothing.
   * A file we send that its receiver has kept paused for as long is given up the same way, so a
   * receiver that never resumes cannot hold the files queued behind it.
   */
  #sweep(): void {
    const now = performance.now();
    const timeout = this.#limits.transferTimeout;
    for (const [id, message] of this.#partial) {
      if (isStalled(message, now, timeout)) this.#dropMessage(id);
    }
    this.#incoming?.sweep(now);
    for (const [id, file] of this.#files) {
      if (file.pausedAt !== undefined && now - file.pausedAt >= timeout) this.#pausedTooLong(id);
    }
    const pausedFiles = [...this.#files.values()].some((file) => file.pausedAt !== undefined);
    if (this.#partial.size === 0 && (this.#incoming?.transfers.length ?? 0) === 0 && !pausedFiles) this.#stopSweeping();
  }

  /** Gives up file `id`, which its receiver kept paused for `transferTimeout`, and tells it. */
  #pausedTooLong(id: number): void {
    const message = `${this.peer} kept it paused for longer than transfer-timeout.`;
    this.#endTransfer(id, 'stalled', message, 'Its storage did not catch up; send it again later.');
    this.#sendControl(Kind.Cancel, CancelType.Transfer, id, 'stalled');
    void this.#pump(); // the files queued behind it
  }

  // ---- Cancel ---------------------------------------------------------------------------------

  /** The peer stopped a transfer, or refused a message or a file. */
  #onCancel({ type, id, payload }: Frame): void {
    const text = decoder.decode(payload);
    const code = cancelCodes.find((known) => known === text) ?? 'cancelled';
    if (type === CancelType.Transfer) this.#onTransferCancelled(id, code);
    else if (type === CancelType.Message) this.#onMessageRefused(id, code);
  }

  #onTransferCancelled(id: number, code: TransferErrorCode): void {
    const hint = refusalHint(this.peer, code, 'max-file-size');
    if (this.#files.has(id)) {
      this.#endTransfer(id, code, `${this.peer} stopped it: ${code}.`, hint);
    } else if (this.#incoming?.has(id)) {
      // The sender stopped its own transfer.
      this.#endTransfer(id, 'cancelled', `${this.peer} cancelled it.`);
    } else if (this.#sentFiles.delete(id)) {
      // A file refused after we sent it all (its FileEnd was on its way): we still hear of it.
      this.#transferError(id, 'send', code, `${this.peer} stopped it: ${code}.`, hint);
    }
    // Otherwise it names nothing of ours (a transfer long over, or one we never sent): ignored.
  }

  /** The receiver of a file we send asks us to pause it (its storage is behind), or to go on. */
  #onFlow({ type, id }: Frame): void {
    const job = this.#files.get(id);
    if (!job) return; // not one we are sending (it ended meanwhile, or never was): ignored
    // A resume, or a type this version does not know: going on is the safe reading, as the
    // receiver refuses what it cannot take.
    if (type !== FlowType.Pause) {
      job.pausedAt = undefined;
    } else if (job.pausedAt === undefined) {
      // A pause while paused keeps the first one's time: repeating it does not hold the file longer.
      job.pausedAt = performance.now();
      this.#watch();
    }
    void this.#pump(); // a resumed file's turn (with only a paused file queued, it has nothing to do)
  }

  #onMessageRefused(id: number, cancelCode: TransferErrorCode): void {
    const job = this.#messages.get(id);
    if (job?.frames) {
      // Being sent: its remaining frames are not.
      this.#messages.delete(id);
      void job.frames.return(new Uint8Array());
    } else if (!this.#sentMessages.delete(id)) {
      return; // not one we sent (a queued message has not been seen yet): ignored
    }
    const code = cancelCode === 'too-large' || cancelCode === 'bad-frame' ? cancelCode : 'cancelled';
    const hint = refusalHint(this.peer, code, 'max-message-size');
    const message = `${this.peer} refused it: ${code}.`;
    this.#emit('message-error', { peer: this.peer, direction: 'send', code, message, hint });
  }

  // ---- ending transfers -----------------------------------------------------------------------

  /**
   * Ends transfer `id` in whichever direction it runs (frees it, stops its reading or storing) with
   * an error event. False when there was none.
   */
  #endTransfer(id: number, code: TransferErrorCode, message: string, hint?: string): boolean {
    let direction: TransferDirection;
    const outgoing = this.#files.get(id);
    if (outgoing) {
      this.#files.delete(id);
      void outgoing.frames?.return(new Uint8Array());
      direction = 'send';
    } else if (this.#incoming?.end(id)) {
      direction = 'receive';
    } else {
      return false;
    }
    this.#transferError(id, direction, code, message, hint);
    return true;
  }

  #transferError(
    id: number,
    direction: TransferDirection,
    code: TransferErrorCode,
    message: string,
    hint?: string,
  ): void {
    this.#emit('transfer-error', { id: transferId(id), peer: this.peer, direction, code, message, hint });
  }

  // ---- sending --------------------------------------------------------------------------------

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
        const job = this.#nextJob();
        if (!job) return;
        let next;
        try {
          job.frames ??= await this.#framesOf(job);
          next = await job.frames.next();
        } catch (error) {
          this.#readFailed(job, error);
          continue;
        }
        // The job may have been cancelled, or the channel lost, while the frame was being made (a
        // channel that is replaced or disposed of is closed first).
        if (!this.#isQueued(job) || dc.readyState !== 'open') continue;
        try {
          dc.send(next.value);
        } catch {
          return; // closing under our feet: the close handler takes over
        }
        // The last frame is the generator's return value: the job is done.
        if (next.done) this.#sent(job);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * The next job to make a frame for: the lanes take turns, an empty lane gives its turn away. Files
   * go one at a time, so a paused file holds its lane.
   */
  #nextJob(): MessageJob | FileJob | undefined {
    this.#filesTurn = !this.#filesTurn;
    const [first] = this.#files.values();
    const file = first?.pausedAt === undefined ? first : undefined;
    const [message] = this.#messages.values();
    return this.#filesTurn ? (file ?? message) : (message ?? file);
  }

  async #framesOf(job: MessageJob | FileJob): Promise<NonNullable<MessageJob['frames']>> {
    if (job.kind === 'message') return this.#messageFrames(job);
    const { fileFrames } = await loadFiles();
    return fileFrames(job, this.#fileContext);
  }

  #isQueued(job: MessageJob | FileJob): boolean {
    return job.kind === 'file' ? this.#files.get(job.id) === job : this.#messages.get(job.id) === job;
  }

  /** The job's last frame went out. */
  #sent(job: MessageJob | FileJob): void {
    if (job.kind === 'file') {
      this.#files.delete(job.id);
      this.#sentFiles.add(job.id);
    } else {
      this.#messages.delete(job.id);
      this.#sentMessages.add(job.id);
    }
  }

  /** A job whose Blob could not be read fails (a file) or is dropped with an error (a message). */
  #readFailed(job: MessageJob | FileJob, error: unknown): void {
    const message = `Unreadable: ${(error as Error).message}`;
    if (job.kind === 'file') this.#endTransfer(job.id, 'read-failed', message);
    else if (this.#messages.delete(job.id))
      this.#emit('message-error', { peer: this.peer, direction: 'send', code: 'read-failed', message });
  }

  /** The payload size of a frame: our limit, or the peer's if smaller (RFC 8841). */
  #chunkSize(): number {
    // 0 would mean "unknown": keep our own.
    const peerLimit = this.#link.pc.sctp?.maxMessageSize || MAX_FRAME;
    return Math.min(MAX_FRAME, peerLimit) - HEADER_SIZE;
  }

  /**
   * A message's frames, each carrying its byte offset and the whole size; at least one, even for no
   * bytes at all. The last frame is returned rather than yielded, so the pump knows it is the last
   * as soon as it sends it. The pump sends (or drops) each frame before it asks for the next, so
   * all the frames share one buffer.
   */
  async *#messageFrames({
    id,
    type,
    body,
  }: MessageJob): AsyncGenerator<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> {
    // Bytes are all in at once: only a Blob waits here (an await per message made small messages
    // about 5 times slower).
    const bytes = body.bytes ?? (await body.load());
    const total = bytes.byteLength;
    const chunk = this.#chunkSize();
    const buffer = total > chunk ? new Uint8Array(HEADER_SIZE + chunk) : undefined;
    for (let offset = 0; ; offset += chunk) {
      const end = Math.min(offset + chunk, total);
      const frame = encodeFrame({ kind: Kind.Message, type, id, offset, total }, bytes.subarray(offset, end), buffer);
      if (end === total) return frame;
      yield frame;
    }
  }
}

/** The last few ids of something, to recognise a late frame about one of them. */
class RecentIds {
  static readonly SIZE = 16;
  readonly #ids: number[] = [];

  add(id: number): void {
    this.#ids.push(id);
    if (this.#ids.length > RecentIds.SIZE) this.#ids.shift();
  }

  has(id: number): boolean {
    return this.#ids.includes(id);
  }

  /** Forgets `id`; false when it was not there. */
  delete(id: number): boolean {
    const index = this.#ids.indexOf(id);
    if (index === -1) return false;
    this.#ids.splice(index, 1);
    return true;
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

/** What a sender can do about a refusal of its message or file. */
function refusalHint(peer: string, code: TransferErrorCode, sizeLimit: string): string | undefined {
  switch (code) {
    case 'too-large':
      return `Ask ${peer} to raise ${sizeLimit}.`;
    case 'busy':
      return `Send fewer files to ${peer} at once.`;
    case 'stalled':
      return `The transfer stopped moving; try again (or ask ${peer} to raise transfer-timeout).`;
    case 'storage-failed':
      return `${peer} has no room to store it.`;
    case 'bad-frame':
      return `${peer} could not read it: update rtc-elements on both sides.`;
    default:
      return undefined;
  }
}
