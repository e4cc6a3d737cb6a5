/**
 * The camera and the microphone: is there one, may the page use it, does it open, and does the
 * microphone hear anything. Both are asked for in one getUserMedia (one prompt); when that fails,
 * each is asked for alone, so each line says which device is at fault.
 */
import type { AudioLevel } from '../media/audio-level.js';
import { mediaErrorCode, stopStream, type MediaErrorCode } from '../media/media.js';
import { fail, pass, pause, warn, type Outcome } from './outcome.js';

export type DeviceKind = 'camera' | 'microphone';

/** The loudness (RMS, full scale 1) above which the microphone heard something: about -60 dBFS. */
const SOUND_LEVEL = 0.001;
/** How often the microphone's level is read while listening, in ms. */
const LISTEN_INTERVAL = 50;

const INPUT_KIND = { camera: 'videoinput', microphone: 'audioinput' } as const;

/** The outcome-code suffix of each capture error a device can have; anything else is `error`. */
const FAILURE_SUFFIX: Partial<Record<MediaErrorCode, string>> = {
  'permission-denied': 'blocked',
  'no-device': 'none',
  'device-busy': 'busy',
};

/** Each device asked for: its live track, or why there is none. */
export type OpenedDevices = Map<DeviceKind, MediaStreamTrack | Outcome>;

/**
 * Opens `devices`. A device that is missing, or whose permission is denied already, is not asked
 * for (no prompt that cannot help). Rejects with the signal's reason once it is aborted, with every
 * track it opened stopped.
 */
export async function openDevices(devices: readonly DeviceKind[], signal: AbortSignal): Promise<OpenedDevices> {
  const opened: OpenedDevices = new Map();
  if (typeof navigator.mediaDevices?.getUserMedia !== 'function') {
    // Browsers hide the capture API from insecure pages.
    const suffix = isSecureContext ? 'error' : 'blocked';
    for (const device of devices) opened.set(device, fail(`${device}-${suffix}`, { error: 'no getUserMedia' }));
    return opened;
  }
  const present = new Set((await navigator.mediaDevices.enumerateDevices()).map((info) => info.kind));
  const wanted: DeviceKind[] = [];
  for (const device of devices) {
    if (!present.has(INPUT_KIND[device])) opened.set(device, fail(`${device}-none`));
    else if ((await permissionOf(device)) === 'denied') opened.set(device, fail(`${device}-blocked`));
    else wanted.push(device);
  }
  if (wanted.length === 0) return opened;
  try {
    takeTracks(opened, await capture(wanted, signal));
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (wanted.length === 1) opened.set(wanted[0]!, failure(wanted[0]!, error));
    // Alone, each device says whether it is the one at fault.
    else for (const device of wanted) await openAlone(opened, device, signal);
  }
  return opened;
}

/** What a camera that opened shows: its name and the size it captures at. */
export function cameraOutcome(track: MediaStreamTrack): Outcome {
  const { width = 0, height = 0 } = track.getSettings();
  return pass('camera-ok', { label: track.label, width, height });
}

/**
 * Listens through `level` (the microphone's) until it hears something, or for `listenTime` ms.
 * Rejects with the signal's reason once it is aborted.
 */
export async function listen(
  track: MediaStreamTrack,
  level: AudioLevel,
  listenTime: number,
  signal: AbortSignal,
): Promise<Outcome> {
  const label = track.label;
  const end = performance.now() + listenTime;
  while (performance.now() < end) {
    if (level.read() >= SOUND_LEVEL) return pass('microphone-ok', { label });
    await pause(LISTEN_INTERVAL, signal);
  }
  // Audio that may not play yet (no user gesture before an `autostart`) reads silence: no verdict on it.
  if (!level.running) return pass('microphone-unmeasured', { label });
  return warn('microphone-quiet', { label, seconds: listenTime / 1000 });
}

async function capture(devices: readonly DeviceKind[], signal: AbortSignal): Promise<MediaStream> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: devices.includes('camera'),
    audio: devices.includes('microphone'),
  });
  // Stopped while the browser asked: the camera light goes off at once.
  if (signal.aborted) {
    stopStream(stream);
    throw signal.reason;
  }
  return stream;
}

/** Asks for `device` alone (asking for both failed): its track, or why it failed. */
async function openAlone(opened: OpenedDevices, device: DeviceKind, signal: AbortSignal): Promise<void> {
  try {
    takeTracks(opened, await capture([device], signal));
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    opened.set(device, failure(device, error));
  }
}

function takeTracks(opened: OpenedDevices, stream: MediaStream): void {
  for (const track of stream.getTracks()) opened.set(track.kind === 'video' ? 'camera' : 'microphone', track);
}

/** What the Permissions API says of `device`, where the browser answers for it. */
async function permissionOf(device: DeviceKind): Promise<PermissionState | undefined> {
  try {
    return (await navigator.permissions.query({ name: device as PermissionName })).state;
  } catch {
    return undefined;
  }
}

function failure(device: DeviceKind, error: unknown): Outcome {
  const suffix = FAILURE_SUFFIX[mediaErrorCode(error)] ?? 'error';
  return fail(`${device}-${suffix}`, { error: (error as Error | null)?.name ?? String(error) });
}
