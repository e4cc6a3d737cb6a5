/**
 * Verified peers: what lets people notice a relay that sits in the middle of a link. The relay
 * carries the SDP, so it could answer each side with its own peer and certificate; the two DTLS
 * fingerprints each side sees then differ. Two things compare them, both in WebCrypto
 * (docs/datachannel.md, "Verification", is the contract; docs/security.md what it protects against):
 *
 * - The **safety code**: a few emoji derived from both fingerprints of a link, the same on both
 *   sides only when nobody is in between. People compare them (side by side, or by voice).
 * - The **passphrase proof**: with a passphrase, each side sends an HMAC of both fingerprints keyed
 *   by the passphrase, over the link itself; a relay in the middle cannot make one the other side
 *   accepts without knowing the passphrase.
 *
 * The fingerprints are read from the descriptions' `a=fingerprint` lines: Chromium and Firefox
 * both have them (Firefox has no certificate entries in getStats(), and
 * RTCCertificate.getFingerprints() knows only our own certificate), and a browser completes the
 * DTLS handshake only with a certificate that matches the remote description's fingerprint
 * (RFC 8122 section 5, RFC 8842 section 5), so once the link is up, that line is proven.
 */
import { encoder } from './framing.js';

/**
 * A link's two certificate fingerprints, as `<hash function> <hex>`: the function lower case, the
 * hex upper case with colons (RFC 8122's form), `sha-256 4A:0F:...`.
 */
export interface FingerprintPair {
  local: string;
  remote: string;
}

const FINGERPRINT_LINE = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m;

/**
 * The first `a=fingerprint` line of `sdp` (session or media level: with BUNDLE every media section
 * has the same one), normalised; null when there is none.
 */
export function fingerprintOf(sdp: string): string | null {
  const match = FINGERPRINT_LINE.exec(sdp);
  return match ? `${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}` : null;
}

/** The fingerprints of the descriptions a connection negotiated; null before it has both. */
export function fingerprintsOf(pc: RTCPeerConnection): FingerprintPair | null {
  const local = fingerprintOf(pc.currentLocalDescription?.sdp ?? '');
  const remote = fingerprintOf(pc.currentRemoteDescription?.sdp ?? '');
  return local && remote ? { local, remote } : null;
}

/**
 * The 64 symbols of a safety code, each 6 bits. Single code points that every platform draws as
 * emoji (no variation selectors, no joined sequences), easy to name aloud and hard to mix up.
 */
export const SAFETY_CODE_EMOJI = [
  // animals
  '🐶', '🐱', '🦁', '🐴', '🐸', '🐷', '🐘', '🐰', '🐼', '🐔', '🐧', '🐢', '🐟', '🐙', '🦋', '🐝',
  // plants and sky
  '🌵', '🌲', '🍄', '🌻', '🌙', '⭐', '🔥', '🌈',
  // food
  '🍎', '🍌', '🍇', '🍓', '🍕', '🍔', '🍩', '🍪', '🎂', '🍉', '🌽', '🥕',
  // things
  '🚀', '🚲', '🚗', '⚓', '🔑', '🎈', '🎸', '🎺', '🥁', '🎩', '👓', '🎁', '⏰', '💡', '📚', '📎',
  '🔔', '⚽', '🏀', '🎲', '🏠', '⛵', '🌂', '👑', '💎', '🔨', '🎃', '🚂',
] as const; // prettier-ignore

/** Emoji in a safety code: 48 bits. */
export const SAFETY_CODE_LENGTH = 8;
const BITS_PER_EMOJI = 6;
const SAFETY_CODE_SALT = 'rtc-elements safety code v1';
/**
 * The code is stretched: without it a relay holding a stock of certificates could search it for
 * two (one per side) that give both sides the same short code, about 2^24 tries for 48 bits.
 * Each try now costs 100,000 HMAC-SHA-256, and the relay must make them while the call sets up.
 */
const SAFETY_CODE_ITERATIONS = 100_000;

/**
 * The safety code of a link: PBKDF2-HMAC-SHA-256 over both fingerprints, sorted (so both sides
 * get the same), then 48 bits of it as 8 emoji, separated by spaces.
 */
export async function safetyCodeOf({ local, remote }: FingerprintPair): Promise<string> {
  const [first, second] = [local, remote].sort();
  const bytes = await pbkdf2(`${first}\n${second}`, SAFETY_CODE_SALT, SAFETY_CODE_ITERATIONS, 48);
  // 48 bits fit a JavaScript number exactly; the emoji are its 6-bit groups, most significant first.
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  const emoji: string[] = [];
  for (let index = SAFETY_CODE_LENGTH - 1; index >= 0; index--) {
    emoji.push(SAFETY_CODE_EMOJI[Math.floor(value / 2 ** (BITS_PER_EMOJI * index)) % SAFETY_CODE_EMOJI.length]!);
  }
  return emoji.join(' ');
}

/**
 * PBKDF2, not HKDF: HKDF expects a key that is already strong, and does nothing to slow down
 * guessing a passphrase (WebCrypto has no Argon2 or scrypt). 600,000 iterations is OWASP's
 * guidance for PBKDF2-HMAC-SHA-256 (2023); the key is derived once per Room, not per link.
 */
const PASSPHRASE_ITERATIONS = 600_000;
const PASSPHRASE_SALT = 'rtc-elements passphrase v1\n';
const PROOF_LABEL = 'rtc-elements proof v1\n';

/**
 * The HMAC-SHA-256 key of a room's passphrase: PBKDF2-HMAC-SHA-256 of the passphrase (Unicode NFC,
 * so the same words typed on two keyboards agree) salted with the room's name, 256 bits. The room
 * in the salt makes the same passphrase a different key in every room.
 */
export async function passphraseKey(passphrase: string, room: string): Promise<CryptoKey> {
  const bits = await pbkdf2(passphrase.normalize('NFC'), PASSPHRASE_SALT + room, PASSPHRASE_ITERATIONS, 256);
  return crypto.subtle.importKey('raw', bits, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** Our proof: HMAC-SHA-256 over our fingerprint, then the other side's. */
export async function proofOf(key: CryptoKey, { local, remote }: FingerprintPair): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, proofInput(local, remote)));
}

/**
 * Whether `proof` is the other side's proof over this very link: its fingerprint first, ours
 * second (the roles swapped, so a proof sent back to its maker fails). Compared in constant time.
 */
export function isProofOf(key: CryptoKey, proof: Uint8Array<ArrayBuffer>, { local, remote }: FingerprintPair) {
  return crypto.subtle.verify('HMAC', key, proof, proofInput(remote, local));
}

function proofInput(first: string, second: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${PROOF_LABEL}${first}\n${second}`);
}

async function pbkdf2(
  password: string,
  salt: string,
  iterations: number,
  bits: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const params = { name: 'PBKDF2', hash: 'SHA-256', salt: encoder.encode(salt), iterations };
  return new Uint8Array(await crypto.subtle.deriveBits(params, key, bits));
}

/** Whether this page can verify at all: WebCrypto's `subtle` exists only in a secure context. */
export function canVerify(): boolean {
  return globalThis.isSecureContext && typeof globalThis.crypto?.subtle?.deriveBits === 'function';
}
