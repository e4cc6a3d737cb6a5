/**
 * Media capture helpers shared by the elements that use the camera, microphone or screen:
 * constraints from attributes, error codes with texts, stopping a stream.
 */

/** What went wrong, as a stable code a page can switch on. */
export type MediaErrorCode =
  /** The user or a browser policy refused access (or cancelled the screen picker). */
  | 'permission-denied'
  /** No camera / microphone exists, or the chosen one was unplugged. */
  | 'no-device'
  /** The device exists but could not be opened (another app holds it, a hardware error). */
  | 'device-busy'
  /** No device satisfies the constraints (resolution, device id). */
  | 'overconstrained'
  /** The page is not https:// or localhost, so the browser hides the capture API. */
  | 'insecure-context'
  /** The browser has no capture API for this source. */
  | 'unsupported'
  /** The browser did not answer within the `timeout`. */
  | 'timeout'
  /** A screen capture was refused: the user cancelled the picker, or a policy forbids it. */
  | 'screen-denied'
  /** The browser cannot capture a screen at all (no getDisplayMedia: every phone). */
  | 'screen-unsupported'
  /** A screen capture failed otherwise (nothing to share, a system error). */
  | 'screen-failed';

export interface MediaErrorDetail {
  code: MediaErrorCode;
  /** What happened, for the user. */
  message: string;
  /** What the user can do about it. */
  hint: string;
  /** The original exception, when there is one. */
  cause?: unknown;
}

export type MediaSourceKind = 'camera' | 'screen';

/** English message (key `CODE`) and hint (key `CODE-hint`) for each code. Elements let pages replace them. */
export const mediaErrorText: Record<MediaErrorCode | `${MediaErrorCode}-hint`, string> = {
  'permission-denied': 'Camera access was blocked.',
  'permission-denied-hint': 'Allow it in the address bar.',
  'no-device': 'No camera or microphone found.',
  'no-device-hint': 'Connect one and try again.',
  'device-busy': 'The device could not start.',
  'device-busy-hint': 'Close apps using it and try again.',
  overconstrained: 'No device fits the settings.',
  'overconstrained-hint': 'Choose another device.',
  'insecure-context': 'This page is not secure.',
  'insecure-context-hint': 'Open it with https://.',
  unsupported: 'This browser cannot capture this.',
  'unsupported-hint': 'Use a current browser.',
  timeout: 'The camera did not answer.',
  'timeout-hint': 'Answer the permission prompt.',
  'screen-denied': 'Screen sharing was blocked.',
  'screen-denied-hint': 'Choose a screen, window or tab, and allow sharing.',
  'screen-unsupported': 'This browser cannot share a screen.',
  'screen-unsupported-hint': 'Use a desktop browser to share your screen.',
  'screen-failed': 'The screen could not be shared.',
  'screen-failed-hint': 'Try again, or choose another window.',
};

/** Exception names of getUserMedia / getDisplayMedia and their codes. */
const codeByName: Record<string, MediaErrorCode> = {
  NotAllowedError: 'permission-denied',
  SecurityError: 'permission-denied', // a permissions policy
  NotFoundError: 'no-device',
  OverconstrainedError: 'overconstrained',
  NotSupportedError: 'unsupported',
  TypeError: 'unsupported', // no getUserMedia / getDisplayMedia, or the constraints ask for nothing
};

/** Exception names of getDisplayMedia with codes of their own; anything else is `screen-failed`. */
const screenCodeByName: Record<string, MediaErrorCode> = {
  NotAllowedError: 'screen-denied',
  SecurityError: 'screen-denied', // a permissions policy
  TypeError: 'screen-unsupported', // no getDisplayMedia
  NotSupportedError: 'screen-unsupported',
};

/**
 * Maps an exception from getUserMedia (`camera`) or getDisplayMedia (`screen`) to a code. For a
 * camera, anything unnamed (NotReadableError: held by another app; AbortError: a driver failure)
 * means the device is there but would not start. A screen has codes of its own: a refused screen
 * is not a blocked camera, and "no camera found" says nothing about a screen.
 */
export function mediaErrorCode(error: unknown, source: MediaSourceKind = 'camera'): MediaErrorCode {
  const name = (error as Error | null)?.name ?? '';
  if (source === 'screen') return screenCodeByName[name] ?? 'screen-failed';
  return codeByName[name] ?? 'device-busy';
}

/** Whether this browser can capture a screen (phones cannot: they have no getDisplayMedia). */
export function canShareScreen(): boolean {
  return typeof navigator.mediaDevices?.getDisplayMedia === 'function';
}

/**
 * Turns the `video` or `audio` attribute into a constraint: `false` or `"false"` for none, a size
 * `"WIDTHxHEIGHT"` (ideal values: the browser picks the nearest), anything else for any size.
 * `deviceId` (exact) and `facingMode` are added when given (undefined members are ignored).
 */
export function trackConstraint(
  value: boolean | string,
  deviceId: string,
  facingMode?: string,
): false | MediaTrackConstraints {
  const text = String(value);
  if (text === 'false') return false;
  const size = /^(\d+)x(\d+)$/.exec(text);
  return {
    // A bare number is an ideal value (the spec's rule for top-level constraints), not an exact one.
    ...(size && { width: Number(size[1]), height: Number(size[2]) }),
    deviceId: deviceId ? { exact: deviceId } : undefined,
    facingMode,
  };
}

/**
 * Shows `stream` in `video`. Elements call this from updated() instead of binding `.srcObject` in a
 * template: Lit commits an object binding at every render, and each srcObject assignment runs the
 * video's load algorithm again, even for the same stream (a new `loadstart`, a flash of black).
 */
export function showStream(video: HTMLVideoElement, stream: MediaStream | null = null): void {
  if (video.srcObject !== stream) video.srcObject = stream;
}

/** Stops every track: the camera light goes off. */
export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** Whether `stream` has audio to measure (createMediaStreamSource throws on a stream without). */
export function hasAudio(stream: MediaStream | null | undefined): stream is MediaStream {
  return !!stream && stream.getAudioTracks().length > 0;
}
