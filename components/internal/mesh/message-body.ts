/**
 * A message's bytes, shared by the channels to every recipient: given at once, or a Blob's, read
 * once when the first recipient's turn comes. (Files are not messages: each recipient streams its
 * own read of the file, see files.ts.)
 */
export class MessageBody {
  readonly #blob: Blob | undefined;
  #bytes: Uint8Array<ArrayBuffer> | undefined;
  #reading: Promise<Uint8Array<ArrayBuffer>> | undefined;

  constructor(data: Blob | Uint8Array<ArrayBuffer>) {
    if (data instanceof Blob) this.#blob = data;
    else this.#bytes = data;
  }

  /** The bytes, when they are in: always, except for a Blob not read yet. */
  get bytes(): Uint8Array<ArrayBuffer> | undefined {
    return this.#bytes;
  }

  /** Reads the Blob (once, for every recipient); rejects when it cannot be read. */
  load(): Promise<Uint8Array<ArrayBuffer>> {
    this.#reading ??= this.#blob!.arrayBuffer().then((buffer) => {
      this.#bytes = new Uint8Array(buffer);
      return this.#bytes;
    });
    return this.#reading;
  }
}
