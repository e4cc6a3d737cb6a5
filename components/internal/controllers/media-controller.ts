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
import { mediaErrorCode, stopStream, type MediaErrorCode, type MediaSourceKind } from '../media/media.js';

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
  /** The constraints for the next start, read at each start (and at each device switch). */
  constraints: () => MediaStreamConstraints;
  onStart: (stream: MediaStream) => void;
  onStop: (reason: MediaStopReason) => void;
  onError: (code: MediaErrorCode, cause?: unknown) => void;
  /**
   * A device switch put `track` into the stream in place of the old track of its kind: a peer
   * connection sending the stream calls `sender.replaceTrack(track)` on the sender of `track.kind`.
   */
  onTrack: (track: MediaStreamTrack) => void;
}

/** The element's settings the controller reads (as its element's properties, read when needed). */
export interface MediaHost extends ReactiveControllerHost {
  readonly isConnected: boolean;
  readonly source: MediaSourceKind;
  /** Milliseconds before a start that has not settled is reported as `timeout`; 0 waits forever. */
  readonly timeout: number;
  /** Microphone muted (`track.enabled = false`: the stream stays alive, silence is sent). */
  readonly muted: boolean;
  /** Camera off (`track.enabled = false`: black frames, the stream stays alive). */
  readonly cameraOff: boolean;
}

export class MediaController implements ReactiveController {
  state: MediaState = 'idle';
  /** The live stream (only while `state` is `live`). Device switches replace tracks inside it. */
  stream: MediaStream | null = null;
  /** Cameras and microphones, refreshed on start and on `devicechange`. */
  devices: MediaDeviceInfo[] = [];

  readonly #host: MediaHost;
  readonly #options: MediaControllerOptions;
  #run = 0;
  /** The last start, set by start() before it is returned. */
  #pending!: Promise<MediaStream | null>;

  constructor(host: MediaHost, options: MediaControllerOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.#refreshDevices);
  }

  /**
   * Applies the host's `muted` and `cameraOff` to the tracks (`enabled = false` keeps a track alive),
   * at each host update and whenever tracks come in.
   */
  hostUpdate(): void {
    for (const track of this.stream?.getTracks() ?? []) {
      track.enabled = !(track.kind === 'audio' ? this.#host.muted : this.#host.cameraOff);
    }
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.#refreshDevices);
    // A move within the page (disconnect + connect in one task) keeps the stream; a removal stops it.
    queueMicrotask(() => {
      if (!this.#host.isConnected) this.stop();
    });
  }

  /**
   * Opens the stream. Resolves with it, or with `null` when the start failed (see `error`) or was
   * superseded by `stop()`. Calling it while starting or live returns the same stream.
   */
  start(): Promise<MediaStream | null> {
    // While live, the last start resolved with the stream.
    if (this.state !== 'starting' && !this.stream) this.#pending = this.#open(++this.#run);
    return this.#pending;
  }

  /** Stops every track and forgets the stream. Any start still in flight is discarded. */
  stop(reason: MediaStopReason = 'stopped'): void {
    this.#run++;
    const stream = this.stream;
    stopStream(stream);
    this.stream = null;
    this.#set('idle');
    if (stream) this.#options.onStop(reason);
  }

  /** The device id of the live track of `kind`, if any. */
  deviceId(kind: 'audio' | 'video'): string | undefined {
    return this.stream
      ?.getTracks()
      .find((track) => track.kind === kind)
      ?.getSettings().deviceId;
  }

  /**
   * Replaces the `kind` track of the live stream with one from `deviceId`, in the same MediaStream
   * object (then calls `onTrack`). Resolves false when that device could not be opened (or capture
   * stopped meanwhile). Without a live camera stream there is nothing to switch (a screen capture
   * has no device to choose): it resolves true, and a later start reads the device from `constraints`.
   */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<boolean> {
    const stream = this.stream;
    if (!stream || this.#host.source === 'screen' || this.deviceId(kind) === deviceId) return true;
    const run = this.#run;
    const old = stream.getTracks().filter((track) => track.kind === kind);
    // The other constraints of that kind (size, facing) still apply; spreading `true` or `false` adds none.
    const base = this.#options.constraints()[kind] as MediaTrackConstraints;
    const request = () => navigator.mediaDevices.getUserMedia({ [kind]: { ...base, deviceId: { exact: deviceId } } });
    const fresh = await request()
      .catch((error) => {
        if (mediaErrorCode(error) !== 'device-busy') throw error;
        // Many phones open one camera at a time: release the old one and ask again.
        for (const track of old) track.stop();
        return request();
      })
      .catch((error) => {
        if (run === this.#run) {
          // The old device still works: keep it and say why the new one did not. Else the capture is lost.
          if (!old.some((track) => track.readyState === 'live')) this.stop('failed');
          this.#fail(mediaErrorCode(error), error);
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
    this.hostUpdate();
    this.#host.requestUpdate();
    return true;
  }

  async #open(run: number): Promise<MediaStream | null> {
    this.#set('starting');
    // Browsers hide the capture API from insecure pages: say so rather than "unsupported".
    if (!isSecureContext) return this.#fail('insecure-context');
    const { timeout } = this.#host;
    // The timeout reports the hang but keeps the run: a stream that still arrives (the user answered
    // a slow permission prompt) is taken, unless stop(), a new start or a removal came first. A timer
    // that fires once the start has settled (live, or failed) finds it no longer starting.
    if (timeout > 0) {
      setTimeout(() => {
        if (run === this.#run && this.state === 'starting') this.#fail('timeout');
      }, timeout);
    }
    try {
      const constraints = this.#options.constraints();
      // `true` and `false` have no size (and a screen capture always has video).
      const video = constraints.video as MediaTrackConstraints | undefined;
      // A missing API (no getDisplayMedia) throws a TypeError here: reported as (screen-)unsupported.
      const stream = await (this.#host.source === 'camera'
        ? navigator.mediaDevices.getUserMedia(constraints)
        : // getDisplayMedia rejects exact constraints (device ids) with a TypeError: keep the size only.
          navigator.mediaDevices.getDisplayMedia({
            video: { width: video?.width, height: video?.height },
            audio: Boolean(constraints.audio),
          }));
      // Started on an element that is not on the page (or left it just now): end this run too.
      if (!this.#host.isConnected) this.stop();
      if (run !== this.#run) {
        stopStream(stream);
        return null;
      }
      this.stream = stream;
      this.#set('live');
      for (const track of stream.getTracks()) this.#watch(track);
      this.hostUpdate();
      this.#options.onStart(stream);
      void this.#refreshDevices();
      return stream;
    } catch (error) {
      return run === this.#run ? this.#fail(mediaErrorCode(error, this.#host.source), error) : null;
    }
  }

  #set(state: MediaState): void {
    this.state = state;
    this.#host.requestUpdate();
  }

  /**
   * Reports why something failed; without a stream (a start failed, a switch lost the capture) that
   * is the `error` state, while a stream kept live stays `live`. Returns null: no new stream.
   */
  #fail(code: MediaErrorCode, cause?: unknown): null {
    if (!this.stream) this.#set('error');
    this.#options.onError(code, cause);
    return null;
  }

  /** A track the browser ends (unplugged device, "Stop sharing") ends the capture once none is left. */
  #watch(track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      if (this.stream?.getTracks().every((each) => each.readyState === 'ended')) this.stop('ended');
    });
  }

  /** Counts device refreshes: only the latest may set `devices`. */
  #refresh = 0;

  /**
   * Lists the devices again. A `devicechange` can come while the refresh that followed a start is
   * still waiting for the browser (Firefox answers enumerateDevices slowly then): the older answer,
   * arriving last, must not bring back a device that is gone or hide one that came.
   */
  readonly #refreshDevices = async (): Promise<void> => {
    const refresh = ++this.#refresh;
    const devices = await navigator.mediaDevices.enumerateDevices();
    if (refresh !== this.#refresh) return;
    this.devices = devices.filter((device) => device.kind !== 'audiooutput');
    this.#host.requestUpdate();
  };
}
