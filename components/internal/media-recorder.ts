/**
 * RecorderController: records a MediaStream with MediaRecorder, keeps the elapsed time ticking on
 * its host, stops itself after a maximum duration, and hands over one Blob per recording.
 * A recording still running when the host leaves the page is discarded.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { recorderType } from './media.js';

export interface RecordingResult {
  blob: Blob;
  /** The MIME type recorded, e.g. `video/webm;codecs=vp9,opus`. */
  mimeType: string;
  /** Length in milliseconds, as measured by the page clock. */
  duration: number;
}

export interface RecorderControllerOptions {
  /** Seconds after which a recording stops by itself; 0 or less for no limit. */
  maxDuration?: () => number;
  /** A MIME type to use when the browser supports it. */
  mimeType?: () => string | undefined;
  /** Called with every finished recording (by `stop()`, the limit, or the stream ending). */
  onRecording?: (result: RecordingResult) => void;
}

export class RecorderController implements ReactiveController {
  private recorder: MediaRecorder | null = null;
  private startedAt = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private finished: Promise<RecordingResult | null> = Promise.resolve(null);
  private readonly host: ReactiveControllerHost;
  private readonly options: RecorderControllerOptions;

  constructor(host: ReactiveControllerHost, options: RecorderControllerOptions = {}) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  /** True while recording. */
  get active(): boolean {
    return this.recorder !== null;
  }

  /** Milliseconds recorded so far (0 when not recording). */
  get elapsed(): number {
    return this.recorder ? performance.now() - this.startedAt : 0;
  }

  /**
   * Starts recording `stream`. Throws a `NotSupportedError` DOMException when the browser has no
   * MediaRecorder, or when already recording an `InvalidStateError`.
   */
  start(stream: MediaStream): void {
    if (this.recorder) throw new DOMException('Already recording.', 'InvalidStateError');
    if (typeof MediaRecorder === 'undefined') throw new DOMException('MediaRecorder is not available.', 'NotSupportedError');
    const type = recorderType(stream, this.options.mimeType?.());
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    const chunks: Blob[] = [];
    recorder.addEventListener('dataavailable', (event) => event.data.size && chunks.push(event.data));
    this.finished = new Promise((resolve) => {
      recorder.addEventListener('stop', () => {
        const current = this.recorder === recorder;
        const duration = performance.now() - this.startedAt;
        if (current) this.reset();
        // A recording discarded by hostDisconnected resolves null and is reported to no one.
        if (!current || !chunks.length) return resolve(null);
        const mimeType = recorder.mimeType || type;
        const result = { blob: new Blob(chunks, { type: mimeType }), mimeType, duration };
        this.options.onRecording?.(result);
        resolve(result);
      });
    });
    this.recorder = recorder;
    this.startedAt = performance.now();
    // Chunks every second, so a long recording does not sit in one buffer until the end.
    recorder.start(1000);
    this.ticker = setInterval(() => {
      const max = this.options.maxDuration?.() ?? 0;
      if (max > 0 && this.elapsed >= max * 1000) void this.stop();
      this.host.requestUpdate();
    }, 250);
    this.host.requestUpdate();
  }

  /** Stops recording; resolves with the result (null when nothing was recorded). */
  stop(): Promise<RecordingResult | null> {
    if (this.recorder?.state === 'recording' || this.recorder?.state === 'paused') this.recorder.stop();
    return this.finished;
  }

  hostDisconnected(): void {
    const recorder = this.recorder;
    this.reset();
    if (recorder && recorder.state !== 'inactive') recorder.stop();
  }

  private reset(): void {
    clearInterval(this.ticker);
    this.recorder = null;
    this.host.requestUpdate();
  }
}
