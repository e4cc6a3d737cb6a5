/**
 * Media capture helpers shared by the elements that use the camera, microphone or screen:
 * constraints from attributes, the getUserMedia / getDisplayMedia call, error codes with hints,
 * device lists and frame capture. Only `captureFrame` touches the DOM (a detached canvas).
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
  /** The browser has no capture API for this source (or no MediaRecorder). */
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

/** English messages and hints for each code: `[message, hint]`. Elements let pages replace them. */
export const mediaErrorText: Record<MediaErrorCode, readonly [string, string]> = {
  'permission-denied': [
    'Access to the camera or microphone was blocked.',
    'Allow access in the browser (the camera icon in the address bar, or the site settings), then try again.',
  ],
  'no-device': [
    'No camera or microphone was found.',
    'Connect one, check that it is switched on and allowed in the system settings, then try again.',
  ],
  'device-busy': [
    'The camera or microphone could not be started.',
    'Another app or browser tab may be using it: close it, or unplug and reconnect the device, then try again.',
  ],
  overconstrained: [
    'No camera or microphone matches the requested settings.',
    'Choose another device, or ask for a lower resolution.',
  ],
  'insecure-context': [
    'Camera access needs a secure page.',
    'Open this page with https:// (or on localhost).',
  ],
  unsupported: [
    'This browser cannot capture from this source.',
    'Use a current version of Chrome, Edge, Firefox or Safari.',
  ],
  timeout: [
    'The camera did not respond in time.',
    'If the browser is asking for permission, answer it. Otherwise close other apps that use the camera and try again.',
  ],
};

/** Maps an exception from getUserMedia / getDisplayMedia to a code (by its `name`, across browsers). */
export function mediaErrorCode(error: unknown): MediaErrorCode {
  switch ((error as { name?: string } | null)?.name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // old Chrome
    case 'SecurityError': // permissions policy or a document without capture rights
      return 'permission-denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return 'no-device';
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return 'overconstrained';
    case 'NotSupportedError':
    case 'TypeError': // the API is missing, or the constraints ask for nothing
      return 'unsupported';
    default:
      // NotReadableError / TrackStartError (held by another app), AbortError (a driver failure),
      // and anything unknown: the device is there but would not start.
      return 'device-busy';
  }
}

/** A code for the environment before any call is made: no capture API at all, or an insecure page. */
export function environmentError(source: MediaSourceKind): MediaErrorCode | null {
  if (!globalThis.isSecureContext) return 'insecure-context';
  const devices = globalThis.navigator?.mediaDevices;
  const call = source === 'screen' ? devices?.getDisplayMedia : devices?.getUserMedia;
  return typeof call === 'function' ? null : 'unsupported';
}

/**
 * Turns the `video` attribute into a constraint: `false`, `true`, or `"WIDTHxHEIGHT"` (ideal values,
 * the browser picks the nearest). `facing` and an exact `deviceId` are added when given.
 */
export function videoConstraint(
  value: boolean | string,
  facing?: string,
  deviceId?: string,
): boolean | MediaTrackConstraints {
  if (value === false || value === 'false') return false;
  const constraint: MediaTrackConstraints = {};
  const size = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(String(value).trim());
  if (size) {
    constraint.width = { ideal: Number(size[1]) };
    constraint.height = { ideal: Number(size[2]) };
  }
  if (facing) constraint.facingMode = facing;
  if (deviceId) constraint.deviceId = { exact: deviceId };
  return Object.keys(constraint).length ? constraint : true;
}

/** Turns the `audio` attribute into a constraint: `false`, `true`, plus an exact `deviceId`. */
export function audioConstraint(value: boolean | string, deviceId?: string): boolean | MediaTrackConstraints {
  if (value === false || value === 'false') return false;
  return deviceId ? { deviceId: { exact: deviceId } } : true;
}

/** Asks the browser for a stream: the camera/microphone, or a screen or window. */
export function requestStream(constraints: MediaStreamConstraints, source: MediaSourceKind): Promise<MediaStream> {
  const devices = navigator.mediaDevices;
  if (source === 'screen') {
    // getDisplayMedia rejects exact constraints (device ids) with a TypeError: keep the size only.
    const video = constraints.video;
    return devices.getDisplayMedia({
      video: typeof video === 'object' ? { width: video.width, height: video.height } : true,
      audio: Boolean(constraints.audio),
    });
  }
  return devices.getUserMedia(constraints);
}

/** Stops every track: the camera light goes off. */
export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** Cameras and microphones, with labels (labels are empty until the page was granted access). */
export async function listDevices(): Promise<MediaDeviceInfo[]> {
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.filter((device) => device.kind === 'videoinput' || device.kind === 'audioinput');
  } catch {
    return [];
  }
}

/**
 * The current frame of a playing `<video>` as an image, at the stream's own resolution (not the
 * size it is shown at, and not mirrored).
 */
export async function captureFrame(video: HTMLVideoElement, type = 'image/png', quality?: number): Promise<Blob> {
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
    await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
  }
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')?.drawImage(video, 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new DOMException('The frame could not be encoded.', 'EncodingError'))),
      type,
      quality,
    ),
  );
}

/** A MIME type this browser's MediaRecorder supports for `stream`: `preferred` when it can. */
export function recorderType(stream: MediaStream, preferred?: string): string {
  const candidates = stream.getVideoTracks().length
    ? ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4']
    : ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/ogg'];
  if (preferred) candidates.unshift(preferred);
  return candidates.find((type) => MediaRecorder.isTypeSupported(type)) ?? '';
}

/** `"video/webm;codecs=vp8"` -> `"webm"`, `"image/jpeg"` -> `"jpg"`. */
export function fileExtension(type: string): string {
  const subtype = type.split('/')[1]?.split(';')[0] ?? '';
  return subtype === 'jpeg' ? 'jpg' : subtype || 'bin';
}
