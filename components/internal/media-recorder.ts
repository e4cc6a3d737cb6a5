/**
 * RecorderController: records a MediaStream with MediaRecorder, keeps the elapsed time ticking on
 * its host, stops itself after a maximum duration, and hands over one Blob per recording.
 * It needs no lifecycle hooks (so it is not added to the host as a ReactiveController): a recording
 * lasts as long as its stream, and the host stops it when it stops the stream, which the host's
 * MediaController does when the host leaves the page (not when it only moves within the page).
 */
import type { ReactiveControllerHost } from 'lit';

export interface RecordingResult {
  blob: Blob;
  /** The MIME type recorded, e.g. `video/webm;codecs=vp8,opus`. */
  mimeType: string;
  /** Length in milliseconds, as measured by the page clock. */
  duration: number;
}

/** The element's settings the controller reads (its properties, read when needed). */
export interface RecorderHost extends ReactiveControllerHost {
  /** Seconds after which a recording stops by itself; 0 or less for no limit. */
  readonly maxDuration: number;
  /** A MIME type to use when the browser supports it (else the browser picks its default). */
  readonly recordingType: string | undefined;
}

export class RecorderController {
  readonly #host: RecorderHost;
  /** Called with every finished recording (by `stop()`, the limit, or the stream ending). */
  readonly #onRecording: (result: RecordingResult) => void;
  #recorder: MediaRecorder | null = null;
  #startedAt = 0;
  #ticker?: ReturnType<typeof setInterval>;
  #finished: Promise<RecordingResult | null> = Promise.resolve(null);

  constructor(host: RecorderHost, onRecording: (result: RecordingResult) => void) {
    this.#host = host;
    this.#onRecording = onRecording;
  }

  /** True while recording. */
  get active(): boolean {
    return !!this.#recorder;
  }

  /** Milliseconds recorded so far (0 when not recording). */
  get elapsed(): number {
    return this.#recorder ? performance.now() - this.#startedAt : 0;
  }

  /**
   * Starts recording `stream`. Throws an `InvalidStateError` when already recording, and whatever
   * the browser throws when it cannot record (no MediaRecorder, a stream without tracks).
   */
  start(stream: MediaStream): void {
    if (this.#recorder) throw new DOMException('Already recording.', 'InvalidStateError');
    const preferred = this.#host.recordingType ?? '';
    // An empty type lets the browser pick its default format.
    const recorder = new MediaRecorder(stream, { mimeType: MediaRecorder.isTypeSupported(preferred) ? preferred : '' });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (event) => chunks.push(event.data);
    this.#finished = new Promise((resolve) => {
      recorder.onstop = () => {
        const duration = this.elapsed;
        clearInterval(this.#ticker);
        this.#recorder = null;
        this.#host.requestUpdate();
        const { mimeType } = recorder;
        const blob = new Blob(chunks, { type: mimeType });
        const result = blob.size ? { blob, mimeType, duration } : null;
        if (result) this.#onRecording(result);
        resolve(result);
      };
    });
    this.#recorder = recorder;
    this.#startedAt = performance.now();
    // Chunks every second, so a long recording does not sit in one buffer until the end.
    recorder.start(1000);
    this.#ticker = setInterval(() => {
      const max = this.#host.maxDuration;
      if (max > 0 && this.elapsed >= max * 1000) void this.stop();
      this.#host.requestUpdate();
    }, 250);
    this.#host.requestUpdate();
  }

  /** Stops recording; resolves with the result (null when nothing was recorded). */
  stop(): Promise<RecordingResult | null> {
    if (this.#recorder?.state === 'recording') this.#recorder.stop();
    return this.#finished;
  }
}
