/**
 * Where a received file's bytes go as they arrive: the Origin Private File System when the page has
 * one, so that a file of any size costs the page no memory and is delivered as a File backed by
 * disk; memory otherwise.
 *
 * A stored file is written by a worker through a sync access handle (WorkerFile): the bytes are
 * handed over without a copy, and each write goes straight to the file. Writing with
 * createWritable() from the page instead (WritableFile, kept for pages that cannot start a worker
 * from a Blob URL, under a strict Content-Security-Policy) makes a round trip to the browser process
 * per write: on a busy machine each 1 MiB write took 0.2 to 0.8 s, slower than the data came in.
 *
 * Stored files live in one folder of the origin's private file system, named after the page that
 * received them. Each page holds a Web Lock named after itself for as long as it lives, so that a
 * later page (of this origin, in any tab) can tell the files of a closed page from those of a live
 * one: the first file a page receives removes the stale ones. A delivered File's stored bytes are
 * removed once the page lets go of the File (a FinalizationRegistry). An object URL alone does not
 * keep a File: keep the File itself as long as its URL is in use.
 */

const FOLDER = 'rtc-elements-received';
const LOCK_PREFIX = 'rtc-elements-received:';
/**
 * Bytes are written in batches of this size (BatchedFile): with createWritable() one write per
 * 64 KiB frame cost about 4 times the CPU of one per MiB.
 */
const BATCH_SIZE = 1024 * 1024;

/** A storage problem the receiver cannot do anything about in this page (quota, no file system). */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** Where one received file goes. */
export interface FileStore {
  /**
   * Appends `bytes`, a received frame's payload, and takes them: the store keeps them, or copies
   * them and frees the frame's buffer (see `free`). The caller must not read them again.
   */
  write(bytes: Uint8Array): void;
  /** Bytes appended but not stored yet (held in memory meanwhile). */
  readonly unwritten: number;
  /**
   * Resolves once at most `bytes` are unwritten; rejects with a StorageError if writing fails, or
   * when the store is discarded meanwhile. One call at a time.
   */
  drained(bytes: number): Promise<void>;
  /** Every byte is written: the stored bytes as a File with this name and these options. */
  finish(name: string, options: FilePropertyBag): Promise<File>;
  /** Drops the bytes (and the stored file). */
  discard(): void;
}

/** This page's name for its files and its lock. */
const pageId = Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join(
  '',
);
let fileCount = 0;
/** The folder, once opened; undefined when this page has no usable private file system. */
let folder: Promise<FileSystemDirectoryHandle | undefined> | undefined;
const forgotten = new FinalizationRegistry<{ folder: FileSystemDirectoryHandle; name: string }>(
  ({ folder: directory, name }) => void directory.removeEntry(name).catch(() => {}),
);

/**
 * A store for a file of `size` bytes: in the private file system when there is one (and room for
 * it), else in memory when `size` is within `memoryLimit`. Rejects with a StorageError otherwise.
 */
export async function openFileStore(size: number, memoryLimit: number): Promise<FileStore> {
  folder ??= openFolder();
  const directory = await folder;
  if (!directory) return memoryStore(size, memoryLimit);
  const { quota = Infinity, usage = 0 } = await navigator.storage.estimate();
  if (size > quota - usage) throw new StorageError('Not enough storage space for this file.');
  fileCount += 1;
  const name = `${pageId}-${fileCount}`;
  const handle = await directory.getFileHandle(name, { create: true });
  try {
    return await WorkerFile.open(directory, name, handle);
  } catch {
    // No writer worker (a Content-Security-Policy without blob: workers): written from the page where
    // the browser can, else held in memory, as without a private file system. Safari has sync access
    // handles in workers but no createWritable() (MDN's compat data).
    if ('createWritable' in handle) return new WritableFile(directory, name, handle, await handle.createWritable());
    await directory.removeEntry(name).catch(() => {});
    return memoryStore(size, memoryLimit);
  }
}

/** A store in memory for a file of `size` bytes; a StorageError past `memoryLimit`. */
function memoryStore(size: number, memoryLimit: number): MemoryStore {
  if (size > memoryLimit) throw new StorageError('This page cannot store files that large (no private file system).');
  return new MemoryStore();
}

/**
 * The folder of received files, once this page holds its lock; undefined when there is none. The
 * stale files are removed in the background: bytes arrive while the first file waits for its
 * store, and opening the file system or taking a lock can each take a second on a busy machine.
 */
async function openFolder(): Promise<FileSystemDirectoryHandle | undefined> {
  const [directory] = await Promise.all([openDirectory(), holdPageLock()]);
  if (directory) void removeStaleFiles(directory);
  return directory;
}

async function openDirectory(): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(FOLDER, { create: true });
  } catch {
    // No private file system here after all (Firefox's private windows, a storage policy).
    return undefined;
  }
}

/** Takes this page's lock for its whole life; resolves once it is held. */
function holdPageLock(): Promise<void> {
  const locks = navigator.locks;
  if (!locks) return Promise.resolve();
  return new Promise((held) => {
    void locks.request(`${LOCK_PREFIX}${pageId}`, () => {
      held();
      return new Promise<never>(() => {}); // never released: the browser frees it with the page
    });
  });
}

/** Removes the files of pages that are gone (their lock is free). */
async function removeStaleFiles(directory: FileSystemDirectoryHandle): Promise<void> {
  const locks = navigator.locks;
  if (!locks) return; // cannot tell the files of a live page from a stale one: leave them
  const { held = [] } = await locks.query();
  const livePages = new Set(held.map((lock) => lock.name?.slice(LOCK_PREFIX.length)));
  for await (const name of directory.keys()) {
    // `${pageId}-${n}`, and the browser's own swap files next to them (`${pageId}-${n}.crswap`).
    if (livePages.has(name.split('-')[0])) continue;
    await directory.removeEntry(name).catch(() => {}); // in use, or gone meanwhile
  }
}

/** A file in the private file system: how it is delivered, and removed. */
abstract class StoredFile implements FileStore {
  readonly #folder: FileSystemDirectoryHandle;
  readonly #name: string;
  readonly #handle: FileSystemFileHandle;
  /** The drained() call waiting for the unwritten bytes to shrink. */
  #drain: { bytes: number; resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(folder: FileSystemDirectoryHandle, name: string, handle: FileSystemFileHandle) {
    this.#folder = folder;
    this.#name = name;
    this.#handle = handle;
  }

  abstract write(bytes: Uint8Array): void;
  abstract get unwritten(): number;
  /** Why writing failed, once it has. */
  protected abstract get failure(): string | undefined;
  /** Writes what is left and lets go of the file. */
  protected abstract close(): Promise<void>;
  /** Stops writing, without waiting for what is left. */
  protected abstract abort(): Promise<void>;

  async finish(name: string, options: FilePropertyBag): Promise<File> {
    await this.close();
    // The stored file under the sender's name, type and time; its bytes stay on disk.
    const file = new File([await this.#handle.getFile()], name, options);
    forgotten.register(file, { folder: this.#folder, name: this.#name });
    return file;
  }

  drained(bytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#drain = { bytes, resolve, reject };
      this.wrote();
    });
  }

  /** A write ended (done, or failed): settles the drained() call waiting, if it can be now. */
  protected wrote(): void {
    const drain = this.#drain;
    if (!drain) return;
    const failure = this.failure;
    if (failure !== undefined) drain.reject(new StorageError(`Could not store the file: ${failure}`));
    else if (this.unwritten <= drain.bytes) drain.resolve();
    else return;
    this.#drain = undefined;
  }

  discard(): void {
    this.#drain?.reject(new StorageError('The file was discarded.'));
    this.#drain = undefined;
    void this.abort()
      .catch(() => {})
      .then(() => this.#folder.removeEntry(this.#name))
      .catch(() => {});
  }
}

/**
 * A stored file written in batches of BATCH_SIZE: each frame is copied into the batch being
 * filled, and a full batch is handed on to be written (`store`) while the next one fills a buffer
 * whose write is done (`written` gives it back), so no buffer is left behind for either thread's
 * garbage collector, and fresh memory (which costs more than the copy) is taken only at the start.
 */
abstract class BatchedFile extends StoredFile {
  #batch: Uint8Array<ArrayBuffer> = new Uint8Array(BATCH_SIZE);
  #batchUsed = 0;
  /** Buffers whose write is done, ready to be filled again. */
  readonly #spare: Uint8Array<ArrayBuffer>[] = [];
  /** Bytes handed on and not written yet. */
  #storing = 0;

  /**
   * Writes the first `length` bytes of `batch`, after those handed on before; calls `written()`
   * with its buffer once done (or failed: `failure` says so).
   */
  protected abstract store(batch: Uint8Array<ArrayBuffer>, length: number): void;

  get unwritten(): number {
    return this.#storing + this.#batchUsed;
  }

  write(bytes: Uint8Array): void {
    const failure = this.failure;
    if (failure !== undefined) throw new StorageError(`Could not store the file: ${failure}`);
    let from = 0;
    while (from < bytes.byteLength) {
      const count = Math.min(bytes.byteLength - from, BATCH_SIZE - this.#batchUsed);
      this.#batch.set(bytes.subarray(from, from + count), this.#batchUsed);
      this.#batchUsed += count;
      from += count;
      if (this.#batchUsed === BATCH_SIZE) this.flush();
    }
    free(bytes);
  }

  /** Hands the batch on, if it holds anything, and starts the next one. */
  protected flush(): void {
    const length = this.#batchUsed;
    if (length === 0) return;
    const batch = this.#batch;
    this.#batch = this.#spare.pop() ?? new Uint8Array(BATCH_SIZE);
    this.#batchUsed = 0;
    this.#storing += length;
    this.store(batch, length);
  }

  /** A batch of `length` bytes is written (or failed): its buffer can be filled again. */
  protected written(buffer: ArrayBuffer, length: number): void {
    this.#storing -= length;
    this.#spare.push(new Uint8Array(buffer));
    this.wrote();
  }
}

/** What a writer worker answers (see `writer`); `written` gives the batch's buffer back. */
type WriterReply =
  | { type: 'opened' | 'closed' }
  | { type: 'written'; buffer: ArrayBuffer; length: number }
  | { type: 'failed'; message: string };

/** A file written by a worker of its own through a sync access handle. */
class WorkerFile extends BatchedFile {
  readonly #worker: Worker;
  #failure: string | undefined;
  /** The `open` or `close` waiting for its answer. */
  #request: { resolve: () => void; reject: (error: Error) => void } | undefined;

  /** Starts the worker and opens the file in it; rejects when either fails. */
  static async open(
    folder: FileSystemDirectoryHandle,
    name: string,
    handle: FileSystemFileHandle,
  ): Promise<WorkerFile> {
    const file = new WorkerFile(folder, name, handle, new Worker(writerUrl()));
    try {
      await file.#ask({ type: 'open', folder: FOLDER, name });
    } catch (error) {
      file.#worker.terminate();
      throw error;
    }
    return file;
  }

  private constructor(folder: FileSystemDirectoryHandle, name: string, handle: FileSystemFileHandle, worker: Worker) {
    super(folder, name, handle);
    this.#worker = worker;
    worker.onmessage = ({ data }: MessageEvent<WriterReply>) => this.#onReply(data);
    // A worker that cannot start (a Content-Security-Policy without blob: workers) reports it here.
    worker.onerror = () => this.#onReply({ type: 'failed', message: 'the writer could not start' });
  }

  protected get failure(): string | undefined {
    return this.#failure;
  }

  protected async close(): Promise<void> {
    this.flush();
    try {
      await this.#ask({ type: 'close' });
    } finally {
      this.#worker.terminate();
    }
  }

  /** The batch's buffer moves to the worker, which gives it back once written. */
  protected store(batch: Uint8Array<ArrayBuffer>, length: number): void {
    this.#worker.postMessage({ type: 'write', buffer: batch.buffer, length }, [batch.buffer]);
  }

  protected async abort(): Promise<void> {
    // The worker writes in order: closing after what it has is as quick as anything.
    await this.close();
  }

  #ask(message: object): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#request = { resolve, reject };
      this.#worker.postMessage(message);
    });
  }

  #onReply(reply: WriterReply): void {
    if (reply.type === 'written') {
      this.written(reply.buffer, reply.length);
      return;
    }
    const request = this.#request;
    this.#request = undefined;
    if (reply.type === 'failed') {
      this.#failure ??= reply.message;
      request?.reject(new StorageError(`Could not store the file: ${reply.message}`));
      this.wrote();
    } else request?.resolve();
  }
}

let writerSource: string | undefined;

/**
 * The writer worker's script, as a Blob URL made from the source text of `writer`: a worker needs
 * no file of its own in the build this way, wherever the chunks are served from.
 */
function writerUrl(): string {
  writerSource ??= URL.createObjectURL(new Blob([`(${writer.toString()})()`], { type: 'text/javascript' }));
  return writerSource;
}

/** The parts of the worker scope and of a sync access handle the writer uses (lib.webworker's, not lib.dom's). */
interface WriterScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: WriterReply, transfer?: Transferable[]): void;
}
interface SyncAccessHandle {
  write(bytes: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/**
 * The writer worker (it runs from its source text, so it uses nothing outside itself): `open`
 * takes a sync access handle on one file of the folder, each `write` appends the first `length`
 * bytes of the buffer it is given and gives the buffer back, `close` flushes and lets go of the
 * file. Each is answered, in order; an error as `failed`.
 */
function writer(): void {
  const scope = self as unknown as WriterScope;
  let file: SyncAccessHandle | undefined;
  let position = 0;
  // `open` is asynchronous: every message waits for the one before it.
  let queue = Promise.resolve();
  scope.onmessage = ({ data }) => {
    queue = queue.then(async () => {
      try {
        if (data.type === 'open') {
          const root = await navigator.storage.getDirectory();
          const folder = await root.getDirectoryHandle(data.folder);
          const handle = await folder.getFileHandle(data.name);
          file = await (
            handle as unknown as { createSyncAccessHandle(): Promise<SyncAccessHandle> }
          ).createSyncAccessHandle();
          scope.postMessage({ type: 'opened' });
        } else if (data.type === 'write') {
          position += file!.write(new Uint8Array(data.buffer, 0, data.length), { at: position });
          scope.postMessage({ type: 'written', buffer: data.buffer, length: data.length }, [data.buffer]);
        } else if (data.type === 'close') {
          file?.flush();
          file?.close();
          file = undefined;
          scope.postMessage({ type: 'closed' });
        }
      } catch (error) {
        scope.postMessage({ type: 'failed', message: String(error) });
      }
    });
  };
}

/** A file written from the page with createWritable(), where no writer worker can start. */
class WritableFile extends BatchedFile {
  readonly #writable: FileSystemWritableFileStream;
  /** The writes handed on, one after the other. */
  #writes: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(
    folder: FileSystemDirectoryHandle,
    name: string,
    handle: FileSystemFileHandle,
    writable: FileSystemWritableFileStream,
  ) {
    super(folder, name, handle);
    this.#writable = writable;
  }

  protected get failure(): string | undefined {
    return this.#failure === undefined ? undefined : errorText(this.#failure);
  }

  protected async close(): Promise<void> {
    this.flush();
    await this.#writes;
    if (this.#failure) throw new StorageError(`Could not store the file: ${errorText(this.#failure)}`);
    await this.#writable.close();
  }

  protected async abort(): Promise<void> {
    this.#failure ??= new Error('discarded');
    await this.#writes;
    await this.#writable.abort();
  }

  protected store(batch: Uint8Array<ArrayBuffer>, length: number): void {
    this.#writes = this.#writes.then(async () => {
      try {
        if (!this.#failure) await this.#writable.write(batch.subarray(0, length));
      } catch (error) {
        this.#failure ??= error;
      }
      this.written(batch.buffer, length);
    });
  }
}

/** A file held in memory, for pages without a private file system. */
class MemoryStore implements FileStore {
  #parts: Uint8Array<ArrayBuffer>[] = [];
  /** Held in memory, but that is the store: nothing waits to be written. */
  readonly unwritten = 0;

  drained(): Promise<void> {
    return Promise.resolve();
  }

  write(bytes: Uint8Array): void {
    this.#parts.push(bytes as Uint8Array<ArrayBuffer>);
  }

  finish(name: string, options: FilePropertyBag): Promise<File> {
    const file = new File(this.#parts, name, options);
    this.#parts = [];
    return Promise.resolve(file);
  }

  discard(): void {
    this.#parts = [];
  }
}

/**
 * Frees the memory of `bytes`' buffer at once, rather than when the garbage collector gets to it:
 * a data channel delivers every message as a new ArrayBuffer, and during a 256 MiB transfer
 * Firefox let about 170 MiB of them pile up before collecting them, even in a page that kept none.
 * Detaching the buffer (ArrayBuffer.prototype.transfer, ES2024) frees it; where there is no
 * `transfer`, the collector still does.
 */
function free(bytes: Uint8Array): void {
  // `transfer` is in lib.es2024, past this project's target.
  const buffer = bytes.buffer as ArrayBufferLike & { transfer?: (length: number) => ArrayBuffer };
  buffer.transfer?.(0);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
