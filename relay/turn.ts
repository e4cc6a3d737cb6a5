/**
 * TURN credentials in coturn's TURN REST scheme (`use-auth-secret`, from
 * draft-uberti-behave-turn-rest): the relay and the TURN server share a secret, and the relay makes
 * each peer a credential of its own that expires. The username is `<expiry>:<peer id>` (expiry in
 * Unix seconds), the password base64(HMAC-SHA1(secret, username)); the TURN server recomputes the
 * password from the username and refuses it once the expiry has passed. The secret itself never
 * reaches a browser.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol/signaling.js';

export interface TurnOptions {
  /** The secret shared with the TURN server (coturn: `static-auth-secret`, with `use-auth-secret`). */
  turnSecret?: string;
  /** The TURN server's URLs (`turn:` or `turns:`), handed out with each peer's credentials. */
  turnUrls?: string[];
  /** Seconds a credential stays valid. Default 86400 (a day, the draft's recommendation). */
  turnTtl?: number;
}

export const DEFAULT_TURN_TTL = 86_400;

/** The up-front checks of the TURN options (relay/options.ts runs them with the others). */
export const TURN_OPTION_CHECKS: Record<keyof TurnOptions, (value: unknown) => string | undefined> = {
  turnSecret: (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string'),
  turnUrls: (v) =>
    Array.isArray(v) && v.length > 0 && v.every((url) => typeof url === 'string' && /^turns?:[^\s]+$/.test(url))
      ? undefined
      : 'must be a non-empty array of turn: or turns: URLs',
  turnTtl: (v) => (Number.isSafeInteger(v) && (v as number) > 0 ? undefined : 'must be a positive integer of seconds'),
};

/** The checks between TURN options, once each is valid on its own; a problem as a sentence. */
export function turnOptionsProblem({ turnSecret, turnUrls, turnTtl }: TurnOptions): string | undefined {
  if ((turnSecret === undefined) !== (turnUrls === undefined)) {
    return 'turnSecret and turnUrls go together: the URLs of the server that shares the secret';
  }
  if (turnTtl !== undefined && turnSecret === undefined) return 'turnTtl needs turnSecret';
  return undefined;
}

/** Makes the TURN server entry of each peer; undefined when no TURN secret is configured. */
export function createTurnCredentials(options: TurnOptions): TurnCredentials | undefined {
  const { turnSecret, turnUrls, turnTtl = DEFAULT_TURN_TTL } = options;
  if (turnSecret === undefined || turnUrls === undefined) return undefined;
  return new TurnCredentials(turnSecret, turnUrls, turnTtl);
}

export class TurnCredentials {
  private readonly secret: string;
  private readonly urls: string[];
  private readonly ttl: number;

  constructor(secret: string, urls: string[], ttl: number) {
    this.secret = secret;
    this.urls = [...urls];
    this.ttl = ttl;
  }

  /** A fresh TURN server entry for `peerId`, valid for the TTL from `now` (ms since the epoch). */
  iceServerFor(peerId: string, now: number = Date.now()): IceServer {
    const expiry = Math.floor(now / 1000) + this.ttl;
    const username = `${expiry}:${peerId}`;
    const credential = createHmac('sha1', this.secret).update(username).digest('base64');
    return { urls: [...this.urls], username, credential };
  }
}
