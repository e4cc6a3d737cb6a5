/**
 * ICE: the candidates this device gathers (host: its own network; server-reflexive: its public
 * address, as a STUN server sees it), and for each TURN URL whether an allocation succeeds: a
 * relay-only RTCPeerConnection per URL, watching `icecandidate` for a `relay` candidate and
 * `icecandidateerror` for what went wrong.
 */
import { deadline, fail, isTimeout, pass, since, warn, type Outcome } from './outcome.js';
import type { DoctorCheckEntry } from './report.js';

/** How a TURN URL reaches its server: `turn:` over UDP or TCP, `turns:` over TLS. */
export type TurnTransport = 'udp' | 'tcp' | 'tls';

/** One TURN URL to check, with the credentials it came with. */
export interface TurnTarget {
  url: string;
  /** `host:port`, as the URL names it. */
  server: string;
  transport: TurnTransport;
  username?: string | undefined;
  credential?: string | undefined;
}

/** What a gathering found by the time it ended, or its deadline passed. */
export interface Gathered {
  candidates: RTCIceCandidate[];
  /** `icecandidateerror` events: a STUN or TURN server's error code, or 701 when none answered. */
  errors: RTCPeerConnectionIceErrorEvent[];
  /** Whether gathering completed (or was ended by `enough`) before the deadline. */
  ended: boolean;
}

/** The TURN error codes that mean the credentials were refused (RFC 8656 section 18: Unauthorized, Wrong Credentials). */
const CREDENTIALS_REFUSED = [401, 441];
/** WebRTC's own code for a STUN or TURN server that could not be reached (W3C webrtc-pc, RTCPeerConnectionIceErrorEvent). */
const UNREACHABLE = 701;
/**
 * The ports below 1024 Chromium lets a TURN server use (DNS, HTTP, HTTPS); it skips a TURN URL on
 * any other of them without a word.
 */
const SYSTEM_PORTS_ALLOWED = [53, 80, 443];
/** The ports a TURN URL without one means (RFC 7065 section 3). */
const DEFAULT_PORT: Record<TurnTransport, number> = { udp: 3478, tcp: 3478, tls: 5349 };

/** The URLs of an RTCIceServer, one or several (none from something that is not one: a page's `ice-servers` may be anything). */
function urlsOf(server: RTCIceServer | null | undefined): string[] {
  const urls: unknown = server?.urls;
  if (typeof urls === 'string') return [urls];
  return Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string') : [];
}

/**
 * Each TURN URL of `servers` and its transport: a `turn:` URL is UDP unless it says
 * `?transport=tcp` (RFC 7065 section 3), a `turns:` URL is TLS.
 */
export function turnTargets(servers: readonly RTCIceServer[]): TurnTarget[] {
  const targets: TurnTarget[] = [];
  for (const server of Array.isArray(servers) ? servers : []) {
    for (const url of urlsOf(server)) {
      const scheme = /^turns?:/i.exec(url)?.[0].toLowerCase();
      if (!scheme) continue;
      const transport = scheme === 'turns:' ? 'tls' : /[?&]transport=tcp\b/i.test(url) ? 'tcp' : 'udp';
      const address = url.slice(scheme.length).split('?')[0]!;
      targets.push({ url, server: address, transport, username: server.username, credential: server.credential });
    }
  }
  return targets;
}

/**
 * Gathers candidates with `configuration` until gathering completes, `enough` takes a candidate,
 * or `limit` is aborted; a deadline ends it with what it found, a stop rejects. Throws when the
 * browser refuses the configuration (a URL it cannot parse).
 */
export async function gather(
  configuration: RTCConfiguration,
  limit: AbortSignal,
  enough: (candidate: RTCIceCandidate) => boolean = () => false,
): Promise<Gathered> {
  const gathered: Gathered = { candidates: [], errors: [], ended: false };
  const pc = new RTCPeerConnection(configuration);
  try {
    pc.addEventListener('icecandidateerror', (event) => gathered.errors.push(event));
    const ended = new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(limit.reason);
      if (limit.aborted) return onAbort();
      limit.addEventListener('abort', onAbort, { once: true });
      // The last `icecandidate` has no candidate: gathering is complete.
      pc.addEventListener('icecandidate', ({ candidate }) => {
        if (candidate) gathered.candidates.push(candidate);
        if (!candidate || enough(candidate)) resolve();
      });
    });
    // A channel gives the offer something to gather for.
    pc.createDataChannel('doctor');
    // Awaited together: a deadline that passes during setLocalDescription() is handled at once.
    await Promise.all([pc.setLocalDescription(), ended]);
    gathered.ended = true;
  } catch (error) {
    if (!isTimeout(error)) throw error;
  } finally {
    pc.close();
  }
  return gathered;
}

/** Whether any server of `servers` can tell this device its public address (STUN, or TURN which does STUN too). */
export function hasStun(servers: readonly RTCIceServer[]): boolean {
  return (
    Array.isArray(servers) && servers.some((server) => urlsOf(server).some((url) => /^(stuns?|turns?):/i.test(url)))
  );
}

/** Host candidates: WebRTC may use this device's network at all (a policy or an extension may forbid it). */
export function localNetworkOutcome({ candidates }: Gathered): Outcome {
  const hosts = candidates.filter((candidate) => candidate.type === 'host');
  if (hosts.length === 0) return fail('host-none');
  const protocols = [...new Set(hosts.map((candidate) => (candidate.protocol ?? '').toUpperCase()))];
  return pass('host-ok', { count: hosts.length, protocols: protocols.join(', ') });
}

/**
 * Server-reflexive candidates: a STUN server told this device its public address. Where there is
 * none although a TURN server answered over UDP (TURN servers answer STUN too), the address it saw
 * is this device's own: browsers drop a server-reflexive candidate that equals a host one.
 */
export function publicAddressOutcome(
  servers: readonly RTCIceServer[],
  { candidates }: Gathered,
  turnAnsweredOverUdp: boolean,
): Outcome {
  if (!hasStun(servers)) return warn('no-stun');
  const reflexive = candidates.filter((candidate) => candidate.type === 'srflx');
  if (reflexive.length > 0) return pass('srflx-ok', { count: reflexive.length });
  if (turnAnsweredOverUdp) return pass('no-nat');
  return warn('stun-no-answer');
}

/**
 * Whether a TURN check's outcome shows that its server answered: an allocation, or an error code
 * of the server's own (STUN and TURN error codes run from 300 to 699, RFC 8489 section 14.8; the
 * browser's own start at 700).
 */
export function turnServerAnswered({ state, values }: Pick<DoctorCheckEntry, 'state' | 'values'>): boolean {
  const { errorCode } = values;
  return state === 'pass' || (typeof errorCode === 'number' && errorCode < UNREACHABLE);
}

/** Whether an allocation on `target` succeeds, and if not, what its server (or the browser) said. */
export async function checkTurn(target: TurnTarget, timeout: number, signal: AbortSignal): Promise<Outcome> {
  const configuration: RTCConfiguration = {
    iceServers: [{ urls: target.url, username: target.username, credential: target.credential }],
    iceTransportPolicy: 'relay',
  };
  const values = { url: target.url, server: target.server, transport: target.transport.toUpperCase() };
  const start = performance.now();
  const enough = (candidate: RTCIceCandidate) => candidate.type === 'relay';
  const gathered = await gather(configuration, deadline(signal, timeout), enough);
  if (gathered.candidates.some((candidate) => candidate.type === 'relay')) {
    return pass('turn-ok', { ...values, allocationMs: since(start) });
  }
  // The server's own answer says more than the browser's 701.
  const error = gathered.errors.find(({ errorCode }) => errorCode !== UNREACHABLE) ?? gathered.errors[0];
  // No word at all: a port the browser will not use, nothing answered before the deadline, or this
  // browser does not say why.
  if (!error) {
    const port = portOf(target);
    if (port < 1024 && !SYSTEM_PORTS_ALLOWED.includes(port)) return fail('turn-port-blocked', { ...values, port });
    return fail(gathered.ended ? 'turn-failed' : 'turn-unreachable', values);
  }
  const { errorCode, errorText } = error;
  if (CREDENTIALS_REFUSED.includes(errorCode)) return fail('turn-credentials', { ...values, errorCode });
  if (errorCode === UNREACHABLE) return fail('turn-unreachable', { ...values, errorCode });
  return fail('turn-error', { ...values, errorCode, errorText });
}

/** The port of a TURN URL: the one it names, else its transport's default. */
function portOf({ server, transport }: TurnTarget): number {
  return Number(/:(\d+)$/.exec(server)?.[1] ?? DEFAULT_PORT[transport]);
}
