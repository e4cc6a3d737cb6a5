/**
 * File transfers over a PeerChannel, both ways: FileStart, FileData and FileEnd frames received and
 * checked against the channel's limits, and the frames of a file sent. A PeerChannel imports this
 * module on its first file (sent or received), so a page that only exchanges messages never
 * downloads it.
 *
 * - Receiving: a file is accepted at its FileStart only within max-file-size, max-transfers and
 *   max-transfer-bytes; its chunks must come in order, never past the announced size; its FileEnd
 *   must come after every byte. It is hashed and stored (file-store.ts: the Origin Private File
 *   System where there is one) as its chunks arrive, and delivered once its SHA-256 matches. When
 *   its store falls behind, the sender is asked to pause until it catches up (Flow frames).
 * - Sending: the Blob is read for each recipient straight into the frame buffer (a BYOB reader of
 *   its stream) and hashed as it is read, so the sender never holds the file either.
 *
 * Both sides hash with a streaming SHA-256 (sha256.ts).
 */
import type { TransferDirection, TransferErrorCode } from './channel-events.js';
import { openFileStore, type FileStore } from './file-store.js';
import { createSha256, type Sha256 } from './sha256.js';
import { decoder, encodeFrame, encoder, HEADER_SIZE, Kind, writeHeader, type Frame } from './framing.js';
import {
  isStalled,
  transferId,
  type FileContext,
  type FileJob,
  type Transfer,
  type Violation,
  type Watched,
} from './transfers.js';

/** Progress events come at most once per this many bytes (and always for the last byte). */
const PROGRESS_STEP = 256 * 1024;
/** The size of a SHA-256, FileEnd's payload. */
const DIGEST_SIZE = 32;
const MiB = 1024 * 1024;
/**
 * The sender of a file is asked to pause (a Flow frame) once more than PAUSE_ABOVE of its bytes
 * wait in memory for storage (while the store opens, or when the disk falls behind on a busy
 * machine), and to resume once at most RESUME_BELOW do. What was on its way when the sender heard
 * it still comes: the sender's buffer (up to 4 MiB) and the network's. RESUME_BELOW is more than a
 * store's batch (1 MiB), which is written only once full.
 */
const PAUSE_ABOVE = 8 * MiB;
const RESUME_BELOW = 2 * MiB;
/** Bytes of one file that may wait for its store: a sender still going past this did not pause, and is refused. */
const MAX_WAITING = 64 * MiB;
/** Longest file name and MIME type accepted in a FileStart. */
const MAX_FILE_NAME = 1024;
const MAX_MIME_TYPE = 255;

/** What `FileStart` carries besides the size (in `total`). */
interface FileMeta {
  name: string;
  type: string;
  lastModified: number;
}

/** Where an incoming file's chunks go: its hash and its store. */
interface Sink {
  hash: Sha256;
  store: FileStore;
}

/** An incoming file: hashed and stored as its chunks arrive. */
interface IncomingFile extends Transfer, Watched {
  meta: FileMeta;
  /** Set once the hash and the store are ready; until then chunks wait in `early`. */
  sink?: Sink | undefined;
  early: Uint8Array[];
  earlyBytes: number;
  /** Resolves with its sink once ready and the early chunks are in it; undefined when that failed. */
  opened: Promise<Sink | undefined>;
  /** Set when the transfer ended before its FileEnd (cancelled, refused, lost). */
  ended: boolean;
  /** Set while its sender is asked to pause: the store is behind. */
  paused: boolean;
}

/** The files coming from one peer on one channel. */
export class IncomingFiles {
  readonly #context: FileContext;
  readonly #files = new Map<number, IncomingFile>();

  constructor(context: FileContext) {
    this.#context = context;
  }

  /** The transfers under way (their FileEnd has not come). */
  get transfers(): Transfer[] {
    return [...this.#files.values()];
  }

  has(id: number): boolean {
    return this.#files.has(id);
  }

  receive(frame: Frame): void {
    if (frame.kind === Kind.FileStart) this.#onStart(frame);
    else if (frame.kind === Kind.FileData) this.#onData(frame);
    else if (frame.kind === Kind.FileEnd) this.#onEnd(frame);
  }

  /** Ends transfer `id` (frees it, drops what was stored); false when there is none. */
  end(id: number): boolean {
    const file = this.#files.get(id);
    if (!file) return false;
    this.#files.delete(id);
    file.ended = true;
    file.early = [];
    file.earlyBytes = 0;
    file.sink?.store.discard();
    return true;
  }

  /** Cancels (`stalled`) every transfer that has not moved for the channel's transfer-timeout. */
  sweep(now: number): void {
    const timeout = this.#context.limits.transferTimeout;
    for (const [id, file] of this.#files) {
      // A paused transfer waits for our storage, not for the peer.
      if (file.paused || !isStalled(file, now, timeout)) continue;
      this.#refuse(id, {
        code: 'stalled',
        message: `"${file.name}": nothing came from ${this.#context.peer} for ${timeout} ms: cancelled.`,
        hint: 'Raise transfer-timeout for slow links.',
      });
    }
  }

  #onStart({ id, total, payload }: Frame): void {
    const meta = parseFileMeta(payload);
    if (!meta) {
      this.#refuse(id, this.#badFrame('a file without a valid name, type and lastModified'));
      return;
    }
    if (this.#files.has(id)) {
      this.#refuse(id, this.#badFrame(`a second file with the id ${transferId(id)}`));
      return;
    }
    const violation = this.#overLimits(meta.name, total);
    if (violation) {
      this.#refuse(id, violation);
      return;
    }
    const file: IncomingFile = {
      id,
      direction: 'receive',
      name: meta.name,
      loaded: 0,
      total,
      meta,
      early: [],
      earlyBytes: 0,
      opened: Promise.resolve(undefined),
      ended: false,
      paused: false,
      seenLoaded: 0,
      seenAt: performance.now(),
    };
    this.#files.set(id, file);
    file.opened = this.#openSink(file);
    progress(this.#context, file, -1);
  }

  /** Why a file of `total` bytes is refused, if it is: too large, or one too many at once. */
  #overLimits(name: string, total: number): Violation | undefined {
    const { peer, limits } = this.#context;
    const { maxFileSize, maxTransfers, maxTransferBytes } = limits;
    if (total > maxFileSize) {
      return {
        code: 'too-large',
        message: `"${name}" from ${peer} has ${total} bytes, over max-file-size (${maxFileSize}): refused.`,
        hint: 'Raise max-file-size to accept larger files.',
      };
    }
    let openBytes = total;
    for (const file of this.#files.values()) openBytes += file.total;
    if (this.#files.size >= maxTransfers || openBytes > maxTransferBytes) {
      return {
        code: 'busy',
        message: `"${name}": ${peer} has too many files on their way at once (max-transfers ${maxTransfers}, max-transfer-bytes ${maxTransferBytes}): refused.`,
        hint: 'Wait for the transfers under way to end, or raise max-transfers and max-transfer-bytes.',
      };
    }
    return undefined;
  }

  /** Opens the file's hash and store, then hands them the chunks that came meanwhile. */
  async #openSink(file: IncomingFile): Promise<Sink | undefined> {
    let sink: Sink;
    try {
      const [hash, store] = await Promise.all([createSha256(), openFileStore(file.total, this.#context.memoryLimit)]);
      sink = { hash, store };
    } catch (error) {
      if (!file.ended) this.#storageFailed(file.id, error);
      return undefined;
    }
    if (file.ended) {
      sink.store.discard();
      return undefined;
    }
    try {
      for (const chunk of file.early) write(sink, chunk);
    } catch (error) {
      this.#storageFailed(file.id, error);
      return undefined;
    }
    file.early = [];
    file.earlyBytes = 0;
    file.sink = sink;
    return sink;
  }

  #onData({ id, offset, payload }: Frame): void {
    const file = this.#files.get(id);
    if (!file) return; // cancelled or refused: its last frames were on their way
    const size = payload.byteLength;
    if (offset !== file.loaded) {
      this.#refuse(id, this.#badFrame(`a file chunk at ${offset} where ${file.loaded} was due`));
      return;
    }
    if (file.loaded + size > file.total) {
      this.#refuse(id, this.#badFrame('a file with more bytes than it announced'));
      return;
    }
    if (size === 0) return;
    file.loaded += size;
    try {
      this.#store(file, payload);
    } catch (error) {
      this.#storageFailed(id, error);
      return;
    }
    progress(this.#context, file, offset);
    this.#pace(file);
  }

  /** Hands a chunk to the file's hash and store, or keeps it until they are ready. */
  #store(file: IncomingFile, chunk: Uint8Array): void {
    if (file.sink) write(file.sink, chunk);
    else {
      file.early.push(chunk);
      file.earlyBytes += chunk.byteLength;
    }
  }

  /**
   * Keeps what waits for the file's store bounded: past PAUSE_ABOVE the sender is asked to pause
   * until the store has caught up; a sender that goes on past MAX_WAITING regardless is refused.
   */
  #pace(file: IncomingFile): void {
    const waiting = file.earlyBytes + (file.sink?.store.unwritten ?? 0);
    if (waiting > MAX_WAITING) {
      this.#refuse(file.id, {
        code: 'busy',
        message: `${this.#context.peer} sent "${file.name}" faster than it could be stored, and did not pause when asked: refused.`,
        hint: 'Its client does not pause for a slow receiver (docs/datachannel.md, Flow); update it.',
      });
    } else if (waiting > PAUSE_ABOVE && !file.paused) {
      file.paused = true;
      this.#context.sendPause(file.id);
      void this.#resumeWhenStored(file);
    }
  }

  /** Asks the paused sender of `file` to go on once at most RESUME_BELOW of it wait for its store. */
  async #resumeWhenStored(file: IncomingFile): Promise<void> {
    const sink = await file.opened;
    if (!sink || file.ended) return; // the store failed (reported), or the transfer ended
    try {
      await sink.store.drained(RESUME_BELOW);
    } catch (error) {
      if (!file.ended) this.#storageFailed(file.id, error);
      return;
    }
    if (this.#files.get(file.id) !== file) return; // ended meanwhile, or every byte is in
    file.paused = false;
    // The sender gets a whole transfer-timeout from now.
    file.seenAt = performance.now();
    this.#context.sendResume(file.id);
  }

  #onEnd({ id, payload }: Frame): void {
    const file = this.#files.get(id);
    if (!file) return;
    if (file.loaded !== file.total || payload.byteLength !== DIGEST_SIZE) {
      const problem = file.loaded === file.total ? 'a file end without a SHA-256' : 'a file end before all its bytes';
      this.#refuse(id, this.#badFrame(problem));
      return;
    }
    // Every byte is here: the transfer is no longer open, only ours to finish.
    this.#files.delete(id);
    void this.#complete(file, payload);
  }

  /** Delivers a file whose bytes are all in, if they have the `expected` SHA-256. */
  async #complete(file: IncomingFile, expected: Uint8Array): Promise<void> {
    const { id, meta } = file;
    const { emit, peer } = this.#context;
    const sink = await file.opened;
    if (!sink) return; // its store failed, and that was reported
    const { hash, store } = sink;
    if (!sameBytes(hash.digest(), expected)) {
      store.discard();
      transferError(this.#context, id, 'receive', 'integrity', `"${meta.name}" failed its SHA-256 check.`);
      return;
    }
    let delivered: File;
    try {
      delivered = await store.finish(meta.name, { type: meta.type, lastModified: meta.lastModified });
    } catch (error) {
      this.#storageFailed(id, error);
      return;
    }
    emit('file', { id: transferId(id), from: peer, file: delivered });
  }

  /** Refuses transfer `id`: tells the peer, ends it here, and reports the peer (rtc-peer-error). */
  #refuse(id: number, violation: Violation): void {
    const { code, message, hint } = violation;
    this.#context.sendCancel(id, code);
    this.end(id);
    transferError(this.#context, id, 'receive', code, message, hint);
    this.#context.emit('peer-error', { peer: this.#context.peer, code, message, hint });
  }

  /** The file could not be stored: it ends, and the sender is told (no fault of theirs). */
  #storageFailed(id: number, error: unknown): void {
    this.#context.sendCancel(id, 'storage-failed');
    this.end(id);
    const reason = error instanceof Error ? error.message : String(error);
    const hint = 'Free some storage space in this browser.';
    transferError(this.#context, id, 'receive', 'storage-failed', `Could not store the file: ${reason}`, hint);
  }

  #badFrame(what: string): Violation {
    return {
      code: 'bad-frame',
      message: `${this.#context.peer} sent ${what}: refused.`,
      hint: 'Its client breaks the data-channel contract (docs/datachannel.md); update it, or do not trust this peer.',
    };
  }
}

/**
 * A file's frames to one peer: `FileStart`, the data read from the Blob straight into the frame
 * buffer, and `FileEnd` with the SHA-256 computed while reading. The last frame is returned rather
 * than yielded, so the pump knows it is the last as soon as it sends it. The pump sends each frame
 * before it asks for the next, so they all share one buffer (the next read moves it, see ByobReader).
 */
export async function* fileFrames(
  job: FileJob,
  context: FileContext,
): AsyncGenerator<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> {
  const { id, name, blob, total } = job;
  const reader = blobReader(blob, await createSha256());
  try {
    progress(context, job, -1);
    const { type, lastModified = Date.now() } = blob as Partial<File>;
    const meta: FileMeta = { name, type: type ?? '', lastModified };
    yield encodeFrame({ kind: Kind.FileStart, type: 0, id, offset: 0, total }, encoder.encode(JSON.stringify(meta)));
    const chunk = context.chunkSize();
    let buffer = new ArrayBuffer(HEADER_SIZE + Math.min(chunk, total));
    for (let offset = 0; offset < total; offset += chunk) {
      const size = Math.min(chunk, total - offset);
      buffer = await reader.read(buffer, HEADER_SIZE, size);
      const frame = new Uint8Array(buffer, 0, HEADER_SIZE + size);
      writeHeader(frame, { kind: Kind.FileData, type: 0, id, offset, total });
      job.loaded = offset + size;
      progress(context, job, offset);
      yield frame;
    }
    const digest = await reader.digest();
    return encodeFrame({ kind: Kind.FileEnd, type: 0, id, offset: 0, total }, digest);
  } finally {
    reader.close();
  }
}

/** A Blob read once, in order, into buffers the caller gives, and hashed as it is read. */
interface BlobReader {
  /**
   * Reads the next `count` bytes into `buffer` at `at`, and resolves with the buffer that holds
   * them (reading may move them to a new ArrayBuffer, and detach the one given). Rejects when the
   * Blob ends first (it changed) or cannot be read.
   */
  read(buffer: ArrayBuffer, at: number, count: number): Promise<ArrayBuffer>;
  /** The SHA-256 of every byte, once all are read; rejects when the Blob had more (it changed). */
  digest(): Promise<Uint8Array>;
  /** Stops reading (a transfer that ended early). */
  close(): void;
}

/**
 * The reader for `blob`: its stream with a BYOB ("bring your own buffer") reader where the browser
 * has one, else slices. A default stream reader is no use: its chunks come in sizes of the
 * browser's choosing, and Firefox gives a Blob made in memory as a single chunk of its whole size
 * (a 256 MiB ArrayBuffer for a 256 MiB Blob), and a file on disk as 64 KiB chunks that are all
 * garbage for its collector.
 */
function blobReader(blob: Blob, hash: Sha256): BlobReader {
  try {
    return new ByobReader(blob.stream().getReader({ mode: 'byob' }), hash);
  } catch {
    // A Blob's stream is not a byte stream here (Safari before 26.4).
    return new SliceReader(blob, hash);
  }
}

/**
 * Reads a Blob's byte stream into our own buffer: the stream writes the bytes where we ask, so
 * reading allocates nothing and holds nothing however large the Blob is. Each read moves the buffer
 * into the stream and gives it back, as the buffer of the view the read resolves with (Streams
 * standard, "transfer" of a BYOB view).
 */
class ByobReader implements BlobReader {
  readonly #reader: ReadableStreamBYOBReader;
  readonly #hash: Sha256;

  constructor(reader: ReadableStreamBYOBReader, hash: Sha256) {
    this.#reader = reader;
    this.#hash = hash;
  }

  async read(buffer: ArrayBuffer, at: number, count: number): Promise<ArrayBuffer> {
    let filled = 0;
    while (filled < count) {
      // A read may fill less than asked (Firefox fills up to the end of its own read from disk).
      const { value, done } = await this.#reader.read(new Uint8Array(buffer, at + filled, count - filled));
      if (done || !value) throw new Error('the file changed');
      buffer = value.buffer;
      this.#hash.update(value);
      filled += value.byteLength;
    }
    return buffer;
  }

  async digest(): Promise<Uint8Array> {
    const { done } = await this.#reader.read(new Uint8Array(1));
    if (!done) throw new Error('the file changed');
    return this.#hash.digest();
  }

  close(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** Reads a Blob a slice at a time, where its stream has no BYOB reader. */
class SliceReader implements BlobReader {
  readonly #blob: Blob;
  readonly #hash: Sha256;
  /** Where the next read starts. */
  #offset = 0;

  constructor(blob: Blob, hash: Sha256) {
    this.#blob = blob;
    this.#hash = hash;
  }

  async read(buffer: ArrayBuffer, at: number, count: number): Promise<ArrayBuffer> {
    const bytes = new Uint8Array(await this.#blob.slice(this.#offset, this.#offset + count).arrayBuffer());
    if (bytes.byteLength !== count) throw new Error('the file changed');
    this.#offset += count;
    this.#hash.update(bytes);
    new Uint8Array(buffer, at, count).set(bytes);
    return buffer;
  }

  digest(): Promise<Uint8Array> {
    // Every byte up to the Blob's size was read (a file changed on disk fails its read instead).
    return Promise.resolve(this.#hash.digest());
  }

  close(): void {
    // Nothing is open between reads.
  }
}

/**
 * A progress event for a transfer that moved on from `before` bytes: the first (`before` -1), the
 * last, and one each time a PROGRESS_STEP boundary is crossed.
 */
function progress({ emit, peer }: FileContext, { id, direction, loaded, total }: Transfer, before: number): void {
  if (loaded === total || Math.floor(loaded / PROGRESS_STEP) > Math.floor(before / PROGRESS_STEP))
    emit('transfer-progress', { id: transferId(id), peer, direction, loaded, total });
}

function transferError(
  { emit, peer }: FileContext,
  id: number,
  direction: TransferDirection,
  code: TransferErrorCode,
  message: string,
  hint?: string,
): void {
  emit('transfer-error', { id: transferId(id), peer, direction, code, message, hint });
}

/** A FileStart's metadata, or null when it is not `{name, type, lastModified}` of the right types and sizes. */
function parseFileMeta(payload: Uint8Array): FileMeta | null {
  let meta: unknown;
  try {
    meta = JSON.parse(decoder.decode(payload));
  } catch {
    return null;
  }
  if (typeof meta !== 'object' || meta === null) return null;
  const { name, type, lastModified } = meta as Record<string, unknown>;
  if (typeof name !== 'string' || name.length > MAX_FILE_NAME) return null;
  if (typeof type !== 'string' || type.length > MAX_MIME_TYPE) return null;
  if (typeof lastModified !== 'number' || !Number.isFinite(lastModified)) return null;
  return { name, type, lastModified };
}

/** Hashes a chunk and stores it. */
function write({ hash, store }: Sink, chunk: Uint8Array): void {
  hash.update(chunk);
  store.write(chunk);
}

/** Whether two digests are the same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
