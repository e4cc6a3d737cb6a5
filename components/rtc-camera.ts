import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { customElement } from './internal/define.js';
import {
  audioConstraint,
  captureFrame,
  fileExtension,
  mediaErrorText,
  videoConstraint,
  type MediaErrorCode,
  type MediaErrorDetail,
  type MediaSourceKind,
} from './internal/media.js';
import { MediaController, type MediaStopReason } from './internal/media-controller.js';
import { RecorderController, type RecordingResult } from './internal/media-recorder.js';
import { styles } from './rtc-camera.styles.js';

export { mediaErrorText, type MediaErrorCode, type MediaErrorDetail } from './internal/media.js';
export type { MediaStopReason } from './internal/media-controller.js';

/**
 * Every text the element shows. Replace any of them with the `strings` attribute or property; the
 * error texts are keyed by code (`"no-device"`, `"no-device-hint"`, defaults in `mediaErrorText`).
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
  idle: 'The camera is off. Nothing is recorded until you start it.',
  starting: 'Starting…',
  recording: 'Recording',
  muted: 'Microphone muted',
  videoOff: 'Camera turned off',
  /** Shown once a photo or recording is attached, followed by the file name. */
  attached: 'Attached:',
  /** The form's validity message while `required` and nothing was captured. */
  required: 'Please take a photo or record a video.',
};
export type RtcCameraStrings = typeof rtcCameraStrings & Record<MediaErrorCode | `${MediaErrorCode}-hint`, string>;

/** The controls the `controls` attribute can list. */
const allControls = ['start', 'mute', 'camera', 'devices', 'snapshot', 'record'] as const;
type Control = (typeof allControls)[number];

export interface RtcCameraStartDetail {
  stream: MediaStream;
}
export interface RtcCameraStopDetail {
  reason: MediaStopReason;
}
export interface RtcSnapshotDetail {
  blob: Blob;
  width: number;
  height: number;
}
export type RtcRecordingDetail = RecordingResult;

/** `boolean | string` attributes: absent or `""` or `"true"` is true, `"false"` is false, else the string. */
const flagOrString = {
  fromAttribute: (value: string | null): boolean | string =>
    value === null || value === '' || value === 'true' ? true : value === 'false' ? false : value,
  toAttribute: (value: boolean | string): string => String(value),
};

/**
 * Camera, microphone or screen capture as one element: a live preview, start/stop, mute, camera off,
 * device pickers, photos and recordings, and a form value. Nothing is captured until the user presses
 * start (or `autostart` is set), every track is stopped when it stops or leaves the page, and every
 * failure is explained with a hint and a retry button.
 *
 * @summary Camera and microphone capture: preview, photo, recording, form value.
 *
 * @attr {boolean|string} video - `true` (default), `false`, or an ideal size such as `1280x720`.
 * @attr {boolean} audio - Capture the microphone (default `true`; `audio="false"` for none).
 * @attr {'user'|'environment'} facing - Which camera on a phone: `user` (default) or `environment`.
 * @attr {'camera'|'screen'} source - `camera` (default) or `screen` to capture a screen, window or tab.
 * @attr {boolean} mirrored - Mirror the preview. Absent: mirrored for a user-facing camera only; `mirrored="false"` never.
 * @attr {boolean} autostart - Start capturing as soon as the element is on the page (no start press).
 * @attr {string} controls - Absent or empty: every control. `none`: no controls. Or a list of `start mute camera devices snapshot record`.
 * @attr {string} camera-id - The camera's `deviceId` (set by the picker; set it to choose one).
 * @attr {string} microphone-id - The microphone's `deviceId` (set by the picker; set it to choose one).
 * @attr {string} snapshot-type - Photo format: `image/png` (default), `image/jpeg` or `image/webp`.
 * @attr {number} snapshot-quality - JPEG / WebP quality from 0 to 1 (the browser's default when absent).
 * @attr {string} recording-type - Preferred MediaRecorder MIME type; a supported one is picked when absent or unsupported.
 * @attr {number} max-duration - Recordings stop by themselves after this many seconds (0: no limit).
 * @attr {number} timeout - Milliseconds to wait for the browser before reporting `timeout` (default 20000; 0 waits forever).
 * @attr {boolean} muted - The microphone is muted (reflected).
 * @attr {boolean} camera-off - The camera track is disabled (reflected).
 * @attr {string} name - The form field name: the latest photo or recording is submitted as a File under it.
 * @attr {boolean} required - The form is invalid until a photo or recording was taken.
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
 * @fires rtc-media-error - A start or device switch failed. detail: `{ code, message, hint, cause }`.
 * @fires rtc-snapshot - A photo was taken. detail: `{ blob, width, height }`.
 * @fires rtc-recording - A recording finished. detail: `{ blob, mimeType, duration }` (duration in ms).
 */
@customElement('rtc-camera')
export class RtcCamera extends LitElement {
  static override styles = styles;
  static formAssociated = true;

  @property({ converter: flagOrString }) video: boolean | string = true;
  @property({ converter: flagOrString }) audio: boolean | string = true;
  @property() facing: 'user' | 'environment' = 'user';
  @property() source: MediaSourceKind = 'camera';
  /** `undefined` (no attribute): automatic, mirrored for a user-facing camera. */
  @property({
    converter: { fromAttribute: (value: string | null) => (value === null ? undefined : value !== 'false') },
  })
  mirrored: boolean | undefined;
  @property({ type: Boolean }) autostart = false;
  @property() controls: string | undefined;
  @property({ attribute: 'camera-id' }) cameraId = '';
  @property({ attribute: 'microphone-id' }) microphoneId = '';
  @property({ attribute: 'snapshot-type' }) snapshotType = 'image/png';
  @property({ attribute: 'snapshot-quality', type: Number }) snapshotQuality: number | undefined;
  @property({ attribute: 'recording-type' }) recordingType: string | undefined;
  @property({ attribute: 'max-duration', type: Number }) maxDuration = 0;
  @property({ type: Number }) timeout = 20_000;
  @property({ type: Boolean, reflect: true }) muted = false;
  @property({ attribute: 'camera-off', type: Boolean, reflect: true }) cameraOff = false;
  @property() name = '';
  @property({ type: Boolean }) required = false;
  /** Replacement texts; any key of `rtcCameraStrings`. */
  @property({
    converter: (value: string | null) => {
      try {
        return JSON.parse(value ?? '{}') as Partial<RtcCameraStrings>;
      } catch {
        return {};
      }
    },
  })
  strings: Partial<RtcCameraStrings> = {};
  /** Exact constraints for the next start, overriding `video`, `audio`, `facing` and the device ids. */
  @property({ attribute: false }) constraints: MediaStreamConstraints | undefined;

  /** Where capture is: `idle`, `starting`, `live` or `error` (reflected as an attribute for CSS). */
  @property({ reflect: true }) state: 'idle' | 'starting' | 'live' | 'error' = 'idle';
  @property({ type: Boolean, reflect: true }) recording = false;

  @state() private value_: File | null = null;
  @state() private disabled_ = false;
  @state() private errorDetail: MediaErrorDetail | null = null;
  @query('video') private videoElement!: HTMLVideoElement;

  private readonly internals: ElementInternals;

  private readonly media = new MediaController(this, {
    constraints: () =>
      this.constraints ?? {
        video: videoConstraint(this.video, this.source === 'camera' ? this.facing : '', this.cameraId),
        audio: audioConstraint(this.audio, this.microphoneId),
      },
    source: () => this.source,
    timeout: () => this.timeout,
    onStart: (stream) => this.emit<RtcCameraStartDetail>('rtc-camera-start', { stream }),
    onStop: (reason) => {
      void this.recorder.stop();
      this.emit<RtcCameraStopDetail>('rtc-camera-stop', { reason });
    },
    onError: (code, cause) => {
      this.errorDetail = { code, message: this.text(code), hint: this.text(`${code}-hint`), cause };
      this.emit<MediaErrorDetail>('rtc-media-error', this.errorDetail);
    },
  });

  private readonly recorder = new RecorderController(this, {
    maxDuration: () => this.maxDuration,
    mimeType: () => this.recordingType,
    onRecording: (result) => {
      this.setValue(result.blob, result.mimeType);
      this.emit<RtcRecordingDetail>('rtc-recording', result);
    },
  });

  constructor() {
    super();
    this.internals = this.attachInternals();
    // A group, so a <label for> or aria-label names the element and its controls together.
    this.internals.role = 'group';
  }

  /** The live stream while capturing, else `null`. Tracks may be replaced in it by the device pickers. */
  get stream(): MediaStream | null {
    return this.media.stream;
  }

  /** The last start error while `state` is `error`, else `null`. */
  get error(): MediaErrorDetail | null {
    return this.media.state === 'error' ? this.errorDetail : null;
  }

  /** The latest photo or recording as a File (what a form submits), or `null`. */
  get value(): File | null {
    return this.value_;
  }

  /** Cameras and microphones known (labels appear once access was granted). */
  get devices(): MediaDeviceInfo[] {
    return this.media.devices;
  }

  get form(): HTMLFormElement | null {
    return this.internals.form;
  }
  get validity(): ValidityState {
    return this.internals.validity;
  }
  get validationMessage(): string {
    return this.internals.validationMessage;
  }
  get willValidate(): boolean {
    return this.internals.willValidate;
  }
  checkValidity(): boolean {
    return this.internals.checkValidity();
  }
  reportValidity(): boolean {
    return this.internals.reportValidity();
  }

  /**
   * Starts capturing (asks for permission if needed). Resolves with the stream, or `null` when it
   * failed (an `rtc-media-error` says why) or `stop()` came first.
   */
  start(): Promise<MediaStream | null> {
    return this.media.start();
  }

  /** Stops capturing: a running recording is finished and delivered, then every track is stopped. */
  stop(): void {
    void this.recorder.stop();
    this.media.stop();
  }

  /**
   * Takes a photo of the current frame at the stream's resolution (not mirrored), fires
   * `rtc-snapshot` and makes it the form value. Rejects with an `InvalidStateError` when no video is live.
   */
  async snapshot(): Promise<Blob> {
    if (!this.stream?.getVideoTracks().some((track) => track.readyState === 'live')) {
      throw new DOMException('There is no live video to take a photo of.', 'InvalidStateError');
    }
    await this.updateComplete;
    const video = this.videoElement;
    const blob = await captureFrame(video, this.snapshotType, this.snapshotQuality);
    this.setValue(blob, blob.type);
    this.emit<RtcSnapshotDetail>('rtc-snapshot', { blob, width: video.videoWidth, height: video.videoHeight });
    return blob;
  }

  /**
   * Starts recording the live stream. Throws an `InvalidStateError` when nothing is live or a
   * recording runs, a `NotSupportedError` without MediaRecorder.
   */
  startRecording(): void {
    if (!this.stream) throw new DOMException('Start the camera before recording.', 'InvalidStateError');
    this.recorder.start(this.stream);
  }

  /** Stops recording; resolves with the recording (also fired as `rtc-recording`), or `null`. */
  async stopRecording(): Promise<Blob | null> {
    return (await this.recorder.stop())?.blob ?? null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autostart) void this.start();
  }

  formResetCallback(): void {
    this.value_ = null;
    this.internals.setFormValue(null);
  }

  formDisabledCallback(disabled: boolean): void {
    this.disabled_ = disabled;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Mirror the controllers' state into reflected properties (for CSS) before rendering.
    this.state = this.media.state;
    this.recording = this.recorder.active;
    if (changed.has('muted')) this.media.setMuted(this.muted);
    if (changed.has('cameraOff')) this.media.setVideoOff(this.cameraOff);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const video = this.videoElement;
    if (video && video.srcObject !== this.stream) {
      video.srcObject = this.stream;
      // Muted playback is allowed without a gesture; the start press counts as one anyway.
      if (this.stream) video.play().catch(() => {});
    }
    if (this.state === 'live') {
      if (changed.has('cameraId') && this.cameraId) void this.switchDevice('video', this.cameraId);
      if (changed.has('microphoneId') && this.microphoneId) void this.switchDevice('audio', this.microphoneId);
    }
    this.internals.setValidity(
      this.required && !this.value_ ? { valueMissing: true } : {},
      this.text('required'),
      this.renderRoot.querySelector<HTMLElement>('[part~="snapshot-button"], [part~="start-button"]') ?? undefined,
    );
  }

  protected override render() {
    const live = this.state === 'live';
    const show = this.visibleControls();
    const error = this.state === 'error' ? this.errorDetail : null;
    const mirrored =
      this.mirrored ?? (this.source === 'camera' && (this.stream?.getVideoTracks()[0]?.getSettings().facingMode ?? this.facing) !== 'environment');
    const hasVideo = Boolean(this.stream?.getVideoTracks().length);
    const hasAudio = Boolean(this.stream?.getAudioTracks().length);
    const startLabel = this.text(error ? 'retry' : this.source === 'screen' ? 'startScreen' : 'start');
    return html`<div part="base">
      <div class="stage">
        <video part="video" class=${mirrored ? 'mirrored' : ''} ?hidden=${!live || !hasVideo} muted playsinline autoplay></video>
        ${this.state === 'idle' || this.state === 'starting'
          ? html`<div part="placeholder" class="overlay">
              ${this.state === 'idle' ? html`<slot name="placeholder">${this.text('idle')}</slot>` : this.text('starting')}
            </div>`
          : nothing}
        ${error
          ? html`<div part="error" class="overlay" role="alert">
              <strong part="error-message">${error.message}</strong>
              <span part="error-hint">${error.hint}</span>
            </div>`
          : nothing}
        ${this.recording
          ? html`<div part="recording-indicator" role="timer">${this.text('recording')} ${clock(this.recorder.elapsed)}</div>`
          : nothing}
      </div>
      ${show.size
        ? html`<div part="controls">
            ${show.has('start')
              ? // One button that changes role, so keyboard focus stays on it across start and stop.
                // Not disabled while starting (a disabled button drops focus): start() is idempotent.
                this.button(live ? 'stop' : 'start', live ? this.text('stop') : startLabel, live ? this.stop : this.start, {
                  cls: live ? '' : 'primary',
                })
              : nothing}
            ${live
              ? [
                  hasAudio && show.has('mute')
                    ? this.button('mute', this.text('mute'), () => this.toggle('muted'), { pressed: this.muted })
                    : nothing,
                  hasVideo && show.has('camera')
                    ? this.button('camera', this.text('cameraOff'), () => this.toggle('cameraOff'), { pressed: this.cameraOff })
                    : nothing,
                  show.has('devices') && this.source === 'camera'
                    ? [this.picker('video', hasVideo), this.picker('audio', hasAudio)]
                    : nothing,
                  hasVideo && show.has('snapshot')
                    ? this.button('snapshot', this.text('snapshot'), this.onSnapshot, { cls: 'primary', disabled: this.cameraOff })
                    : nothing,
                  show.has('record')
                    ? this.button('record', this.text(this.recording ? 'stopRecording' : 'record'), this.onRecord, {
                        cls: this.recording ? 'on' : '',
                      })
                    : nothing,
                ]
              : nothing}
          </div>`
        : nothing}
      ${this.value_
        ? html`<div part="attachment">${this.text('attached')} ${this.value_.name} (${Math.ceil(this.value_.size / 1024)} KB)</div>`
        : nothing}
      <div class="sr" role="status">
        ${live && this.muted ? this.text('muted') : ''} ${live && this.cameraOff ? this.text('videoOff') : ''}
        ${this.recording ? this.text('recording') : ''}
      </div>
    </div>`;
  }

  /** A toolbar button: `pressed` makes it a toggle (aria-pressed) with a fixed label. */
  private button(
    name: string,
    label: string,
    onClick: () => void,
    { pressed, cls = '', disabled = false }: { pressed?: boolean; cls?: string; disabled?: boolean } = {},
  ) {
    return html`<button
      part="button ${name}-button"
      class=${cls}
      type="button"
      aria-pressed=${pressed ?? nothing}
      ?disabled=${this.disabled_ || disabled}
      @click=${onClick}
    >
      ${label}
    </button>`;
  }

  /** A device picker, shown when there is a choice (more than one device of that kind). */
  private picker(kind: 'video' | 'audio', present: boolean) {
    const devices = this.media.devices.filter((device) => device.kind === `${kind}input`);
    if (!present || devices.length < 2) return nothing;
    const label = this.text(kind === 'video' ? 'camera' : 'microphone');
    const current = this.media.deviceId(kind);
    return html`<select
      part="select ${kind === 'video' ? 'camera' : 'microphone'}-select"
      aria-label=${label}
      title=${label}
      ?disabled=${this.disabled_ || this.recording}
      @change=${(event: Event) => {
        const id = (event.target as HTMLSelectElement).value;
        if (kind === 'video') this.cameraId = id;
        else this.microphoneId = id;
      }}
    >
      ${devices.map(
        (device, index) =>
          html`<option value=${device.deviceId} ?selected=${device.deviceId === current}>${device.label || `${label} ${index + 1}`}</option>`,
      )}
    </select>`;
  }

  private async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    if (!(await this.media.switchDevice(kind, deviceId))) {
      // Keep the property true to what is in use, so a retry does not ask for the failing device.
      if (kind === 'video') this.cameraId = this.media.deviceId('video') ?? '';
      else this.microphoneId = this.media.deviceId('audio') ?? '';
    }
    this.requestUpdate();
  }

  private toggle(key: 'muted' | 'cameraOff'): void {
    this[key] = !this[key];
  }

  private readonly onSnapshot = (): void => {
    this.snapshot().catch(() => {});
  };

  private readonly onRecord = (): void => {
    if (this.recording) void this.stopRecording();
    else {
      try {
        this.startRecording();
      } catch (error) {
        this.errorDetail = { code: 'unsupported', message: this.text('unsupported'), hint: this.text('unsupported-hint'), cause: error };
        this.emit<MediaErrorDetail>('rtc-media-error', this.errorDetail);
      }
    }
  };

  private visibleControls(): Set<Control> {
    const value = (this.controls ?? '').trim();
    if (!value) return new Set(allControls);
    return new Set(allControls.filter((control) => value.split(/[\s,]+/).includes(control)));
  }

  private setValue(blob: Blob, type: string): void {
    this.value_ = new File([blob], `${this.name || 'capture'}.${fileExtension(type)}`, { type: blob.type || type });
    this.internals.setFormValue(this.value_);
  }

  private text(key: keyof RtcCameraStrings): string {
    if (this.strings[key]) return this.strings[key];
    if (key in rtcCameraStrings) return rtcCameraStrings[key as keyof typeof rtcCameraStrings];
    const [code, hint] = key.split(/-(?=hint$)/);
    return mediaErrorText[code as MediaErrorCode][hint ? 1 : 0];
  }

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

/** `65000` -> `"1:05"`. */
function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'rtc-camera': RtcCamera;
  }
  interface GlobalEventHandlersEventMap {
    'rtc-camera-start': CustomEvent<RtcCameraStartDetail>;
    'rtc-camera-stop': CustomEvent<RtcCameraStopDetail>;
    'rtc-media-error': CustomEvent<MediaErrorDetail>;
    'rtc-snapshot': CustomEvent<RtcSnapshotDetail>;
    'rtc-recording': CustomEvent<RtcRecordingDetail>;
  }
}
