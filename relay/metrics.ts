/**
 * The relay's metrics, in Prometheus' text format through prom-client (`/metrics`).
 *
 * Two kinds of numbers feed them. Per-message counts (messages and bytes in and out) are plain
 * numbers that the transports add to where messages pass (transports/connection.ts, `Traffic`),
 * read only when Prometheus scrapes: a prom-client `inc()` with labels for every message would cost
 * the relay's busiest path a hash of its labels each time. Everything rarer (joins, errors, closes,
 * refusals) is a prom-client counter incremented where it happens. Gauges (connections, rooms, held
 * signals) are read from the relay at scrape time.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { HeldCount } from './directory.js';
import type { Traffic } from './transports/connection.js';
import type { RelayStats } from './stats.js';
import { CloseCodes, Transports, type ErrorCode, type TransportName } from '../protocol/signaling.js';

/** What the metrics read from the relay when scraped. */
export interface MetricsSource {
  stats(): RelayStats;
  /** Peers within their resume grace whose place this relay keeps. */
  awayCount(): number;
  /** Signals held in this process's memory for peers within their grace, and their bytes. */
  held(): HeldCount;
  /** With a directory shared through Redis: what Redis holds for every instance's peers. */
  sharedHeld: (() => HeldCount) | undefined;
  /** What each transport carried so far. */
  traffic(transport: TransportName): Traffic;
}

export interface MetricsOptions {
  /** Serve `/metrics` (and measure the process and the event loop). */
  enabled: boolean;
  /** When set, `/metrics` wants `Authorization: Bearer <token>`. */
  token: string | undefined;
}

const TRANSPORT_NAMES: readonly TransportName[] = [Transports.WebSocket, Transports.Sse];

/**
 * Close codes counted by their number; any other is counted as `other`. A client picks the code of
 * its own close frame (any of 1000-4999), and every label value is a series Prometheus keeps.
 */
const COUNTED_CLOSE_CODES: ReadonlySet<number> = new Set(Object.values(CloseCodes));

/**
 * The relay's metrics: what the relay reports as things happen, and the registry that `/metrics`
 * (or a host's own endpoint, through `registry`) reads.
 */
export class RelayMetrics {
  /** prom-client's registry of these metrics (a host may merge it into its own). */
  readonly registry = new Registry();
  /** Whether `/metrics` is served. */
  readonly enabled: boolean;
  private readonly tokenDigest: Buffer | undefined;

  private readonly connectionsOpened = this.counter(
    'rtc_relay_connections_opened_total',
    'Signaling connections opened (admitted or not).',
    ['transport'],
  );
  private readonly joins = this.counter('rtc_relay_joins_total', 'Successful joins, resumes included.');
  private readonly resumes = this.counter(
    'rtc_relay_resumes_total',
    'Joins that took over a session the relay still held (same id, the others saw nothing).',
  );
  private readonly errors = this.counter('rtc_relay_errors_total', 'Error messages sent to clients, by code.', [
    'code',
  ]);
  private readonly closes = this.counter(
    'rtc_relay_closes_total',
    'Connections ended, by transport and close code (1006: lost without a close).',
    ['transport', 'code'],
  );
  private readonly rateLimited = this.counter(
    'rtc_relay_rate_limited_total',
    'Connections closed for sending more messages than their rate allows.',
  );
  private readonly addressRefusals = this.counter(
    'rtc_relay_ip_refusals_total',
    'Clients refused by a per-address limit: open connections, or joins a minute.',
    ['limit'],
  );
  private readonly tokenFailures = this.counter(
    'rtc_relay_token_failures_total',
    'Joins refused for their token, by error code.',
    ['code'],
  );

  constructor(source: MetricsSource, options: MetricsOptions) {
    this.enabled = options.enabled;
    this.tokenDigest = options.token === undefined ? undefined : digest(options.token);
    if (options.enabled) collectDefaultMetrics({ register: this.registry });
    this.addGauges(source);
    this.addTrafficCounters(source);
  }

  /** Whether an `Authorization` header may read the metrics (always, when no token is set). */
  authorizes(authorization: string | undefined): boolean {
    if (!this.tokenDigest) return true;
    const match = /^Bearer (.+)$/i.exec(authorization ?? '');
    // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first difference.
    return match !== null && timingSafeEqual(digest(match[1] as string), this.tokenDigest);
  }

  connectionOpened(transport: TransportName): void {
    this.connectionsOpened.inc({ transport });
  }

  joined(resumed: boolean): void {
    this.joins.inc();
    if (resumed) this.resumes.inc();
  }

  errorSent(code: ErrorCode): void {
    this.errors.inc({ code });
    if (code === 'rate-limited') this.rateLimited.inc();
    else if (code === 'too-many-connections') this.addressRefusals.inc({ limit: 'connections' });
    else if (code === 'too-many-joins') this.addressRefusals.inc({ limit: 'joins' });
  }

  closed(transport: TransportName, code: number): void {
    this.closes.inc({ transport, code: COUNTED_CLOSE_CODES.has(code) ? String(code) : 'other' });
  }

  /** A join refused for its token (`code`: token-required, token-invalid, ...). */
  tokenFailure(code: string): void {
    this.tokenFailures.inc({ code });
  }

  private counter<Label extends string = never>(name: string, help: string, labelNames: Label[] = []): Counter<Label> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** The gauges, read from the relay at scrape time. */
  private addGauges(source: MetricsSource): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    new Gauge({
      name: 'rtc_relay_connections',
      help: 'Open signaling connections (an SSE stream that may still come back counts).',
      labelNames: ['transport'],
      registers,
      collect() {
        const { transports } = source.stats();
        for (const transport of TRANSPORT_NAMES) this.set({ transport }, transports[transport]);
      },
    });
    gauge('rtc_relay_rooms', 'Rooms with at least one peer.', () => source.stats().rooms);
    gauge(
      'rtc_relay_peers',
      'Peers in all rooms, counting those within their resume grace.',
      () => source.stats().peers,
    );
    gauge('rtc_relay_peers_away', 'Peers within their resume grace (no connection).', () => source.awayCount());
    gauge(
      'rtc_relay_held_signals',
      "Signals held in this relay's memory for peers within their grace.",
      () => source.held().signals,
    );
    gauge(
      'rtc_relay_held_bytes',
      "Bytes of the signals held in this relay's memory for peers within their grace.",
      () => source.held().bytes,
    );
    const { sharedHeld } = source;
    if (!sharedHeld) return;
    // Every instance reports the same figures: aggregate them with max, not sum.
    gauge(
      'rtc_relay_redis_held_signals',
      "Signals Redis holds for all instances' peers within their grace (as of this instance's last heartbeat).",
      () => sharedHeld().signals,
    );
    gauge(
      'rtc_relay_redis_held_bytes',
      "Bytes of the signals Redis holds for all instances' peers within their grace (as of the last heartbeat).",
      () => sharedHeld().bytes,
    );
  }

  /** The per-message counters: plain numbers the transports keep, handed to prom-client at scrape time. */
  private addTrafficCounters(source: MetricsSource): void {
    const registers = [this.registry];
    const trafficCounter = (name: string, help: string, read: (traffic: Traffic) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['transport'],
        registers,
        collect() {
          this.reset();
          for (const transport of TRANSPORT_NAMES) this.inc({ transport }, read(source.traffic(transport)));
        },
      });
    trafficCounter('rtc_relay_messages_received_total', 'Messages received from clients.', (t) => t.messagesIn);
    trafficCounter('rtc_relay_messages_sent_total', 'Messages sent to clients.', (t) => t.messagesOut);
    trafficCounter(
      'rtc_relay_received_bytes_total',
      'Bytes received from clients: WebSocket sockets, SSE POST bodies.',
      (t) => t.bytesIn,
    );
    trafficCounter(
      'rtc_relay_sent_bytes_total',
      'Bytes sent to clients: WebSocket sockets, SSE event streams.',
      (t) => t.bytesOut,
    );
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
