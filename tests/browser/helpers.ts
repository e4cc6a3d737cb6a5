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
