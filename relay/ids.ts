/**
 * Peer ids and resume tokens. A peer's id is derived from its secret resume token, so the id is
 * unguessable, and a client that rejoins with its token gets the same id back from any relay
 * (even one restarted a moment ago) without the relay keeping or sharing any state.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A resume token: 32 random bytes, base64url without padding (43 characters). */
export const RESUME_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Length of a peer id in characters. */
export const PEER_ID_LENGTH = 16;

export function newResumeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `base64url(sha256('rtc-elements/id:' + token))`, first 16 characters (96 bits). */
export function peerIdFor(resumeToken: string): string {
  // The first 12 bytes encode to exactly the first 16 characters. Encoding only them gives a flat
  // string; slicing the 43-character encoding would keep all of it alive for as long as the id.
  return createHash('sha256')
    .update(`rtc-elements/id:${resumeToken}`)
    .digest()
    .toString('base64url', 0, (PEER_ID_LENGTH / 4) * 3);
}
