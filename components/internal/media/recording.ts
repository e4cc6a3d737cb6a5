/**
 * Recording a stream with MediaRecorder so that the take is never lost, whatever the browser:
 *
 * - The type comes from the recorder once it has started (the browser has settled `mimeType`,
 *   codecs included, by its `start` event) or from the first chunk. It is not read when the
 *   recorder stops: Firefox resets `mimeType` to the constructor's value then, which is `''` when
 *   the page asked for the browser's default.
 * - With no preferred type, or one the browser cannot record, WebM where the browser has it
 *   (Chromium, Firefox, Safari 18.4 and later), else MP4 (older Safari has only MP4).
 * - `done` always settles: with what was recorded when the recorder stops (however it was stopped:
 *   `stop()`, or every track of the stream ending), or with a RecordingError when it failed.
 */

/** A finished recording. */
export interface RecordedMedia {
  blob: Blob;
  /** The MIME type recorded, e.g. `video/webm;codecs=vp8,opus`. */
  mimeType: string;
  /** Length in milliseconds, as measured by the page clock. */
  duration: number;
}

/** The recorder failed (MediaRecorder's `error` event) and stopped: the recording was cut short. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';
  readonly code = 'recording-failed';
  /** What had been recorded before the failure, as one Blob (null when nothing had). */
  readonly partial: Blob | null;

  constructor(cause: unknown, partial: Blob | null) {
    super(`The recording failed: ${(cause as Error | undefined)?.message ?? 'the recorder stopped'}.`, { cause });
    this.partial = partial;
  }
}

/**
 * Formats tried in order when the page names none (or one the browser cannot record): WebM first,
 * then MP4, the only one older Safari records (https://webkit.org/blog/11353/mediarecorder-api/).
 */
const defaultTypes = {
  video: ['video/webm', 'video/mp4'],
  audio: ['audio/webm', 'audio/mp4'],
} as const;

/**
 * The type to ask MediaRecorder for: `preferred` when the browser can record it, else the first
 * default it can record for the stream's kind, else `''` (the browser's own choice).
 */
export function recordingType(stream: MediaStream, preferred = ''): string {
  const kind = stream.getVideoTracks().length > 0 ? 'video' : 'audio';
  const candidates = [preferred, ...defaultTypes[kind]].filter((type) => type !== '');
  return candidates.find((type) => MediaRecorder.isTypeSupported(type)) ?? '';
}

/** The types a canvas or MediaRecorder makes whose subtype is not their file name extension. */
const extensionByType: Record<string, string> = {
  'image/jpeg': 'jpg',
  'audio/mp4': 'm4a',
  'video/x-matroska': 'mkv',
  'audio/x-matroska': 'mka',
};

/** A MIME subtype short and plain enough to be an extension as it is (`webm`, `mp4`, `png`). */
const PLAIN_SUBTYPE = /^[a-z0-9]{1,8}$/;

/**
 * The file name extension for a MIME type: `image/jpeg` -> `jpg`, `video/webm;codecs=vp8` ->
 * `webm`. A type that is empty, or whose subtype is not a plain word, gets `bin`.
 */
export function fileExtension(type: string): string {
  const essence = type.split(';')[0]!.trim().toLowerCase();
  const subtype = essence.split('/')[1] ?? '';
  return extensionByType[essence] ?? (PLAIN_SUBTYPE.test(subtype) ? subtype : 'bin');
}

/** One run of a MediaRecorder over a stream; it starts at once. */
export class Recording {
  /** Resolves when the recorder stops: the recording, or null when nothing was recorded. Rejects with a RecordingError. */
  readonly done: Promise<RecordedMedia | null>;
  readonly #recorder: MediaRecorder;
  readonly #startedAt = performance.now();
  #type: string;

  /**
   * Starts recording `stream`, cut into chunks every `timeslice` ms (so a long recording is not one
   * buffer until the end). Throws a NotSupportedError when the browser cannot record at all, and
   * whatever MediaRecorder's constructor and start() throw (a stream with no live track, say).
   */
  constructor(stream: MediaStream, preferredType?: string, timeslice = 1000) {
    if (typeof MediaRecorder === 'undefined')
      throw new DOMException('This browser cannot record.', 'NotSupportedError');
    this.#type = recordingType(stream, preferredType);
    const recorder = (this.#recorder = new MediaRecorder(stream, { mimeType: this.#type }));
    const chunks: Blob[] = [];
    recorder.addEventListener('start', () => {
      this.#type = recorder.mimeType || this.#type;
    });
    this.done = new Promise((resolve, reject) => {
      recorder.addEventListener('dataavailable', ({ data }) => {
        if (data.size === 0) return;
        // The recorder may not have said its type at start (nor the page asked for one): the data does.
        if (chunks.length === 0 && !this.#type) this.#type = data.type;
        chunks.push(data);
      });
      // An error (a track added to or removed from the stream, an encoder failure) ends the
      // recording: the recorder still hands over what it has, then stops (Chromium and Firefox,
      // as the MediaStream Recording spec says). What came before the error goes with it.
      let failure: ErrorEvent | undefined;
      recorder.addEventListener('error', (event) => {
        failure = event as ErrorEvent;
      });
      recorder.addEventListener('stop', () => {
        const blob = new Blob(chunks, { type: this.#type });
        if (failure) reject(new RecordingError(failure.error, blob.size > 0 ? blob : null));
        else resolve(blob.size > 0 ? { blob, mimeType: this.#type, duration: this.elapsed } : null);
      });
    });
    recorder.start(timeslice);
  }

  /** Milliseconds since the recording started. */
  get elapsed(): number {
    return performance.now() - this.#startedAt;
  }

  /** Stops the recorder (it delivers its last chunk, then `done` settles); nothing once it stopped. */
  stop(): void {
    if (this.#recorder.state !== 'inactive') this.#recorder.stop();
  }
}
