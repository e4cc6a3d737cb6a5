/**
 * What a person can do about each error the relay sends: the `hint` of an `error` message, which the
 * browser shows as it is (next to the message). The relay knows its own rules and limits, so its
 * hints name them, and a page never shows a room-name rule or a limit this relay does not have.
 */
import { DEFAULT_OPTIONS, type ResolvedOptions } from './options.js';
import { VERSION_HINT, type ErrorCode } from '../protocol/signaling.js';

export function errorHints(options: ResolvedOptions): Record<ErrorCode, string> {
  const { roomPattern, maxPeersPerRoom, messagesPerSecond, joinTimeout, maxConnectionsPerIp, joinsPerMinutePerIp } =
    options;
  return {
    'bad-message': VERSION_HINT,
    'unknown-type': VERSION_HINT,
    'not-joined': VERSION_HINT,
    'already-joined': VERSION_HINT,
    'no-such-peer': 'That peer is not in this room (it may have left).',
    'held-full': 'That peer is reconnecting and the relay holds no more for it; send again once it is back.',
    'bad-room':
      roomPattern.source === DEFAULT_OPTIONS.roomPattern.source
        ? 'Use 1-64 letters, digits or - _ . ~ : in the room name.'
        : `Use a room name that matches ${roomPattern}.`,
    'room-full': `The room is full (this relay allows ${maxPeersPerRoom} in a room). Try again later or use another room.`,
    'rate-limited': `Send fewer messages: this relay allows ${messagesPerSecond} a second.`,
    'join-timeout': `Join within ${joinTimeout / 1000} s of connecting.`,
    'origin-not-allowed': "Ask the relay's operator to allow this site.",
    'server-full': 'The relay is busy. Try again later.',
    'too-many-connections': `Your network holds as many connections as this relay allows one address (${maxConnectionsPerIp}). Close some, or try again later.`,
    'too-many-joins': `Your network joined as often as this relay allows one address (${joinsPerMinutePerIp} a minute). Try again in a moment.`,
    replaced: 'This identity connected again elsewhere.',
    'token-required':
      'This relay admits only pages that bring a join token: give the element a token or token-url attribute.',
    'token-invalid':
      "The site's join token is not one this relay accepts: the site must sign it with the relay's key, with a room claim, and the clocks of both must agree.",
    'token-expired':
      'The join token has expired: reload the page (or give the element a token-url, to get fresh ones).',
    'token-room': 'The join token is for another room: ask the site for one for this room.',
    'name-fixed': 'Your name comes from your join token: the site decides it.',
    'token-unverifiable':
      "The relay cannot check join tokens right now (its key set is out of reach). Try again later; tell the relay's operator if it lasts.",
    'directory-unavailable': 'The relay cannot reach the other relays right now. It will try again in a moment.',
  };
}
