/**
 * Per-address limits: how many connections one client address may hold open, and how many joins it
 * may make a minute, so one address cannot take every place on the relay (the connection cap is
 * shared by everyone) or churn sessions faster than their grace runs out.
 *
 * The address is the TCP peer's, or, when that peer is a listed proxy (`trustProxy`), the client it
 * names in `X-Forwarded-For` (proxy-addr walks the header from the right and stops at the first
 * address that is not a trusted proxy, so a client cannot forge its way past one). IPv6 addresses
 * count by /64, the block one subscriber gets (RFC 6177): anyone holding one holds all of its
 * 2^64 addresses.
 *
 * Relay instances that share rooms through Redis share these counts too (SharedConnectionCounts, the
 * Redis directory): an address at its connection cap is refused on every instance, and its joins
 * come from one bucket for all of them (the join script's). Each instance still counts its own: it
 * decides alone while Redis is away, and its counts are what it puts back in Redis when it returns.
 */
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

export interface AddressLimitsOptions {
  /** Open connections one address may hold. */
  maxConnectionsPerIp: number;
  /** Joins one address may make in a minute (a bucket of this size, refilled evenly over the minute). */
  joinsPerMinutePerIp: number;
  /** Proxies whose `X-Forwarded-For` is believed (addresses, CIDR blocks, or proxy-addr's names). */
  trustProxy: readonly string[] | undefined;
}

/** One client address and what it holds; shared by all its connections. */
export interface ClientAddress {
  /** The address (an IPv6 one as its /64 block), as logs and refusals name it. */
  readonly key: string;
  /** Its open connections. */
  connections: number;
  /** Joins it may still make now (token bucket), and when that was last brought up to date. */
  joinTokens: number;
  refilledAt: number;
}

/**
 * Connections per address counted for all relay instances of a deployment (in Redis, by the Redis
 * directory), so the connection cap holds across them.
 */
export interface SharedConnectionCounts {
  /**
   * Counts a connection from `key` unless the deployment holds `max` from it already: true when
   * counted, false when not; undefined (at once, or as the answer) when the count cannot be had now,
   * and this instance's own count decides.
   */
  admitConnection(key: string, max: number): Promise<boolean | undefined> | undefined;
  /** A connection from `key` that this instance admitted has ended. */
  releaseConnection(key: string): void;
}

/** The address a connection counts against, or undefined when that address is at its cap. */
export type Admission = ClientAddress | undefined;

const MINUTE = 60_000;

export class AddressLimits {
  private readonly options: AddressLimitsOptions;
  private readonly shared: SharedConnectionCounts | undefined;
  private readonly trust: ((address: string, hop: number) => boolean) | undefined;
  private readonly addresses = new Map<string, ClientAddress>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: AddressLimitsOptions, shared?: SharedConnectionCounts) {
    this.options = options;
    this.shared = shared;
    this.trust = options.trustProxy && proxyAddr.compile([...options.trustProxy]);
    this.sweeper = setInterval(this.sweep, MINUTE).unref();
  }

  /** Addresses with an open connection, or with joins not yet earned back. */
  get size(): number {
    return this.addresses.size;
  }

  /** The client address of a request (its connection's, or the one a trusted proxy names). */
  addressOf(req: IncomingMessage): string {
    const address = this.trust ? proxyAddr(req, this.trust) : req.socket.remoteAddress;
    return addressKey(address ?? '');
  }

  /**
   * Counts a new connection from `key`; undefined (and not counted) when that address already holds
   * as many as it may. With shared counts, a promise of the deployment's answer: the connection is
   * counted here meanwhile (it is open), and no longer if the answer is no.
   */
  admit(key: string): Admission | Promise<Admission> {
    const { maxConnectionsPerIp } = this.options;
    const address = this.addresses.get(key) ?? this.create(key);
    // Past this instance's own count the deployment's is too: no need to ask.
    if (address.connections >= maxConnectionsPerIp) return undefined;
    address.connections++;
    const shared = this.shared?.admitConnection(key, maxConnectionsPerIp);
    if (shared === undefined) return address;
    return shared.then((counted) => {
      if (counted !== false) return address;
      address.connections--;
      return undefined;
    });
  }

  /** A connection that `admit` counted has ended. */
  release(address: ClientAddress): void {
    address.connections--;
    this.shared?.releaseConnection(address.key);
  }

  /** Open connections by address (those with any), as this instance counts them. */
  connectionsByAddress(): Record<string, number> {
    const counts: [string, number][] = [];
    for (const [key, address] of this.addresses) {
      if (address.connections > 0) counts.push([key, address.connections]);
    }
    // Own properties whatever the key (one named __proto__ too), as JSON.stringify needs them.
    return Object.fromEntries(counts);
  }

  /** Takes one join from the address's budget; false when it has none left this minute. */
  takeJoin(address: ClientAddress): boolean {
    this.refill(address, performance.now());
    if (address.joinTokens < 1) return false;
    address.joinTokens -= 1;
    return true;
  }

  /** Stops the sweeper (the relay is closing). */
  close(): void {
    clearInterval(this.sweeper);
  }

  private create(key: string): ClientAddress {
    const address: ClientAddress = {
      key,
      connections: 0,
      joinTokens: this.options.joinsPerMinutePerIp,
      refilledAt: performance.now(),
    };
    this.addresses.set(key, address);
    return address;
  }

  private refill(address: ClientAddress, now: number): void {
    const { joinsPerMinutePerIp } = this.options;
    const earned = ((now - address.refilledAt) * joinsPerMinutePerIp) / MINUTE;
    address.joinTokens = Math.min(joinsPerMinutePerIp, address.joinTokens + earned);
    address.refilledAt = now;
  }

  /** Forgets the addresses with no connection and a full join budget: they are as good as new. */
  private readonly sweep = (): void => {
    const now = performance.now();
    for (const [key, address] of this.addresses) {
      if (address.connections > 0) continue;
      this.refill(address, now);
      if (address.joinTokens >= this.options.joinsPerMinutePerIp) this.addresses.delete(key);
    }
  };
}

/** Proxy-addr's names for address ranges, besides addresses and CIDR blocks. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Why a `trustProxy` entry is not usable, or undefined when it is. */
export function trustProxyProblem(entry: string): string | undefined {
  if (RANGE_NAMES.has(entry)) return undefined;
  try {
    proxyAddr.compile(entry);
    return undefined;
  } catch {
    return `${JSON.stringify(entry)} is not an IP address, a CIDR block or one of ${[...RANGE_NAMES].join(', ')}`;
  }
}

/** An address as limits count it: IPv4 (also IPv4-mapped IPv6) as it is, IPv6 as its /64 block. */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (!(parsed instanceof ipaddr.IPv6)) return parsed.toString();
  const prefix = parsed.parts.slice(0, 4);
  return `${prefix.map((part) => part.toString(16)).join(':')}::/64`;
}
