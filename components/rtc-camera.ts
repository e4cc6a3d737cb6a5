import { html, nothing, type PropertyValues } from 'lit';
import { define } from './internal/ui/define.js';
import { RtcElement, button, errorBox, type ButtonOptions } from './internal/ui/element.js';
import {
  mediaErrorText,
  showStream,
  trackConstraint,
  type MediaErrorDetail,
  type MediaSourceKind,
} from './internal/media/media.js';
import { MediaController, type MediaStopReason } from './internal/controllers/media-controller.js';
import { Recording, fileExtension, type RecordedMedia, type RecordingError } from './internal/media/recording.js';
import { styles } from './rtc-camera.styles.js';

export { mediaErrorText, type MediaErrorCode, type MediaErrorDetail } from './internal/media/media.js';
export type { MediaStopReason } from './internal/controllers/media-controller.js';
export { RecordingError } from './internal/media/recording.js';

/**
 * Every text the element shows, in English. Replace any of them with the `strings` attribute or
 * property. The error texts are keyed by code (`"no-device"`, `"no-device-hint"`), as in `mediaErrorText`.
 */
export const rtcCameraStrings = {
  start: 'Start camera',
  startScreen: 'Share screen',
  stop: 'Stop',
  retry: 'Try again',
  mute: 'Mute',
  cameraOff: 'Camera off',
  camera: 'Camera',
  microphone: 'Microphone',
  snapshot: 'Take photo',
  record: 'Record',
  stopRecording: 'Stop recording',
  /** Shown before start (unless the `placeholder` slot has content). */
  idle: 'The camera is off.',
  starting: 'Starting…',
  recording: 'Recording',
  muted: 'Microphone muted',
  videoOff: 'Camera turned off',
  /** Shown once a photo or recording is attached, followed by the file name. */
  attached: 'Attached:',
  /** The form's validity message while `required` and nothing was captured. */
  required: 'Please take a photo or record a video.',
  'recording-failed': 'The recording failed.',
  'recording-failed-hint': 'Record again.',
  ...mediaErrorText,
};
export type RtcCameraStrings = typeof rtcCameraStrings;

export interface RtcCameraStartDetail {
  stream: MediaStream;
}
export interface RtcCameraStopDetail {
  reason: MediaStopReason;
}
export interface RtcCameraTrackDetail {
  track: MediaStreamTrack;
}
export interface RtcSnapshotDetail {
  blob: Blob;
  width: number;
  height: number;
}
/** A finished recording: `{ blob, mimeType, duration }`. */
export type RtcRecordingDetail = RecordedMedia;
export interface RtcRecordingErrorDetail {
  code: 'recording-failed';
  message: string;
  hint: string;
  /** The RecordingError: its `cause` is the recorder's, its `partial` what was recorded before. */
  cause: RecordingError;
}

/**
 * Camera, microphone or screen capture as one element: a live preview, start/stop, mute, camera off,
 * device pickers, photos and recordings, and a form value. Nothing is captured until the user presses
 * start (or `autostart` is set), every track is stopped when it stops or leaves the page, and every
 * failure is explained with a hint and a retry button.
 *
 * @summary Camera and microphone capture: preview, photo, recording, form value.
 *
 * @attr {boolean|string} video - `true` (default), `false`, or an ideal size such as `1280x720`.
 * @attr {boolean|string} audio - Capture the microphone (default `true`; `audio="false"` for none).
 * @attr {'user'|'environment'} facing - Which camera on a phone: `user` (default) or `environment`.
 * @attr {'camera'|'screen'} source - `camera` (default) or `screen` to capture a screen, window or tab.
 * @attr {boolean} mirrored - Mirror the preview. Absent: mirrored for a user-facing camera only; `mirrored="false"` never.
 * @attr {boolean} autostart - Start capturing as soon as the element is on the page (no start press).
 * @attr {string} controls - Absent or empty: every control. `none`: no controls. Or a list of `start mute camera devices snapshot record`.
 * @attr {string} camera-id - The camera's `deviceId` (set by the picker; set it to choose one). Ignored with `source="screen"`.
 * @attr {string} microphone-id - The microphone's `deviceId` (set by the picker; set it to choose one). Ignored with `source="screen"`.
 * @attr {string} snapshot-type - Photo format: `image/png` (default), `image/jpeg` or `image/webp`.
 * @attr {number} snapshot-quality - JPEG / WebP quality from 0 to 1 (the browser's default when absent).
 * @attr {string} recording-type - Preferred MediaRecorder MIME type. When absent or unsupported: WebM where the browser records it, else MP4.
 * @attr {number} max-duration - Recordings stop by themselves after this many seconds (0: no limit).
 * @attr {number} timeout - Milliseconds to wait for the browser before reporting `timeout` (default 20000; 0 waits forever).
 * @attr {boolean} muted - The microphone is muted (reflected).
 * @attr {boolean} camera-off - The camera track is disabled (reflected).
 * @attr {string} name - The form field name: the latest photo or recording is submitted as a File under it.
 * @attr {boolean} required - The form is invalid until a photo or recording was taken.
 * @attr {boolean} disabled - Disables the controls (also inside a disabled `<fieldset>`).
 * @attr {string} strings - JSON object replacing any text (see `rtcCameraStrings` for the keys).
 * @attr {'idle'|'starting'|'live'|'error'} state - Read-only, reflected for styling.
 * @attr {boolean} recording - Read-only, reflected while recording.
 *
 * @slot placeholder - Shown before the camera is started, instead of the default text.
 *
 * @csspart base - The frame around everything.
 * @csspart video - The preview `<video>`.
 * @csspart placeholder - The box shown before start.
 * @csspart error - The error box (`role="alert"`); contains `error-message` and `error-hint`.
 * @csspart error-message - What went wrong.
 * @csspart error-hint - What to do about it.
 * @csspart recording-indicator - The "Recording 0:12" badge.
 * @csspart controls - The toolbar.
 * @csspart button - Every button; each also has its own: `start-button`, `stop-button`, `mute-button`, `camera-button`, `snapshot-button`, `record-button`.
 * @csspart select - Both device pickers; also `camera-select`, `microphone-select`.
 * @csspart attachment - The line naming the attached photo or recording.
 *
 * @cssproperty --rtc-camera-background - Behind the video (default `#111`).
 * @cssproperty --rtc-camera-color - Text on the video area (default `#f5f5f5`).
 * @cssproperty --rtc-camera-aspect-ratio - Of the video area (default `4 / 3`).
 * @cssproperty --rtc-camera-object-fit - How the video fills it: `cover` (default) or `contain`.
 * @cssproperty --rtc-camera-radius - Corner radius (default `0.5rem`).
 * @cssproperty --rtc-camera-accent - Primary buttons and focus ring (default `#2563eb`).
 * @cssproperty --rtc-camera-danger - Recording and pressed toggles (default `#dc2626`).
 * @cssproperty --rtc-camera-controls-background - The toolbar (default `#f4f4f5`).
 *
 * @fires rtc-camera-start - Capture started. detail: `{ stream }`.
 * @fires rtc-camera-stop - Capture stopped. detail: `{ reason: 'stopped' | 'ended' | 'failed' }`.
 * @fires rtc-camera-track - A device switch replaced a track inside `stream` (call `replaceTrack` with it). detail: `{ track }`.
 * @fires rtc-media-error - A start or a device switch failed. detail: `{ code, message, hint, cause }`.
 * @fires rtc-snapshot - A photo was taken. detail: `{ blob, width, height }`.
 * @fires rtc-recording - A recording finished. detail: `{ blob, mimeType, duration }` (duration in ms).
 * @fires rtc-recording-error - The recorder failed; `stopRecording()` rejects with the same RecordingError. detail: `{ code: 'recording-failed', message, hint, cause }`.
 *
 * @tagname rtc-camera
 */
export class RtcCamera extends RtcElement<RtcCameraStrings> {
  static override styles = styles;
  static formAssociated = true;

  /**
   * The reactive properties and their attributes, as one table: a decorator per property would
   * ship one __decorate call each. The fields below carry the types and defaults.
   */
  static override properties = {
    video: {},
    audio: {},
    facing: {},
    source: {},
    mirrored: { converter: (value: string | null) => (value === null ? undefined : value !== 'false') },
    autostart: { type: Boolean },
    controls: {},
    cameraId: {},
    microphoneId: {},
    snapshotType: {},
    snapshotQuality: { type: Number },
    recordingType: {},
    maxDuration: { type: Number },
    timeout: { type: Number },
    muted: { type: Boolean, reflect: true },
    cameraOff: { type: Boolean, reflect: true },
    name: {},
    required: { type: Boolean },
    state: { reflect: true },
    recording: { type: Boolean, reflect: true },
    file: { state: true },
  };

  video: boolean | string = true;
  audio: boolean | string = true;
  facing: 'user' | 'environment' = 'user';
  source: MediaSourceKind = 'camera';
  /** `undefined` (no attribute): automatic, mirrored for a user-facing camera. */
  mirrored: boolean | undefined;
  autostart = false;
  controls: string | undefined;
  cameraId = '';
  microphoneId = '';
  snapshotType = 'image/png';
  snapshotQuality: number | undefined;
  recordingType: string | undefined;
  maxDuration = 0;
  timeout = 20_000;
  muted = false;
  cameraOff = false;
  name = '';
  required = false;
  /**
   * Exact constraints for the next start, overriding `video`, `audio`, `facing` and the device ids.
   * A plain field, not a reactive property: it is read at start, and nothing rendered depends on it.
   */
  constraints: MediaStreamConstraints | undefined;
  /** Where capture is: `idle`, `starting`, `live` or `error` (reflected as an attribute for CSS). */
  state: 'idle' | 'starting' | 'live' | 'error' = 'idle';
  /** True while recording (reflected). */
  recording = false;

  private file: File | null = null;
  /** The last error reported (`error` shows it while `state` is `error`: a failed start sets it). */
  #startError?: MediaErrorDetail;

  protected override readonly defaults = rtcCameraStrings;
  readonly #internals = this.attachInternals();

  readonly #media = new MediaController(this, {
    constraints: () =>
      this.constraints ?? {
        video: trackConstraint(this.video, this.cameraId, this.facing),
        audio: trackConstraint(this.audio, this.microphoneId),
      },
    onStart: (stream) => {
      this.#recordingError = undefined;
      this.emit('rtc-camera-start', { stream });
    },
    onStop: (reason) => {
      // However the stream ended (stop(), the element left the page, the browser), a running
      // recording is delivered (a failed one was reported by its own event).
      this.stopRecording().catch(() => {});
      this.emit('rtc-camera-stop', { reason });
    },
    onError: (code, cause) => {
      this.#startError = { ...this.errorText(code), cause };
      this.emit('rtc-media-error', this.#startError);
    },
    onTrack: (track) => this.emit('rtc-camera-track', { track }),
  });

  /** The running recording (a recording lasts as long as its stream: stopping the stream stops it). */
  #recording: Recording | null = null;
  /** Ticks the badge's clock and applies max-duration while recording. */
  #ticker?: ReturnType<typeof setInterval>;
  /** The last recording's Blob once it stopped (null when nothing was recorded), or its RecordingError. */
  #recorded?: Promise<Blob | null>;
  /** Why the last recording failed, shown while live until the next recording or start. */
  #recordingError?: RtcRecordingErrorDetail;

  constructor() {
    super();
    // A group, so a <label for> or aria-label names the element and its controls together.
    this.#internals.role = 'group';
  }

  /** The live stream while capturing, else `null`. Tracks may be replaced in it by the device pickers. */
  get stream(): MediaStream | null {
    return this.#media.stream;
  }

  /** The last start error while `state` is `error`, else `null`. */
  get error(): MediaErrorDetail | null {
    return this.state === 'error' ? this.#startError! : null;
  }

  /** The latest photo or recording as a File (what a form submits), or `null`. */
  get value(): File | null {
    return this.file;
  }

  /** Cameras and microphones known (labels appear once access was granted). */
  get devices(): MediaDeviceInfo[] {
    return this.#media.devices;
  }

  get form(): HTMLFormElement | null {
    return this.#internals.form;
  }
  get validity(): ValidityState {
    return this.#internals.validity;
  }
  get validationMessage(): string {
    return this.#internals.validationMessage;
  }
  get willValidate(): boolean {
    return this.#internals.willValidate;
  }
  checkValidity(): boolean {
    return this.#internals.checkValidity();
  }
  reportValidity(): boolean {
    return this.#internals.reportValidity();
  }

  /**
   * Starts capturing (asks for permission if needed). Resolves with the stream, or `null` when it
   * failed (an `rtc-media-error` says why) or `stop()` came first.
   */
  start(): Promise<MediaStream | null> {
    return this.#media.start();
  }

  /** Stops capturing: every track is stopped, and a running recording is finished and delivered. */
  stop(): void {
    this.#media.stop();
  }

  /**
   * Takes a photo of the current frame at the stream's resolution (not mirrored), fires
   * `rtc-snapshot` and makes it the form value. Rejects with an `InvalidStateError` when no video is live.
   */
  async snapshot(): Promise<Blob> {
    if (!this.stream?.getVideoTracks().some((track) => track.readyState === 'live')) {
      throw new DOMException('No live video.', 'InvalidStateError');
    }
    await this.updateComplete;
    const video = this.renderRoot.querySelector('video')!;
    // Resolves once there is a frame (at once when there is one): right after start there may be none yet.
    await video.play();
    // At the stream's own resolution: not the size shown, and not mirrored.
    const { videoWidth: width, videoHeight: height } = video;
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d')!.drawImage(video, 0, 0);
    const blob = await canvas.convertToBlob({ type: this.snapshotType, quality: this.snapshotQuality });
    this.#setValue(blob);
    this.emit('rtc-snapshot', { blob, width, height });
    return blob;
  }

  /**
   * Starts recording the live stream. Throws an `InvalidStateError` when nothing is live or a
   * recording runs, and a `NotSupportedError` when the browser cannot record.
   */
  startRecording(): void {
    if (!this.stream || this.#recording) throw new DOMException('Not live, or already recording.', 'InvalidStateError');
    const recording = new Recording(this.stream, this.recordingType);
    this.#recording = recording;
    this.#recordingError = undefined;
    // However it stops (stopRecording(), max-duration, stop(), the element leaving the page, the
    // stream ending), the recording is delivered; a recorder that fails is reported.
    this.#recorded = recording.done.then(
      (recorded) => {
        this.#recordingEnded();
        if (!recorded) return null;
        this.#setValue(recorded.blob);
        this.emit('rtc-recording', recorded);
        return recorded.blob;
      },
      (error: RecordingError) => {
        this.#recordingEnded();
        this.#recordingError = { ...this.errorText(error.code), cause: error };
        this.emit('rtc-recording-error', this.#recordingError);
        throw error;
      },
    );
    // The failure is reported by the event; only a caller of stopRecording() needs to handle it.
    this.#recorded.catch(() => {});
    this.#ticker = setInterval(() => {
      if (this.maxDuration > 0 && recording.elapsed >= this.maxDuration * 1000) recording.stop();
      this.requestUpdate();
    }, 250);
    this.requestUpdate();
  }

  /**
   * Stops recording. Resolves with the recording (also fired as `rtc-recording`), or `null` when
   * nothing was recorded; rejects with a `RecordingError` when the recorder failed.
   */
  stopRecording(): Promise<Blob | null> {
    this.#recording?.stop();
    return this.#recorded ?? Promise.resolve(null);
  }

  #recordingEnded(): void {
    clearInterval(this.#ticker);
    this.#recording = null;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autostart) void this.start();
  }

  formResetCallback(): void {
    this.#setValue(null);
  }

  formDisabledCallback(): void {
    // Rendered from :disabled, which a disabled attribute or <fieldset disabled> sets.
    this.requestUpdate();
  }

  protected override willUpdate(): void {
    // Mirror the media controller's state and the recorder's into reflected properties (for CSS)
    // before rendering. The media controller applies `muted` and `cameraOff` to the tracks itself, at
    // each update.
    this.state = this.#media.state;
    this.recording = !!this.#recording;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('cameraId')) void this.#switchDevice('video', 'cameraId');
    if (changed.has('microphoneId')) void this.#switchDevice('audio', 'microphoneId');
    showStream(this.renderRoot.querySelector('video')!, this.stream);
    this.#internals.setValidity(
      { valueMissing: this.required && !this.file },
      this.t.required,
      this.renderRoot.querySelector('button') ?? undefined,
    );
  }

  protected override render() {
    const { state, stream, recording } = this;
    const live = state === 'live';
    // The words listed in `controls` (null for none: every control).
    const listed = this.controls?.match(/\w+/g);
    const show = (control: string) => !listed || listed.includes(control);
    const video = stream?.getVideoTracks()[0];
    const audio = stream?.getAudioTracks()[0];
    const mirrored =
      this.mirrored ?? (this.source === 'camera' && (video?.getSettings().facingMode ?? this.facing) !== 'environment');
    // A start error, or while live a recording that failed.
    const error = this.error ?? (live ? this.#recordingError : undefined) ?? null;
    const disabled = this.matches(':disabled');
    // A toolbar button unless `controls` leaves it out, disabled with the element.
    const tool = (name: string, label: string, onClick: () => void, options?: ButtonOptions, control = name) =>
      show(control) ? button(name, label, onClick, { disabled, ...options }) : nothing;
    const t = this.t;
    return html`<div part="base">
<div class="stage">
<video part="video" class=${mirrored ? 'mirrored' : ''} ?hidden=${!video} muted playsinline autoplay></video>
${
  !live && !error
    ? html`<div part="placeholder">${state === 'idle' ? html`<slot name="placeholder">${t.idle}</slot>` : t.starting}</div>`
    : errorBox(error)
}
${recording ? html`<div part="recording-indicator" role="timer">${t.recording} ${clock(this.#recording!.elapsed)}</div>` : nothing}
</div>
${
  this.controls !== 'none'
    ? html`<div part="controls">${
        // The start button becomes the stop button in place (both first in a list, of one template), so
        // keyboard focus stays on it. Not disabled while starting (a disabled button drops focus): start()
        // is idempotent. Both are the `start` control.
        live
          ? [
              tool('stop', t.stop, this.stop, {}, 'start'),
              audio && tool('mute', t.mute, () => (this.muted = !this.muted), { pressed: this.muted }),
              video &&
                tool('camera', t.cameraOff, () => (this.cameraOff = !this.cameraOff), { pressed: this.cameraOff }),
              show('devices') && this.source === 'camera'
                ? [this.#picker('camera', 'video', disabled), this.#picker('microphone', 'audio', disabled)]
                : nothing,
              video &&
                tool('snapshot', t.snapshot, () => this.snapshot().catch(() => {}), {
                  disabled: disabled || this.cameraOff,
                  kind: 'primary',
                }),
              recording
                ? tool('record', t.stopRecording, this.stopRecording, { kind: 'danger' })
                : tool('record', t.record, this.startRecording),
            ]
          : [
              tool('start', error ? t.retry : this.source === 'screen' ? t.startScreen : t.start, this.start, {
                kind: 'primary',
              }),
            ]
      }</div>`
    : nothing
}
${this.file ? html`<div part="attachment">${t.attached} ${this.file.name} (${Math.ceil(this.file.size / 1024)} KB)</div>` : nothing}
<div class="sr" role="status">${live && this.muted ? t.muted : ''} ${live && this.cameraOff ? t.videoOff : ''} ${recording ? t.recording : ''}</div>
</div>`;
  }

  /** A device picker, shown when the stream has a track of that kind and there is a choice. */
  #picker(name: 'camera' | 'microphone', kind: 'video' | 'audio', disabled: boolean) {
    const devices = this.devices.filter((device) => device.kind === `${kind}input`);
    const current = this.#media.deviceId(kind);
    return current && devices.length > 1
      ? html`<select part="select ${name}-select" aria-label=${this.t[name]} ?disabled=${disabled || this.recording} @change=${(event: Event) => (this[`${name}Id` as const] = (event.target as HTMLSelectElement).value)}>${devices.map(
          // Pickers show while live, when access was granted: the labels are filled in.
          (device) =>
            html`<option value=${device.deviceId} ?selected=${device.deviceId === current}>${device.label}</option>`,
        )}</select>`
      : nothing;
  }

  /** Switches the live camera track of `kind` to the device in `this[key]`. */
  async #switchDevice(kind: 'audio' | 'video', key: 'cameraId' | 'microphoneId'): Promise<void> {
    // On failure, keep the property true to what is in use, so a retry does not ask for the failing device.
    if (this[key] && !(await this.#media.switchDevice(kind, this[key]))) {
      this[key] = this.#media.deviceId(kind) ?? '';
    }
  }

  #setValue(blob: Blob | null): void {
    // Named after the field, with the type's extension: `NAME.jpg`, `NAME.webm`.
    this.file = blob && new File([blob], `${this.name || 'capture'}.${fileExtension(blob.type)}`, { type: blob.type });
    this.#internals.setFormValue(this.file);
  }
}

/** `65000` -> `"1:05"`. */
function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

define('rtc-camera', RtcCamera);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-camera': RtcCamera;
  }
  interface GlobalEventHandlersEventMap {
    'rtc-camera-start': CustomEvent<RtcCameraStartDetail>;
    'rtc-camera-stop': CustomEvent<RtcCameraStopDetail>;
    'rtc-camera-track': CustomEvent<RtcCameraTrackDetail>;
    'rtc-media-error': CustomEvent<MediaErrorDetail>;
    'rtc-snapshot': CustomEvent<RtcSnapshotDetail>;
    'rtc-recording': CustomEvent<RtcRecordingDetail>;
    'rtc-recording-error': CustomEvent<RtcRecordingErrorDetail>;
  }
}
