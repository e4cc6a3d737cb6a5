/**
 * Shared helpers for browser tests: drive the real relays of tests/browser/relay-plugin.ts, and wait
 * for events and conditions without timing assertions.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import type { RelayOptions, RelayStats } from '../../relay/index.js';

let counter = 0;

/** A relay name unique to this page run, so tests never share (or restart) each other's relays. */
export function uniqueName(prefix = 'r'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Starts (or restarts) a relay on the test server; returns its ws: URL. */
export async function startRelay(name: string, options: Partial<RelayOptions> = {}): Promise<string> {
  const { url } = (await executeServerCommand('relay-start', { name, options })) as { url: string };
  return new URL(url, location.href).href.replace(/^http/, 'ws');
}

/** Stops a relay: its clients get close code 1012; new connections are refused until restarted. */
export async function stopRelay(name: string): Promise<void> {
  await executeServerCommand('relay-stop', { name });
}

export async function relayStats(name: string): Promise<RelayStats | null> {
  return (await executeServerCommand('relay-stats', { name })) as RelayStats | null;
}

/**
 * Makes a relay refuse WebSocket upgrades (as a proxy that breaks them does), or leave them
 * unanswered (`hang`), and cuts the WebSockets it has without a close frame; `false` lets them
 * through again.
 */
export async function blockWebSocket(name: string, blocked = true, how: 'refuse' | 'hang' = 'refuse'): Promise<void> {
  await executeServerCommand('relay-block-websocket', { name, blocked, how });
}

/** Cuts a relay's WebSockets without a close frame: to the relay, lost connections. */
export async function cutWebSockets(name: string): Promise<void> {
  await executeServerCommand('relay-cut-websockets', { name });
}

/**
 * Starts a real nginx in front of the test server (tests/nginx.ts): `naive` drops WebSocket upgrades,
 * `websocket` passes them. Returns its http origin; stop it with stopNginx().
 */
export async function startNginx(mode: 'naive' | 'websocket'): Promise<string> {
  return ((await executeServerCommand('nginx-start', { mode })) as { origin: string }).origin;
}

export async function stopNginx(origin: string): Promise<void> {
  await executeServerCommand('nginx-stop', { origin });
}

/**
 * Starts `count` relays that share rooms through one real Redis (a fresh key prefix: nobody else's
 * rooms); returns their ws: URLs, each ready.
 */
export async function startSharedRelays(count: number, options: Partial<RelayOptions> = {}): Promise<string[]> {
  const { url } = (await executeServerCommand('redis-start')) as { url: string };
  const prefix = `${uniqueName('shared')}:`;
  const urls: string[] = [];
  for (let index = 0; index < count; index++) {
    urls.push(await startRelay(uniqueName('instance'), { ...options, redis: { url, prefix } }));
  }
  return urls;
}

/** Resolves with the next `type` event on `target`; rejects with `what` after `timeout` ms. */
export function nextEvent<E extends Event = CustomEvent>(
  target: EventTarget,
  type: string,
  what = type,
  timeout = 15_000,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, onEvent);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeout);
    function onEvent(event: Event) {
      clearTimeout(timer);
      target.removeEventListener(type, onEvent);
      resolve(event as E);
    }
    target.addEventListener(type, onEvent);
  });
}

/** Polls `predicate` until it is truthy; rejects naming `what` after `timeout` ms. */
export async function until<T>(
  predicate: () => T | Promise<T>,
  what: string,
  timeout = 15_000,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Holds this page's storage for received files closed until the returned function is called: a
 * file's store opens only after `navigator.storage.estimate()` (components/internal/mesh/
 * file-store.ts), which waits until then. It stands in for storage that is slow to open or to write
 * on a busy machine, which a test cannot bring about for real; the store itself stays real.
 */
export function holdFileStorage(): () => void {
  const storage = navigator.storage;
  const estimate = storage.estimate.bind(storage);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  storage.estimate = () => released.then(estimate);
  return () => {
    delete (storage as Partial<StorageManager>).estimate; // the prototype's own again
    release();
  };
}

/** A fresh private relay and a room name on it: what a test of real peers starts from. */
export async function freshRoom(): Promise<{ relay: string; url: string; room: string }> {
  const relay = uniqueName('relay');
  return { relay, url: await startRelay(relay), room: uniqueName('room') };
}

/** Claims of a join token; `expiresIn` (seconds from now, default 600) becomes `exp`. */
export type TokenClaims = Record<string, unknown> & { expiresIn?: number };

/** A join token signed (HS256) with `secret` on the node side, as a site would. */
export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  return (await executeServerCommand('token-sign', { claims, secret })) as string;
}

/**
 * Sets up (or changes) a site's token endpoint `name`: each GET answers a fresh token with `claims`,
 * or `status` when given. Returns its URL (same origin as the page).
 */
export async function tokenEndpoint(
  name: string,
  { claims = {}, secret = '', status }: { claims?: TokenClaims; secret?: string; status?: number },
): Promise<string> {
  return ((await executeServerCommand('token-endpoint', { name, claims, secret, status })) as { url: string }).url;
}

/** How many times the token endpoint `name` was asked for a token. */
export async function tokenRequests(name: string): Promise<number> {
  return (await executeServerCommand('token-endpoint-count', { name })) as number;
}

/**
 * Starts a real coturn on loopback taking the TURN REST credentials of `secret`; returns its URLs
 * (UDP and TCP, and TLS with `tls`).
 */
export async function startCoturn(secret: string, { tls = false }: { tls?: boolean } = {}): Promise<string[]> {
  return ((await executeServerCommand('coturn-start', { secret, tls })) as { urls: string[] }).urls;
}

/** The browser running the tests: `firefox` or `chromium` (web-test-runner.config.mjs runs both). */
export const browser = navigator.userAgent.includes('Firefox/') ? 'firefox' : 'chromium';

/**
 * What a test may need that this browser does not have, each with the reason a skipped test gives
 * (false: it has it).
 */
export const lacks = {
  /** Chromium's fake devices include three microphones; Firefox's (media.navigator.streams.fake) one. */
  secondMicrophone: browser === 'firefox' && "Firefox's fake media has one microphone, nothing to switch to",
};

/**
 * Skips the running test where this browser lacks what it needs (`missing`, from `lacks`): its
 * title then ends with the reason, which the run's summary lists. Call it first, in a `function`
 * test (mocha's `this`).
 */
export function skipWhere(context: Mocha.Context, missing: string | false): void {
  if (!missing) return;
  context.test!.title += ` [skipped: ${missing}]`;
  context.skip();
}

/**
 * Tracks a test can end as the browser ends them when a device goes away or the user presses
 * "Stop sharing": `readyState` becomes `ended`, then an `ended` event fires. Chromium runs a
 * track's listeners for an `ended` event the page dispatches itself, so there the tracks of
 * `source` are used as they are. Firefox runs them only for its own events (and ends a track for
 * real when the media element it was captured from loses its source), so there each track is
 * played in a <video> and captured from it.
 */
export async function endableTracks(
  source: MediaStream,
): Promise<{ stream: MediaStream; end: (track: MediaStreamTrack) => Promise<void> }> {
  if (browser === 'chromium') {
    const end = async (track: MediaStreamTrack) => {
      track.stop();
      track.dispatchEvent(new Event('ended'));
    };
    return { stream: source, end };
  }
  const players = new Map<MediaStreamTrack, HTMLVideoElement>();
  const stream = new MediaStream();
  for (const track of source.getTracks()) {
    const player = Object.assign(document.createElement('video'), { muted: true, srcObject: new MediaStream([track]) });
    await player.play();
    const captured = (player as HTMLVideoElement & { mozCaptureStream(): MediaStream }).mozCaptureStream();
    const copy = await until(
      () => captured.getTracks().find((each) => each.kind === track.kind),
      `a captured ${track.kind} track`,
    );
    players.set(copy, player);
    stream.addTrack(copy);
  }
  const end = async (track: MediaStreamTrack) => {
    const ended = nextEvent(track, 'ended', `the ${track.kind} track ending`);
    players.get(track)!.srcObject = null;
    await ended;
    for (const each of source.getTracks()) if (each.kind === track.kind) each.stop();
  };
  return { stream, end };
}
