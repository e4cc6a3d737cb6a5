/**
 * What only file transfers need: the streaming SHA-256 and the reading and storing of files. A
 * PeerChannel imports this module on its first file (sent or received), so a page that only sends
 * messages never downloads it.
 *
 * Both sides hash a file as its bytes pass, chunk by chunk (`crypto.subtle` has no streaming
 * digest; @noble/hashes does, audited and small), so neither reads the file a second time and
 * neither needs it whole in memory.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { openFileStore, type FileStore } from './file-store.js';

export { StorageError } from './file-store.js';

/** The received bytes do not have the SHA-256 their sender announced. */
export class IntegrityError extends Error {
  override name = 'IntegrityError';
}

/** A file being received: hashed and stored as its chunks arrive, in order. */
export class ReceivedFile {
  readonly #hash = sha256.create();
  readonly #store: FileStore;

  private constructor(store: FileStore) {
    this.#store = store;
  }

  /** Opens the store for a file of `size` bytes (a StorageError when there is no room for it). */
  static async open(size: number, memoryLimit: number): Promise<ReceivedFile> {
    return new ReceivedFile(await openFileStore(size, memoryLimit));
  }

  /** The next chunk; kept until stored, so it must not change afterwards. */
  write(bytes: Uint8Array): void {
    this.#hash.update(bytes);
    this.#store.write(bytes);
  }

  /**
   * The whole file, once every chunk is written, if it has the `expected` SHA-256; else the stored
   * bytes are dropped and it rejects with an IntegrityError.
   */
  async finish(expected: Uint8Array, name: string, options: FilePropertyBag): Promise<File> {
    if (!sameBytes(this.#hash.digest(), expected)) {
      this.#store.discard();
      throw new IntegrityError(`"${name}" failed its SHA-256 check.`);
    }
    return this.#store.finish(name, options);
  }

  discard(): void {
    this.#store.discard();
  }
}

/**
 * A Blob read once, as a stream, into whatever buffers the caller fills (a frame's payload, say),
 * hashed as it goes. A stream's chunks come in sizes of the browser's choosing: they are copied
 * across, so each frame is full whatever they are.
 */
export class BlobReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #hash = sha256.create();
  /** What is left of the chunk read last. */
  #rest: Uint8Array = new Uint8Array(0);

  constructor(blob: Blob) {
    this.#reader = blob.stream().getReader();
  }

  /** Fills `target` with the next bytes; rejects when the Blob ends first (it changed) or cannot be read. */
  async fill(target: Uint8Array): Promise<void> {
    let filled = 0;
    while (filled < target.byteLength) {
      if (this.#rest.byteLength === 0) {
        const { value } = await this.#reader.read();
        if (!value) throw new Error('the file changed');
        this.#hash.update(value);
        this.#rest = value;
      }
      const count = Math.min(this.#rest.byteLength, target.byteLength - filled);
      target.set(this.#rest.subarray(0, count), filled);
      this.#rest = this.#rest.subarray(count);
      filled += count;
    }
  }

  /** The SHA-256 of every byte, once all are read; rejects when the Blob had more (it changed). */
  async digest(): Promise<Uint8Array> {
    const { done } = this.#rest.byteLength > 0 ? { done: false } : await this.#reader.read();
    if (!done) throw new Error('the file changed');
    return this.#hash.digest();
  }

  /** Stops reading (a transfer that ended early). */
  close(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** Whether two digests are the same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
