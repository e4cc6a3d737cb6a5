/** Errors of the Room core that a caller can act on: a stable `code` and a `hint`. */
export class RtcError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint = '',
  ) {
    super(message);
    this.name = 'RtcError';
  }
}

/** Two labels whose channels would share one SCTP stream id (framing.ts, channelIdOf). */
export const labelCollision = (label: string, other: string): RtcError =>
  new RtcError('label-collision', `Labels "${label}" and "${other}" share a channel id.`, 'Rename one.');
