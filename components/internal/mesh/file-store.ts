/**
 * Where a received file's bytes go as they arrive: the Origin Private File System when the page has
 * one, so that a file of any size costs the page no memory and is delivered as a File backed by
 * disk; memory otherwise.
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
 * Bytes are handed to the file system in batches of this size: one write per 64 KiB frame cost
 * about 4 times the CPU of one per MiB (each write is a round trip to the browser process).
 */
const BATCH_SIZE = 1024 * 1024;
/** More than this waiting to be written means the disk cannot keep up: the transfer fails. */
const MAX_UNWRITTEN = 32 * BATCH_SIZE;

/** A storage problem the receiver cannot do anything about in this page (quota, no file system). */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** Where one received file goes. */
export interface FileStore {
  /** Appends `bytes`; the store may keep them until written, so they must not change afterwards. */
  write(bytes: Uint8Array): void;
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
  if (!directory) {
    if (size > memoryLimit) throw new StorageError('This page cannot store files that large (no private file system).');
    return new MemoryStore();
  }
  const { quota = Infinity, usage = 0 } = await navigator.storage.estimate();
  if (size > quota - usage) throw new StorageError('Not enough storage space for this file.');
  fileCount += 1;
  const name = `${pageId}-${fileCount}`;
  const handle = await directory.getFileHandle(name, { create: true });
  return new StoredFile(directory, name, handle, await handle.createWritable());
}

/** The folder of received files, after the stale ones are removed; undefined when there is none. */
async function openFolder(): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    const root = await navigator.storage.getDirectory();
    const directory = await root.getDirectoryHandle(FOLDER, { create: true });
    await holdPageLock();
    await removeStaleFiles(directory);
    return directory;
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
    const owner = name.split('-')[0];
    if (!livePages.has(owner)) await directory.removeEntry(name).catch(() => {});
  }
}

/** A file written to the private file system as it arrives. */
class StoredFile implements FileStore {
  readonly #folder: FileSystemDirectoryHandle;
  readonly #name: string;
  readonly #handle: FileSystemFileHandle;
  readonly #writable: FileSystemWritableFileStream;
  /** Batch buffers whose write is done, ready for reuse: fresh memory costs more than a copy. */
  readonly #spare: Uint8Array<ArrayBuffer>[] = [];
  #batch: Uint8Array<ArrayBuffer> = new Uint8Array(BATCH_SIZE);
  #batchUsed = 0;
  #unwritten = 0;
  #writes: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(
    folder: FileSystemDirectoryHandle,
    name: string,
    handle: FileSystemFileHandle,
    writable: FileSystemWritableFileStream,
  ) {
    this.#folder = folder;
    this.#name = name;
    this.#handle = handle;
    this.#writable = writable;
  }

  write(bytes: Uint8Array): void {
    if (this.#failure) throw new StorageError(`Could not store the file: ${errorText(this.#failure)}`);
    if (this.#unwritten > MAX_UNWRITTEN) throw new StorageError('Storage is too slow for this transfer.');
    let from = 0;
    while (from < bytes.byteLength) {
      const count = Math.min(bytes.byteLength - from, BATCH_SIZE - this.#batchUsed);
      this.#batch.set(bytes.subarray(from, from + count), this.#batchUsed);
      this.#batchUsed += count;
      from += count;
      if (this.#batchUsed === BATCH_SIZE) this.#flush();
    }
  }

  async finish(name: string, options: FilePropertyBag): Promise<File> {
    this.#flush();
    await this.#writes;
    if (this.#failure) throw new StorageError(`Could not store the file: ${errorText(this.#failure)}`);
    await this.#writable.close();
    // The stored file under the sender's name, type and time; its bytes stay on disk.
    const file = new File([await this.#handle.getFile()], name, options);
    forgotten.register(file, { folder: this.#folder, name: this.#name });
    return file;
  }

  discard(): void {
    this.#failure ??= new Error('discarded');
    void this.#writes
      .then(() => this.#writable.abort())
      .catch(() => {})
      .then(() => this.#folder.removeEntry(this.#name))
      .catch(() => {});
  }

  /** Hands the batch to the file system and starts the next one. */
  #flush(): void {
    if (this.#batchUsed === 0) return;
    const batch = this.#batch;
    const bytes = batch.subarray(0, this.#batchUsed);
    this.#batch = this.#spare.pop() ?? new Uint8Array(BATCH_SIZE);
    this.#batchUsed = 0;
    this.#unwritten += bytes.byteLength;
    this.#writes = this.#writes.then(async () => {
      try {
        if (!this.#failure) await this.#writable.write(bytes);
      } catch (error) {
        this.#failure ??= error;
      }
      this.#unwritten -= bytes.byteLength;
      this.#spare.push(batch);
    });
  }
}

/** A file held in memory, for pages without a private file system. */
class MemoryStore implements FileStore {
  #parts: Uint8Array<ArrayBuffer>[] = [];

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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
