/**
 * MediaController: one captured stream (camera + microphone, or a screen) owned by an element.
 *
 * A Lit ReactiveController: it opens the stream on `start()`, keeps the device list in step with
 * `devicechange`, switches devices in place, and stops every track on `stop()` or when its host
 * leaves the page. Every request carries a run id, so a getUserMedia that settles after `stop()`
 * or after the host left is stopped at once instead of switching the camera light back on.
 * It never touches the DOM: the host renders its state and fires events from the callbacks.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  mediaErrorCode,
  requestStream,
  stopStream,
  type MediaErrorCode,
  type MediaSourceKind,
} from './media.js';

export type MediaState =
  /** No stream; nothing is captured. */
  | 'idle'
  /** Waiting for the browser (and the user's permission). */
  | 'starting'
  /** Capturing. */
  | 'live'
  /** The last start failed (`onError` said why). */
  | 'error';

/** Why a stream ended. */
export type MediaStopReason =
  /** `stop()` was called (the stop button, or page code). */
  | 'stopped'
  /** The browser ended the tracks: the device was unplugged, or the user ended a screen share. */
  | 'ended'
  /** A device switch failed and the stream could not be kept. */
  | 'failed';

export interface MediaControllerOptions {
  /** The constraints for the next start, read at each start. */
  constraints: () => MediaStreamConstraints;
  source: () => MediaSourceKind;
  /** Milliseconds before a start that has not settled is reported as `timeout`; 0 waits forever. */
  timeout: () => number;
  onStart: (stream: MediaStream) => void;
  onStop: (reason: MediaStopReason) => void;
  onError: (code: MediaErrorCode, cause?: unknown) => void;
  /**
   * A device switch put `track` into the stream in place of the old track of its kind: a peer
   * connection sending the stream calls `sender.replaceTrack(track)` on the sender of `track.kind`.
   */
  onTrack: (track: MediaStreamTrack) => void;
}

type Host = ReactiveControllerHost & { readonly isConnected: boolean };

export class MediaController implements ReactiveController {
  state: MediaState = 'idle';
  /** The live stream (only while `state` is `live`). Device switches replace tracks inside it. */
  stream: MediaStream | null = null;
  /** Cameras and microphones, refreshed on start and on `devicechange`. */
  devices: MediaDeviceInfo[] = [];
  /** Microphone muted (`track.enabled = false`: the stream stays alive, silence is sent). */
  muted = false;
  /** Camera off (`track.enabled = false`: black frames, the stream stays alive). */
  videoOff = false;

  readonly #host: Host;
  readonly #options: MediaControllerOptions;
  #run = 0;
  #pending: Promise<MediaStream | null> = Promise.resolve(null);

  constructor(host: Host, options: MediaControllerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.#refreshDevices);
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.#refreshDevices);
    // A move within the page (disconnect + connect in one task) keeps the stream; a removal stops it.
    queueMicrotask(() => this.#host.isConnected || this.stop());
  }

  /**
   * Opens the stream. Resolves with it, or with `null` when the start failed (see `error`) or was
   * superseded by `stop()`. Calling it while starting or live returns the same stream.
   */
  start(): Promise<MediaStream | null> {
    if (this.stream) return Promise.resolve(this.stream);
    if (this.state !== 'starting') this.#pending = this.#open(++this.#run);
    return this.#pending;
  }

  /** Stops every track and forgets the stream. Any start still in flight is discarded. */
  stop(reason: MediaStopReason = 'stopped'): void {
    this.#run++;
    const stream = this.stream;
    stopStream(stream);
    if (this.state === 'idle') return;
    this.stream = null;
    this.state = 'idle';
    this.#host.requestUpdate();
    if (stream) this.#options.onStop(reason);
  }

  /** Mutes or unmutes the microphone. */
  setMuted(muted: boolean): void {
    this.muted = muted;
    this.#enableTracks();
  }

  /** Turns the camera off (black frames) or on again. */
  setVideoOff(off: boolean): void {
    this.videoOff = off;
    this.#enableTracks();
  }

  /** The device id of the live track of `kind`, if any. */
  deviceId(kind: 'audio' | 'video'): string | undefined {
    return this.stream?.getTracks().find((track) => track.kind === kind)?.getSettings().deviceId;
  }

  /**
   * Replaces the `kind` track of the live stream with one from `deviceId`, in the same MediaStream
   * object (then calls `onTrack`). Resolves true when the stream now uses that device.
   */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<boolean> {
    const stream = this.stream;
    if (!stream) return false;
    if (this.deviceId(kind) === deviceId) return true;
    const run = this.#run;
    const old = stream.getTracks().filter((track) => track.kind === kind);
    const base = this.#options.constraints()[kind];
    const request = () =>
      navigator.mediaDevices.getUserMedia({ [kind]: { ...(typeof base === 'object' ? base : {}), deviceId: { exact: deviceId } } });
    const fresh = await request()
      .catch((error) => {
        if (mediaErrorCode(error) !== 'device-busy') throw error;
        // Many phones open one camera at a time: release the old one and ask again.
        old.forEach((track) => track.stop());
        return request();
      })
      .catch((error) => {
        const code = mediaErrorCode(error);
        if (run !== this.#run) return null;
        if (old.some((track) => track.readyState === 'live')) {
          // The old device still works: keep it and say why the new one did not.
          this.#options.onError(code, error);
        } else {
          this.stop('failed');
          this.#fail(code, error);
        }
        return null;
      });
    if (!fresh || run !== this.#run) {
      stopStream(fresh);
      return false;
    }
    for (const track of old) {
      track.stop();
      stream.removeTrack(track);
    }
    for (const track of fresh.getTracks()) {
      this.#watch(track);
      stream.addTrack(track);
      this.#options.onTrack(track);
    }
    this.#enableTracks();
    return true;
  }

  async #open(run: number): Promise<MediaStream | null> {
    this.state = 'starting';
    this.#host.requestUpdate();
    // Browsers hide the capture API from insecure pages: say so rather than "unsupported".
    if (!isSecureContext) {
      this.#fail('insecure-context');
      return null;
    }
    const timeout = this.#options.timeout();
    // The timeout reports the hang but keeps the run: a stream that still arrives (the user answered
    // a slow permission prompt) is taken, unless stop(), a new start or a removal came first.
    const timer =
      timeout > 0 ? setTimeout(() => run === this.#run && this.state === 'starting' && this.#fail('timeout'), timeout) : undefined;
    try {
      // A missing API (no getDisplayMedia) throws a TypeError here: reported as unsupported.
      const stream = await requestStream(this.#options.constraints(), this.#options.source());
      if (run !== this.#run || !this.#host.isConnected) {
        stopStream(stream);
        if (run === this.#run) this.stop();
        return null;
      }
      this.stream = stream;
      this.state = 'live';
      stream.getTracks().forEach((track) => this.#watch(track));
      this.#enableTracks();
      this.#options.onStart(stream);
      void this.#refreshDevices();
      return stream;
    } catch (error) {
      if (run === this.#run) this.#fail(mediaErrorCode(error), error);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  #fail(code: MediaErrorCode, cause?: unknown): void {
    this.state = 'error';
    this.#host.requestUpdate();
    this.#options.onError(code, cause);
  }

  /** Applies `muted` and `videoOff` to the tracks (`enabled = false` keeps a track alive). */
  #enableTracks(): void {
    for (const track of this.stream?.getTracks() ?? []) {
      track.enabled = track.kind === 'audio' ? !this.muted : !this.videoOff;
    }
    this.#host.requestUpdate();
  }

  /** A track the browser ends (unplugged device, "Stop sharing") ends the capture once none is left. */
  #watch(track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      if (this.stream?.getTracks().every((each) => each.readyState === 'ended')) this.stop('ended');
    });
  }

  readonly #refreshDevices = async (): Promise<void> => {
    const devices = await navigator.mediaDevices.enumerateDevices();
    this.devices = devices.filter((device) => device.kind !== 'audiooutput');
    this.#host.requestUpdate();
  };
}
