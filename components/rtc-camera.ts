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
 * @attr video - Capture the camera. `video="false"` for none; `video="1280x720"` asks for that size
 *   (ideal: the browser picks the nearest). The property holds the attribute's text.
 * @attr audio - Capture the microphone. `audio="false"` for none. With `source="screen"`, asks for tab
 *   or system audio.
 * @attr facing - Which camera on a phone or tablet: `user` or `environment`.
 * @attr source - `camera`, or `screen` to capture a screen, window or tab (getDisplayMedia) instead.
 * @attr mirrored - Mirror the preview. Without the attribute a user-facing camera is mirrored and
 *   anything else is not; `mirrored` forces it on, `mirrored="false"` off. Photos and recordings are
 *   never mirrored.
 * @attr autostart - Start as soon as the element is on the page, without a press.
 * @attr controls - Which controls to show. Absent or empty: all. `none`: no toolbar (drive it from
 *   code). Or a list of `start mute camera devices snapshot record`.
 * @attr camera-id - The camera's `deviceId`. The picker sets it; setting it while live switches the
 *   camera. Ignored with `source="screen"` (a screen capture has no device to switch).
 * @attr microphone-id - The microphone's `deviceId`, the same way.
 * @attr snapshot-type - Photo format: `image/png`, `image/jpeg` or `image/webp`.
 * @attr snapshot-quality - JPEG / WebP quality from 0 to 1 (the browser's default when absent).
 * @attr recording-type - Preferred MediaRecorder MIME type. When absent or unsupported: WebM where the
 *   browser records it (Chrome, Firefox, Safari 18.4 and later), else MP4 (older Safari);
 *   `rtc-recording` says which, codecs included.
 * @attr max-duration - A recording stops by itself after this many seconds (0: no limit).
 * @attr timeout - Milliseconds to wait for the browser before reporting `timeout` (0 waits forever). A
 *   stream that still arrives after it, while the user has not pressed stop or retry, is taken.
 * @attr muted - The microphone track is disabled (reflected). Set before start to start muted.
 * @attr camera-off - The camera track is disabled: black frames, the stream stays alive (reflected).
 * @attr name - The form field name: the latest photo or recording is submitted as a File under it.
 * @attr required - The form is invalid until a photo or recording was taken.
 * @attr disabled - Disables the controls. The property is the attribute, as on a form control; a
 *   disabled `<fieldset>` around the element disables them too, without setting it.
 * @attr lang - The language of the texts (default: the nearest `lang` of the page; built in: en, de,
 *   fr, es, pt, it, nl, pl, ja, zh). `strings` still replaces any text.
 * @attr strings - Replacement texts as JSON: any keys of `rtcCameraStrings`.
 * @attr state - Where capture is: `idle`, `starting`, `live` or `error`. Read-only, reflected for CSS
 *   (`rtc-camera[state=live]`).
 * @attr recording - Read-only, reflected while recording.
 *
 * @slot placeholder - Shown before the camera is started, instead of the default text (a privacy note,
 *   an illustration).
 *
 * @csspart base - The frame around everything.
 * @csspart video - The preview `<video>` (muted, playsinline).
 * @csspart placeholder - The box shown before start and while starting.
 * @csspart error - The error box (`role="alert"`); contains `error-message` and `error-hint`.
 * @csspart error-message - What went wrong.
 * @csspart error-hint - What to do about it.
 * @csspart recording-indicator - The "Recording 0:12" badge.
 * @csspart controls - The toolbar.
 * @csspart button - Every button; each also has its own part: `start-button`, `stop-button`,
 *   `mute-button`, `camera-button`, `snapshot-button`, `record-button`.
 * @csspart select - Both device pickers (shown while live when there are two or more devices of the
 *   kind); also `camera-select`, `microphone-select`.
 * @csspart attachment - The line naming the attached photo or recording.
 *
 * @cssproperty [--rtc-camera-background=#111] - Behind the video.
 * @cssproperty [--rtc-camera-color=#f5f5f5] - Text on the video area.
 * @cssproperty [--rtc-camera-aspect-ratio=4/3] - Of the video area.
 * @cssproperty [--rtc-camera-object-fit=cover] - How the video fills it: `cover` or `contain`.
 * @cssproperty [--rtc-camera-radius=0.5rem] - Corner radius.
 * @cssproperty [--rtc-camera-accent=#2563eb] - Start and photo buttons, focus ring.
 * @cssproperty [--rtc-camera-danger=#dc2626] - Recording badge and pressed toggles.
 * @cssproperty [--rtc-camera-controls-background=#f4f4f5] - The toolbar (`#1b1e24` in dark mode).
 *
 * @fires {RtcCameraStartDetail} rtc-camera-start - Capture started.
 * @fires {RtcCameraStopDetail} rtc-camera-stop - Capture stopped: by `stop()` or the stop button
 *   (`stopped`), because the browser ended the tracks (`ended`: device unplugged, "Stop sharing"), or
 *   because a device switch failed and the stream could not be kept (`failed`).
 * @fires {RtcCameraTrackDetail} rtc-camera-track - A device switch (the pickers, or setting `camera-id` /
 *   `microphone-id` while live) put `track` into `stream` in place of the old track of its kind. A peer
 *   connection sending the stream calls `replaceTrack(track)` on the sender of `track.kind`.
 * @fires {MediaErrorDetail} rtc-media-error - A start or a device switch failed. `cause` is the browser's
 *   exception, if any.
 * @fires {RtcSnapshotDetail} rtc-snapshot - A photo was taken.
 * @fires {RtcRecordingDetail} rtc-recording - A recording finished (`duration` in ms).
 * @fires {RtcRecordingErrorDetail} rtc-recording-error - The recorder failed (a track was added to the
 *   recorded stream, an encoder failed): the recording was cut short. `stopRecording()` rejects with
 *   the same RecordingError (`cause`), whose `partial` holds what was recorded before.
 *
 * @tagname rtc-camera
 */
export class RtcCamera extends RtcElement<RtcCameraStrings> {
  static override styles = styles;
  protected static override localized = true;
  static formAssociated = true;

  /**
   * The reactive properties; define() names each attribute after its property in dash-case
   * (`cameraId`: `camera-id`). The fields below carry the types and defaults, the class's JSDoc
   * documents them.
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
  // `undefined` (no attribute): automatic.
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
  /** Exact constraints for the next start, overriding `video`, `audio`, `facing` and the device ids. */
  // A plain field, not a reactive property: it is read at start, and nothing rendered depends on it.
  constraints: MediaStreamConstraints | undefined;
  state: 'idle' | 'starting' | 'live' | 'error' = 'idle';
  recording = false;

  private file: File | null = null;
  /** The last error reported (`error` shows it while `state` is `error`: a failed start sets it). */
  #startError?: MediaErrorDetail;

  protected override readonly defaults = rtcCameraStrings;
  protected override readonly localeSections = ['media', 'camera'] as const;
  /** A group, so a `<label for>` or `aria-label` names the element and its controls together. */
  readonly #internals = Object.assign(this.attachInternals(), { role: 'group' });

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

  /** The live stream while capturing, else `null`. Tracks may be replaced in it by the device pickers. */
  get stream(): MediaStream | null {
    return this.#media.stream;
  }

  /** The last start error while `state` is `error`, else `null`. */
  get error(): MediaErrorDetail | null {
    return this.state === 'error' ? this.#startError! : null;
  }

  /**
   * The `disabled` attribute, as on a form control: the property is the attribute (not a reactive
   * property of its own), so the form's :disabled state, which the controls are rendered from, is
   * always in step with it.
   */
  get disabled(): boolean {
    return this.hasAttribute('disabled');
  }
  set disabled(value: boolean) {
    this.toggleAttribute('disabled', value);
  }

  /** The latest photo or recording as a File (what a form submits), or `null`. */
  get value(): File | null {
    return this.file;
  }

  /** Cameras and microphones known (labels appear once access was granted). */
  get devices(): MediaDeviceInfo[] {
    return this.#media.devices;
  }

  /** The form the element belongs to, as on any form control. */
  get form(): HTMLFormElement | null {
    return this.#internals.form;
  }
  /** As on any form control: `valueMissing` while `required` and nothing was captured. */
  get validity(): ValidityState {
    return this.#internals.validity;
  }
  /** As on any form control (the `required` text of `strings` while nothing was captured). */
  get validationMessage(): string {
    return this.#internals.validationMessage;
  }
  /** As on any form control. */
  get willValidate(): boolean {
    return this.#internals.willValidate;
  }
  /** As on any form control. */
  checkValidity(): boolean {
    return this.#internals.checkValidity();
  }
  /** As on any form control: shows the validity message when invalid. */
  reportValidity(): boolean {
    return this.#internals.reportValidity();
  }

  /**
   * Starts capturing (asks for permission if needed). Resolves with the stream, or `null` when it
   * failed (an `rtc-media-error` says why) or `stop()` came first. While starting or live it returns
   * the same stream.
   */
  start(): Promise<MediaStream | null> {
    return this.#media.start();
  }

  /** Stops capturing: a running recording is finished and delivered, and every track is stopped. */
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
   * Stops recording. Resolves with the recording, also fired as `rtc-recording` and made the form
   * value (`null` when nothing was recorded); rejects with a `RecordingError` when the recorder failed
   * (also fired as `rtc-recording-error`).
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
    // After the update this connection asks for: a property the page set before the element was
    // defined (the loader defines it when its module arrives) is applied in that update, not before.
    void this.updateComplete.then(() => {
      if (this.autostart && this.isConnected) void this.start();
    });
  }

  formResetCallback(): void {
    this.#setValue(null);
  }

  formDisabledCallback(): void {
    // Rendered from :disabled, which the disabled attribute or a <fieldset disabled> sets.
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
    return html`<div part="base">
<div class="stage">
${this.#preview()}
${this.#stageMessage()}
${this.#recordingBadge()}
</div>
${this.controls === 'none' ? nothing : html`<div part="controls">${this.#tools()}</div>`}
${this.#attachment()}
${this.#announcements()}
</div>`;
  }

  /** The preview: mirrored for a user-facing camera, unless `mirrored` says otherwise. */
  #preview() {
    const video = this.stream?.getVideoTracks()[0];
    const facing = video?.getSettings().facingMode ?? this.facing;
    const mirrored = this.mirrored ?? (this.source === 'camera' && facing !== 'environment');
    return html`<video part="video" class=${mirrored ? 'mirrored' : ''} ?hidden=${!video} muted playsinline autoplay></video>`;
  }

  /**
   * On the stage: why the last start failed; while live, why the last recording failed (over the
   * picture's bottom edge); before live, the placeholder (or "Starting…").
   */
  #stageMessage() {
    const error = this.error;
    if (error) return errorBox(error);
    if (this.state === 'live') return this.#recordingError ? errorBox(this.#recordingError) : nothing;
    const text = this.state === 'idle' ? html`<slot name="placeholder">${this.t.idle}</slot>` : this.t.starting;
    return html`<div part="placeholder">${text}</div>`;
  }

  #recordingBadge() {
    const recording = this.#recording;
    if (!recording) return nothing;
    return html`<div part="recording-indicator" role="timer">${this.t.recording} ${clock(recording.elapsed)}</div>`;
  }

  /**
   * The toolbar's controls. The start button becomes the stop button in place (both first in the
   * list, of one template), so keyboard focus stays on it. It is not disabled while starting (a
   * disabled button drops focus): start() is idempotent.
   */
  #tools() {
    return this.state === 'live' ? this.#liveTools() : [this.#startButton()];
  }

  #startButton() {
    const { start, retry, startScreen } = this.t;
    const label = this.error ? retry : this.source === 'screen' ? startScreen : start;
    return this.#tool('start', label, this.start, { kind: 'primary' });
  }

  #liveTools() {
    const texts = this.t;
    const video = this.stream?.getVideoTracks()[0];
    const audio = this.stream?.getAudioTracks()[0];
    const disabled = this.matches(':disabled');
    const pickers =
      this.#shows('devices') && this.source === 'camera'
        ? [this.#picker('camera', 'video', disabled), this.#picker('microphone', 'audio', disabled)]
        : nothing;
    const recordButton = this.recording
      ? this.#tool('record', texts.stopRecording, this.stopRecording, { kind: 'danger' })
      : this.#tool('record', texts.record, this.startRecording);
    return [
      // The stop button is the `start` control's other face.
      this.#tool('stop', texts.stop, this.stop, {}, 'start'),
      audio ? this.#tool('mute', texts.mute, this.#toggleMuted, { pressed: this.muted }) : nothing,
      video ? this.#tool('camera', texts.cameraOff, this.#toggleCameraOff, { pressed: this.cameraOff }) : nothing,
      pickers,
      video
        ? this.#tool('snapshot', texts.snapshot, this.#snapshotQuietly, {
            disabled: disabled || this.cameraOff,
            kind: 'primary',
          })
        : nothing,
      recordButton,
    ];
  }

  /** A toolbar button, unless `controls` leaves out its `control`; disabled with the element. */
  #tool(name: string, label: string, onClick: () => void, options: ButtonOptions = {}, control = name) {
    if (!this.#shows(control)) return nothing;
    return button(name, label, onClick, { disabled: this.matches(':disabled'), ...options });
  }

  /** Whether `controls` lists `control` (absent or empty: every control is shown). */
  #shows(control: string): boolean {
    const listed = this.controls?.match(/\w+/g);
    return !listed || listed.includes(control);
  }

  // The toolbar's handlers, called with the element as `this` (Lit's `host` option).
  #toggleMuted(): void {
    this.muted = !this.muted;
  }

  #toggleCameraOff(): void {
    this.cameraOff = !this.cameraOff;
  }

  /** The photo button's. snapshot() rejects only when the video just ended: nothing to report. */
  #snapshotQuietly(): void {
    this.snapshot().catch(() => {});
  }

  #attachment() {
    const file = this.file;
    if (!file) return nothing;
    return html`<div part="attachment">${this.t.attached} ${file.name} (${Math.ceil(file.size / 1024)} KB)</div>`;
  }

  /** What a screen reader announces (politely) as it changes: muted, camera off, recording. */
  #announcements() {
    const texts = this.t;
    const live = this.state === 'live';
    return html`<div class="sr" role="status">${live && this.muted ? texts.muted : ''} ${live && this.cameraOff ? texts.videoOff : ''} ${this.recording ? texts.recording : ''}</div>`;
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
