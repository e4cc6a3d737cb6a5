/**
 * What the server sees of a client's connection, whatever carries it: send a message, close with a
 * code and reason, terminate, and how much is queued. Each transport (websocket.ts, sse.ts)
 * subclasses Connection; the server keeps its per-connection state (rate bucket, join deadline,
 * session) in the same object, so an idle connection is one object plus what its transport needs.
 */
import type { ClientAddress } from '../addresses.js';
import type { Member, Session } from '../directory.js';
import type { Logger } from '../log.js';
import type { TransportName } from '../../protocol/signaling.js';

/** How a connection ended, for the room: a leave (the others are told at once) or a loss (grace). */
export const Endings = {
  /** The client said goodbye (a close frame, `leave`), or the relay closed it for breaking a rule. */
  Left: 'left',
  /** Gone without a goodbye: 1006, heartbeat, slow reader, a dropped stream that did not come back. */
  Lost: 'lost',
} as const;
export type Ending = (typeof Endings)[keyof typeof Endings];

/** What a transport tells the server about its connections. */
export interface ConnectionHandler {
  /** One inbound message's text (over SSE, one line of a POST). Limits on size are the transport's. */
  message(connection: Connection, text: string): void;
  /** An inbound message that is not text (a binary WebSocket frame). */
  binaryMessage(connection: Connection): void;
  /**
   * The connection is gone; called once. `code` is the close code (sent or received), 1006 for one
   * lost without a close.
   */
  ended(connection: Connection, ending: Ending, code: number): void;
}

/**
 * What a transport carried so far, counted as messages pass (plain numbers: the busiest path of the
 * relay pays one addition) and read when metrics are scraped.
 */
export interface Traffic {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
}

export function noTraffic(): Traffic {
  return { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
}

/** A message waiting in a connection's backlog: parsed, and the JSON text it was parsed from. */
export interface Waiting {
  message: Record<string, unknown>;
  text: string;
}

/** What every transport shares with the server: the limits a send enforces, where to log and count. */
export interface TransportContext {
  handler: ConnectionHandler;
  /** Bytes queued for a slow reader before its connection is cut (and treated as lost). */
  maxBufferedAmount: number;
  log: Logger;
  /** This transport's counts (one object per transport). */
  traffic: Traffic;
}

export abstract class Connection implements Member {
  abstract readonly transport: TransportName;
  /** Token bucket: messages this connection may still send right now. */
  tokens = 0;
  refilledAt = 0;
  /** Until the connection joins (then undefined again, so an idle connection holds no timer). */
  joinTimer: NodeJS.Timeout | undefined = undefined;
  session: Session<Connection> | undefined = undefined;
  /** The client's address, once admitted (shared with its other connections). */
  address: ClientAddress | undefined = undefined;
  /** The relay is closing this connection: later messages are ignored and its peer leaves at once. */
  closing = false;
  /**
   * While a message is being handled asynchronously (a join that waits for a token check or a shared
   * directory), the messages that came after it, in order; undefined otherwise.
   */
  backlog: Waiting[] | undefined = undefined;

  protected readonly context: TransportContext;

  constructor(context: TransportContext) {
    this.context = context;
  }

  /** Whether a message sent now can still reach the client. */
  abstract get isOpen(): boolean;
  /** Bytes accepted for this client and not yet handed to the network. */
  abstract get queuedBytes(): number;
  /** Closes with a close code and reason (the client sees both); ends as a leave. */
  abstract close(code: number, reason: string): void;
  /** Cuts the connection without a goodbye; ends as lost. */
  abstract terminate(): void;
  /** Called every heartbeat interval: a ping, and a cut if the last one went unanswered. */
  abstract beat(): void;
  /** Messages accepted that surely never reached the client; handed over once. */
  abstract takeUndelivered(): string[];
  /** Writes one message; called only while open and under the queue cap. */
  protected abstract write(text: string): void;

  /** Sends one relay message; a reader too slow to take it is cut (lost, so it may resume). */
  send(text: string): void {
    if (!this.isOpen) return;
    if (this.queuedBytes > this.context.maxBufferedAmount) {
      // A reader this slow would hold our memory hostage; cut it, and let it resume if it comes back.
      const fields = { transport: this.transport, address: this.address?.key, peer: this.session?.id };
      this.context.log.warn(fields, 'cutting a connection that does not read its messages');
      this.terminate();
      return;
    }
    this.context.traffic.messagesOut++;
    this.write(text);
  }
}
