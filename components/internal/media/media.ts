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
  | 'timeout';

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

/**
 * Maps an exception from getUserMedia / getDisplayMedia to a code. Anything else (NotReadableError:
 * held by another app; AbortError: a driver failure) means the device is there but would not start.
 */
export function mediaErrorCode(error: unknown): MediaErrorCode {
  return codeByName[(error as Error | null)?.name ?? ''] ?? 'device-busy';
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
