/**
 * Holds each recipient's writes until the current burst of inbound messages has been handled, so
 * that N messages to one peer leave in one writev instead of N syscalls (the syscall was half of the
 * relay's CPU per message). Order is kept: it is the same stream buffer, only flushed later. Both
 * transports use it: a WebSocket's TCP socket, an SSE stream's response.
 */
import type { Writable } from 'node:stream';

/** What can be corked: a TCP socket, or an HTTP response (which corks its socket). */
type Corkable = Pick<Writable, 'cork' | 'uncork'>;

class Corker {
  /** Streams corked during this event-loop turn; `uncorkAll` releases them once the turn's work is done. */
  private readonly corked = new Set<Corkable>();

  cork(stream: Corkable): void {
    if (this.corked.has(stream)) return;
    stream.cork();
    if (this.corked.size === 0) process.nextTick(this.uncorkAll);
    this.corked.add(stream);
  }

  private readonly uncorkAll = (): void => {
    // uncork() on a stream destroyed meanwhile is a no-op; end() uncorks by itself.
    for (const stream of this.corked) stream.uncork();
    this.corked.clear();
  };
}

export const corker = new Corker();
