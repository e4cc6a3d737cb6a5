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
  environmentError,
  listDevices,
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
  /** The last start failed; `error` says why. */
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
  source?: () => MediaSourceKind;
  /** Milliseconds before a start that has not settled is reported as `timeout`; 0 waits forever. */
  timeout?: () => number;
  onStart?: (stream: MediaStream) => void;
  onStop?: (reason: MediaStopReason) => void;
  onError?: (code: MediaErrorCode, cause?: unknown) => void;
}

export class MediaController implements ReactiveController {
  state: MediaState = 'idle';
  stream: MediaStream | null = null;
  /** Why the last start failed, while `state` is `error`. */
  error: MediaErrorCode | null = null;
  /** Cameras and microphones, refreshed on start and on `devicechange`. */
  devices: MediaDeviceInfo[] = [];
  /** Microphone muted (`track.enabled = false`: the stream stays alive, silence is sent). */
  muted = false;
  /** Camera off (`track.enabled = false`: black frames, the stream stays alive). */
  videoOff = false;

  private run = 0;
  private pending: Promise<MediaStream | null> | null = null;
  private readonly host: ReactiveControllerHost & { readonly isConnected: boolean };
  private readonly options: MediaControllerOptions;

  constructor(host: ReactiveControllerHost & { readonly isConnected: boolean }, options: MediaControllerOptions) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.refreshDevices);
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.refreshDevices);
    // A move within the page (disconnect + connect in one task) keeps the stream; a removal stops it.
    queueMicrotask(() => {
      if (!this.host.isConnected) this.stop();
    });
  }

  /**
   * Opens the stream. Resolves with it, or with `null` when the start failed (see `error`) or was
   * superseded by `stop()`. Calling it while starting or live returns the same stream.
   */
  start(): Promise<MediaStream | null> {
    if (this.state === 'live') return Promise.resolve(this.stream);
    if (this.state === 'starting' && this.pending) return this.pending;
    this.pending = this.open(++this.run);
    return this.pending;
  }

  /** Stops every track and forgets the stream. Any start still in flight is discarded. */
  stop(reason: MediaStopReason = 'stopped'): void {
    this.run++;
    this.pending = null;
    const stream = this.stream;
    this.stream = null;
    stopStream(stream);
    const was = this.state;
    if (was === 'idle') return;
    this.state = 'idle';
    this.error = null;
    this.host.requestUpdate();
    if (stream) this.options.onStop?.(reason);
  }

  /** Mutes or unmutes the microphone tracks. */
  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
    this.host.requestUpdate();
  }

  /** Turns the camera tracks off (black frames) or on again. */
  setVideoOff(off: boolean): void {
    this.videoOff = off;
    for (const track of this.stream?.getVideoTracks() ?? []) track.enabled = !off;
    this.host.requestUpdate();
  }

  /** The device id of the live track of `kind`, if any. */
  deviceId(kind: 'audio' | 'video'): string | undefined {
    const track = kind === 'audio' ? this.stream?.getAudioTracks()[0] : this.stream?.getVideoTracks()[0];
    return track?.getSettings().deviceId;
  }

  /**
   * Replaces the `kind` track of the live stream with one from `deviceId`, in the same MediaStream
   * object. Resolves true when the stream now uses that device.
   */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<boolean> {
    const stream = this.stream;
    if (!stream || this.state !== 'live') return false;
    if (this.deviceId(kind) === deviceId) return true;
    const run = this.run;
    const base = this.options.constraints()[kind];
    const constraint = { ...(typeof base === 'object' ? base : {}), deviceId: { exact: deviceId } };
    const old = kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks();
    const request = () => navigator.mediaDevices.getUserMedia({ [kind]: constraint });
    let fresh: MediaStream;
    try {
      fresh = await request();
    } catch (error) {
      if (run !== this.run) return false;
      if (mediaErrorCode(error) !== 'device-busy') {
        // The old device still works: keep it and say why the new one did not.
        this.options.onError?.(mediaErrorCode(error), error);
        return false;
      }
      // Many phones open one camera at a time: release the old one and ask again.
      for (const track of old) track.stop();
      try {
        fresh = await request();
      } catch (again) {
        if (run !== this.run) return false;
        this.stop('failed');
        this.fail(mediaErrorCode(again), again);
        return false;
      }
    }
    if (run !== this.run) {
      stopStream(fresh);
      return false;
    }
    for (const track of old) {
      track.stop();
      stream.removeTrack(track);
    }
    for (const track of fresh.getTracks()) {
      track.enabled = kind === 'audio' ? !this.muted : !this.videoOff;
      this.watch(track);
      stream.addTrack(track);
    }
    this.host.requestUpdate();
    return true;
  }

  private async open(run: number): Promise<MediaStream | null> {
    this.state = 'starting';
    this.error = null;
    this.host.requestUpdate();
    const source = this.options.source?.() ?? 'camera';
    const unavailable = environmentError(source);
    if (unavailable) {
      this.fail(unavailable);
      return null;
    }
    const timeout = this.options.timeout?.() ?? 0;
    // The timeout reports the hang but keeps the run: a stream that still arrives (the user answered
    // a slow permission prompt) is taken, unless stop(), a new start or a removal came first.
    const timer =
      timeout > 0 ? setTimeout(() => run === this.run && this.state === 'starting' && this.fail('timeout'), timeout) : 0;
    try {
      const stream = await requestStream(this.options.constraints(), source);
      if (run !== this.run || !this.host.isConnected) {
        stopStream(stream);
        if (run === this.run) this.stop();
        return null;
      }
      this.stream = stream;
      this.state = 'live';
      this.error = null;
      for (const track of stream.getTracks()) this.watch(track);
      this.setMuted(this.muted);
      this.setVideoOff(this.videoOff);
      this.options.onStart?.(stream);
      void this.refreshDevices();
      return stream;
    } catch (error) {
      if (run === this.run) this.fail(mediaErrorCode(error), error);
      return null;
    } finally {
      clearTimeout(timer);
      if (run === this.run) this.pending = null;
    }
  }

  private fail(code: MediaErrorCode, cause?: unknown): void {
    this.state = 'error';
    this.error = code;
    this.host.requestUpdate();
    this.options.onError?.(code, cause);
  }

  /** A track the browser ends (unplugged device, "Stop sharing") ends the capture once none is left. */
  private watch(track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      const stream = this.stream;
      if (stream && stream.getTracks().every((each) => each.readyState === 'ended')) this.stop('ended');
    });
  }

  private readonly refreshDevices = async (): Promise<void> => {
    this.devices = await listDevices();
    this.host.requestUpdate();
  };
}
