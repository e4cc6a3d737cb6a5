/**
 * Signed join tokens: who may enter which room, under which name, allowed to do what. A site signs a
 * short-lived JWT for each visitor (docs/security.md shows how); the page hands it to the element
 * (`token`, or `token-url`), which sends it in `join`; the relay checks it here before the peer
 * enters the room, on every join, a resume included. Signatures and the registered claims (`exp`,
 * `nbf`) are checked by jose; this module adds the claims of our own and the error codes.
 *
 * Claims: `room` (required: a room name, or a prefix ending in `*`), `exp` (required), `nbf`,
 * `name` (the name the others see, whatever the join says), `caps` (capabilities, protocol/).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Capabilities, ErrorCodes, type Capability, type ErrorCode } from '../protocol/signaling.js';

export interface TokenOptions {
  /**
   * Require a join token signed with this HS256 secret (at least 32 characters; RFC 7518 section
   * 3.2 asks for a key as long as the hash).
   */
  tokenSecret?: string;
  /** A secret being rotated out: tokens signed with it are still accepted beside `tokenSecret`'s. */
  tokenSecretPrevious?: string;
  /**
   * Require a join token signed with this key instead: an ES256 (P-256) or RS256 public key in PEM,
   * or the `https:` (or `http:`) URL of a JSON Web Key Set, fetched when needed and cached.
   */
  tokenPublicKey?: string;
}

/** What a valid token grants its bearer. */
export interface Grant {
  /** The name the others see, when the token fixes one. */
  name: string | undefined;
  /** What the bearer may do, when the token lists it (undefined: no restriction). */
  caps: Capability[] | undefined;
}

/** The codes a join can be refused with here. */
export type TokenErrorCode =
  | typeof ErrorCodes.TokenRequired
  | typeof ErrorCodes.TokenInvalid
  | typeof ErrorCodes.TokenExpired
  | typeof ErrorCodes.TokenRoom
  | typeof ErrorCodes.TokenUnverifiable;

export type TokenVerdict =
  | { ok: true; grant: Grant }
  | { ok: false; code: TokenErrorCode & ErrorCode; message: string };

/** The shortest `tokenSecret` accepted, in characters. */
export const MIN_TOKEN_SECRET_LENGTH = 32;

/** How long a JWKS may take to answer before a join is told `token-unverifiable`, in ms. */
const JWKS_TIMEOUT = 5000;

const CAPABILITIES: ReadonlySet<string> = new Set(Object.values(Capabilities));

/** The up-front checks of the token options (relay/options.ts runs them with the others). */
export const TOKEN_OPTION_CHECKS: Record<keyof TokenOptions, (value: unknown) => string | undefined> = {
  tokenSecret: (v) =>
    typeof v === 'string' && v.length >= MIN_TOKEN_SECRET_LENGTH
      ? undefined
      : `must be a string of at least ${MIN_TOKEN_SECRET_LENGTH} characters`,
  tokenSecretPrevious: (v) =>
    typeof v === 'string' && v.length >= MIN_TOKEN_SECRET_LENGTH
      ? undefined
      : `must be a string of at least ${MIN_TOKEN_SECRET_LENGTH} characters`,
  tokenPublicKey: (v) => {
    if (typeof v !== 'string') return 'must be a PEM public key or a JWKS URL';
    if (isUrl(v)) return undefined;
    // createPublicKey() would take a private key too; the private key belongs on the site alone.
    if (v.includes('PRIVATE KEY')) return 'must be a public key: this is a private key (keep it on the site)';
    try {
      algorithmOf(createPublicKey(v));
      return undefined;
    } catch (error) {
      return `must be an ES256 (P-256) or RS256 public key in PEM, or a JWKS URL (${(error as Error).message})`;
    }
  },
};

/** The checks between token options, once each is valid on its own; a problem as a sentence. */
export function tokenOptionsProblem(options: TokenOptions): string | undefined {
  if (options.tokenSecret !== undefined && options.tokenPublicKey !== undefined) {
    return 'tokenSecret and tokenPublicKey cannot both be set: tokens are signed one way';
  }
  if (options.tokenSecretPrevious !== undefined && options.tokenSecret === undefined) {
    return 'tokenSecretPrevious needs tokenSecret (the secret that replaces it)';
  }
  return undefined;
}

/** Checks join tokens against the configured key; undefined when tokens are not required. */
export function createTokenChecker(options: TokenOptions & { maxNameLength: number }): TokenChecker | undefined {
  const { tokenSecret, tokenSecretPrevious, tokenPublicKey, maxNameLength } = options;
  if (tokenSecret !== undefined) {
    const secrets = tokenSecretPrevious === undefined ? [tokenSecret] : [tokenSecret, tokenSecretPrevious];
    return new TokenChecker(Promise.all(secrets.map(importSecret)), ['HS256'], maxNameLength);
  }
  if (tokenPublicKey === undefined) return undefined;
  if (isUrl(tokenPublicKey)) {
    const keySet = remoteKeySet(new URL(tokenPublicKey));
    return new TokenChecker(Promise.resolve([keySet]), ['ES256', 'RS256'], maxNameLength);
  }
  const algorithm = algorithmOf(createPublicKey(tokenPublicKey));
  return new TokenChecker(Promise.all([importSPKI(tokenPublicKey, algorithm)]), [algorithm], maxNameLength);
}

type VerificationKey = CryptoKey | JWTVerifyGetKey;

/** An HS256 secret as a CryptoKey, imported once: jose imports a key given as bytes on every verification. */
function importSecret(secret: string): Promise<CryptoKey> {
  const bytes = new TextEncoder().encode(secret);
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

export class TokenChecker {
  private readonly keys: Promise<VerificationKey[]>;
  private readonly algorithms: string[];
  private readonly maxNameLength: number;

  /** `keys`: the current key first, then one being rotated out (HS256 secrets only). */
  constructor(keys: Promise<VerificationKey[]>, algorithms: string[], maxNameLength: number) {
    this.keys = keys;
    this.algorithms = algorithms;
    this.maxNameLength = maxNameLength;
  }

  /** Whether `token` lets its bearer into `room`, and what it grants. */
  async check(token: string | undefined, room: string): Promise<TokenVerdict> {
    if (token === undefined) return refuse(ErrorCodes.TokenRequired, 'this relay admits only joins with a token');
    let claims: JWTPayload;
    try {
      claims = await this.verify(token);
    } catch (error) {
      return refusalFor(error);
    }
    const problem = this.claimsProblem(claims);
    if (problem) return refuse(ErrorCodes.TokenInvalid, problem);
    if (!roomMatches(claims.room as string, room)) {
      return refuse(ErrorCodes.TokenRoom, `the join token is for room ${JSON.stringify(claims.room)}`);
    }
    const caps = claims.caps as string[] | undefined;
    return {
      ok: true,
      grant: {
        name: claims.name as string | undefined,
        // Capabilities a later version may define are not ours to vouch for.
        caps: caps?.filter((cap): cap is Capability => CAPABILITIES.has(cap)),
      },
    };
  }

  /** The token's claims once its signature, `exp` and `nbf` are checked; throws jose's errors. */
  private async verify(token: string): Promise<JWTPayload> {
    const options = { algorithms: this.algorithms, requiredClaims: ['exp'] };
    const keys = await this.keys;
    for (let index = 0; ; index++) {
      const key = keys[index];
      try {
        // Two calls rather than a union: jose types a key and a key getter apart.
        const { payload } =
          typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
        return payload;
      } catch (error) {
        // During a rotation a token may be signed with the previous secret: try it before refusing.
        const last = index === keys.length - 1;
        if (last || !(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
      }
    }
  }

  /** What is wrong with the claims of our own, if anything. */
  private claimsProblem({ room, name, caps }: JWTPayload): string | undefined {
    if (typeof room !== 'string' || room === '') return 'the join token has no room claim';
    if (name !== undefined && (typeof name !== 'string' || name.length > this.maxNameLength)) {
      return `the join token's name must be a string of at most ${this.maxNameLength} characters`;
    }
    if (caps !== undefined && !(Array.isArray(caps) && caps.every((cap) => typeof cap === 'string'))) {
      return "the join token's caps must be an array of strings";
    }
    return undefined;
  }
}

/** A room claim admits a room: the same name, or a prefix with `*` after it (`*` alone: any room). */
export function roomMatches(claim: string, room: string): boolean {
  if (claim.endsWith('*')) return room.startsWith(claim.slice(0, -1));
  return claim === room;
}

function refuse(code: TokenErrorCode, message: string): TokenVerdict {
  return { ok: false, code, message };
}

/** The verdict for what jose (or the key set) threw; anything else is a bug of ours. */
function refusalFor(error: unknown): TokenVerdict {
  if (error instanceof KeySetUnavailable) {
    return refuse(ErrorCodes.TokenUnverifiable, `the relay cannot fetch its token keys now (${error.message})`);
  }
  if (error instanceof errors.JWTExpired) return refuse(ErrorCodes.TokenExpired, 'the join token has expired');
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return refuse(ErrorCodes.TokenInvalid, 'the join token is not valid yet (nbf)');
  }
  if (error instanceof errors.JOSEError)
    return refuse(ErrorCodes.TokenInvalid, `the join token is invalid (${error.code})`);
  throw error;
}

/** The key set (JWKS) could not be had: the relay's problem, not the token's. */
class KeySetUnavailable extends Error {}

/**
 * A JWKS fetched from `url` (and again for a key id it does not hold yet), whose fetch failures are
 * told apart from a token that names no key of it.
 */
function remoteKeySet(url: URL): JWTVerifyGetKey {
  const keySet = createRemoteJWKSet(url, { timeoutDuration: JWKS_TIMEOUT });
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      // jose's errors about the token's header (no key with its id, an algorithm the set does not
      // have) are subclasses; a failed fetch is a timeout, a plain JOSEError (status, JSON), an
      // invalid set, or the fetch's own TypeError.
      const aboutTheToken =
        error instanceof errors.JOSEError &&
        !(error instanceof errors.JWKSTimeout) &&
        !(error instanceof errors.JWKSInvalid) &&
        error.code !== errors.JOSEError.code;
      if (aboutTheToken) throw error;
      throw new KeySetUnavailable((error as Error).message, { cause: error });
    }
  };
}

/** RS256 keys shorter than this are refused (RFC 7518 section 3.3; jose refuses them too). */
const MIN_RSA_BITS = 2048;

/** The JWS algorithm of a public key: ES256 for P-256, RS256 for RSA; others are refused. */
function algorithmOf(key: KeyObject): 'ES256' | 'RS256' {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new Error(`a ${bits}-bit RSA key is shorter than ${MIN_RSA_BITS} bits`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`a ${key.asymmetricKeyType} key is neither P-256 nor RSA`);
}

function isUrl(value: string): boolean {
  return /^https?:\/\//.test(value);
}
