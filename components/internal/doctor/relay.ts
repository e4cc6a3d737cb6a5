/**
 * The relay over one transport: the real SignalingClient, its transport forced (so WebSocket and
 * SSE are told apart, where a room element would fall back by itself), joins a throwaway room of
 * its own and times signals to itself: the relay hands a signal addressed to your own id back to
 * you (docs/protocol.md), one round trip through it.
 */
import {
  SignalingClient,
  type IceServer,
  type SignalDetail,
  type SignalingErrorDetail,
  type TransportName,
} from '../signaling/signaling-client.js';
import { deadline, fail, isTimeout, median, nextEvent, pass, since, warn, type Outcome } from './outcome.js';

/** Signals timed after the join; the report gives their median. */
const ROUND_TRIPS = 5;

/** How to reach the relay: a room element's settings. */
export interface RelaySettings {
  /** The signaling URL; empty: the default (`signal` beside the script the page loaded). */
  signaling: string;
  /** The room to join; empty: a throwaway room of its own. */
  room: string;
  token: string;
  tokenUrl: string;
  /** ms to join and time the round trips before it counts as no answer. */
  timeout: number;
}

/** What one transport got: in, with timings and the relay's ICE servers, or why not. */
export type RelayProbe =
  | { transport: TransportName; url: string; joined: true; joinMs: number; rttMs: number; iceServers: IceServer[] }
  | {
      transport: TransportName;
      url: string;
      joined: false;
      /** The client's error code (the relay's, or `connection-failed`), or `timeout`. */
      reason: string;
      message: string;
      hint: string;
    };

/** Joins over `transport` and times the round trips; rejects only when the signal is aborted. */
export async function probeRelay(
  settings: RelaySettings,
  transport: TransportName,
  signal: AbortSignal,
): Promise<RelayProbe> {
  const { signaling, room, token, tokenUrl, timeout } = settings;
  let client: SignalingClient;
  try {
    client = new SignalingClient({
      url: signaling || undefined,
      room: room || throwawayRoom(),
      token,
      tokenUrl,
      transport,
    });
  } catch (error) {
    const message = (error as Error).message;
    return { transport, url: signaling, joined: false, reason: 'signaling-url', message, hint: '' };
  }
  const refused = (detail: SignalingErrorDetail): RelayProbe => ({
    transport,
    url: client.url,
    joined: false,
    reason: detail.code,
    message: detail.message,
    hint: detail.hint,
  });
  const limit = deadline(signal, timeout);
  try {
    const start = performance.now();
    const joining = nextEvent<CustomEvent>(client, ['welcome', 'error'], limit);
    client.connect();
    const answer = await joining;
    if (answer.type === 'error') return refused(answer.detail as SignalingErrorDetail);
    const joinMs = since(start);
    const roundTrips: number[] = [];
    for (let round = 0; round < ROUND_TRIPS; round++) {
      const sent = performance.now();
      const echo = nextEvent<CustomEvent>(client, ['signal', 'error'], limit, (event) => isEcho(event, round));
      client.signal(client.id!, { doctor: round });
      const back = await echo;
      if (back.type === 'error') return refused(back.detail as SignalingErrorDetail);
      roundTrips.push(since(sent));
    }
    return {
      transport,
      url: client.url,
      joined: true,
      joinMs,
      rttMs: median(roundTrips),
      iceServers: client.iceServers,
    };
  } catch (error) {
    if (signal.aborted) throw error;
    // The deadline, or a URL the browser refuses as it connects (one with a #fragment, say).
    if (isTimeout(error))
      return { transport, url: client.url, joined: false, reason: 'timeout', message: '', hint: '' };
    const message = (error as Error).message;
    return { transport, url: client.url, joined: false, reason: 'connection-failed', message, hint: '' };
  } finally {
    client.close();
  }
}

/**
 * The line of each transport, told together: a transport that fails where the other works is
 * blocked on the way (a proxy, a firewall); both failing, the relay cannot be reached; a refusal
 * is the relay's own code, message and hint.
 */
export function relayOutcome(probe: RelayProbe, other: RelayProbe | undefined): Outcome {
  if (probe.joined) return pass('relay-ok', { joinMs: probe.joinMs, rttMs: probe.rttMs });
  const values = { url: probe.url, reason: probe.reason };
  if (probe.reason === 'signaling-url') return fail('signaling-url', values);
  if (probe.reason !== 'connection-failed' && probe.reason !== 'timeout') {
    return fail(probe.reason, { ...values, message: probe.message, hint: probe.hint });
  }
  if (other?.joined) {
    // The elements fall back to SSE by themselves: without WebSocket calls still work, without SSE
    // they work where WebSocket does.
    return probe.transport === 'websocket' ? fail('websocket-blocked', values) : warn('sse-blocked', values);
  }
  return fail('relay-unreachable', values);
}

/** Whether `event` is the signal of round `round` coming back (or an error). */
function isEcho(event: CustomEvent, round: number): boolean {
  if (event.type === 'error') return true;
  const { data } = event.detail as SignalDetail;
  return typeof data === 'object' && data !== null && !Array.isArray(data) && data.doctor === round;
}

/** A room nobody else knows of (room names: 1-64 of `A-Z a-z 0-9 - _ . ~ :`). */
function throwawayRoom(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `doctor-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
