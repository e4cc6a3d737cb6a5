/**
 * DoctorController: <rtc-doctor>'s runs of its checks (a Lit ReactiveController).
 *
 * `run()` imports the checks (doctor/checks.ts: a chunk of their own, with the signaling client and
 * the capture code they use, so the element's page loads none of it until a run) and runs them.
 * The run holds an AbortSignal: when the host leaves the page, every track, peer connection and
 * relay connection it opened goes, and a run that was stopped reports nothing more. While the
 * microphone is listened to, its level is read for the meter. It never touches the DOM: the host
 * renders `entries` and fires its events from the callbacks.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DoctorSettings } from '../doctor/checks.js';
import type { DoctorCheckEntry } from '../doctor/report.js';

export type { DoctorSettings } from '../doctor/checks.js';

/** Where the checks are: never run, running, or finished (the last run's entries stay). */
export type DoctorRunState = 'idle' | 'running' | 'done';

/** ms between two readings of the microphone's level for the meter. */
const METER_INTERVAL = 100;

export interface DoctorControllerOptions {
  /** The settings of the next run, read when it starts. */
  settings: () => DoctorSettings;
  /** A check finished (also fired for each line that is known at once, such as "no TURN server"). */
  onCheck: (entry: DoctorCheckEntry) => void;
  /** Every check finished. */
  onDone: () => void;
}

export class DoctorController implements ReactiveController {
  state: DoctorRunState = 'idle';
  /** The checks of the current or last run, in the order they are listed (empty before the first). */
  entries: readonly DoctorCheckEntry[] = [];
  /** The microphone's level (0 to 1) while it is listened to, else undefined. */
  level: number | undefined;
  /** When the current or last run started (ms since the epoch). */
  startedAt = 0;
  /** The relay's signaling URL, as the run resolved it. */
  signaling = '';

  readonly #host: ReactiveControllerHost & { readonly isConnected: boolean };
  readonly #options: DoctorControllerOptions;
  #stop: AbortController | undefined;
  #running: Promise<void> | undefined;
  /** performance.now() at the start and the end of the run. */
  #startedAt = 0;
  #endedAt = 0;

  constructor(host: ReactiveControllerHost & { readonly isConnected: boolean }, options: DoctorControllerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /** How long the current or last run took (so far, while running), in ms. */
  get durationMs(): number {
    return Math.round((this.state === 'running' ? performance.now() : this.#endedAt) - this.#startedAt);
  }

  hostDisconnected(): void {
    // A move within the page (disconnect + connect in one task) keeps the run; a removal stops it.
    queueMicrotask(() => {
      if (!this.#host.isConnected) this.#stop?.abort();
    });
  }

  /** Runs the checks; while a run is under way, returns it. Resolves when it ends or is stopped. */
  run(): Promise<void> {
    if (this.state !== 'running') this.#running = this.#run();
    return this.#running!;
  }

  async #run(): Promise<void> {
    const stop = new AbortController();
    this.#stop = stop;
    this.state = 'running';
    this.entries = [];
    this.startedAt = Date.now();
    this.#startedAt = performance.now();
    this.#host.requestUpdate();
    let meter: ReturnType<typeof setInterval> | undefined;
    try {
      const { DoctorRun } = await import('../doctor/checks.js');
      stop.signal.throwIfAborted();
      const run = new DoctorRun(
        this.#options.settings(),
        {
          changed: () => {
            this.signaling = run.signaling;
            this.#host.requestUpdate();
          },
          finished: (entry) => this.#options.onCheck(entry),
        },
        stop.signal,
      );
      this.entries = run.entries;
      this.signaling = run.signaling;
      meter = setInterval(() => {
        this.level = run.level;
        if (this.level !== undefined) this.#host.requestUpdate();
      }, METER_INTERVAL);
      await run.run();
      this.#end('done');
      this.#options.onDone();
    } catch (error) {
      this.#end('idle');
      // A stopped run says nothing more; anything else (the checks' module did not load) is the caller's.
      if (!stop.signal.aborted) throw error;
    } finally {
      clearInterval(meter);
      this.level = undefined;
    }
  }

  #end(state: DoctorRunState): void {
    this.#endedAt = performance.now();
    this.state = state;
    this.#host.requestUpdate();
  }
}
