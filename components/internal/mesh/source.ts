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
    if (data instanceof Blob) {
      this.bytes = new Uint8Array(data.size);
      this.loaded = 0;
    } else {
      this.bytes = data;
      this.loaded = data.byteLength;
    }
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
    this.#digest ??= this.load(this.bytes.byteLength).then(() => crypto.subtle.digest('SHA-256', this.bytes));
    return this.#digest;
  }

  async #read(): Promise<void> {
    try {
      this.#reader ??= (this.data as Blob).stream().getReader();
      const { value } = await this.#reader.read();
      if (!value) throw new Error('the file changed');
      this.bytes.set(value, this.loaded); // a RangeError when it grew
      this.loaded += value.byteLength;
    } finally {
      this.#reading = undefined;
    }
  }
}
