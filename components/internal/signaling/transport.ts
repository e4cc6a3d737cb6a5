/**
 * The client's transport seam: the SignalingClient speaks the protocol, a transport carries its
 * messages. Two exist (docs/protocol.md): WebSocket (websocket-transport.ts) and SSE + POST
 * (sse-transport.ts). Both use only WebSocket, EventSource and fetch, which a caller may replace
 * (Node 20 has fetch but neither of the others: pass `ws`'s WebSocket and an EventSource package).
 */
import type { TransportName } from '../../../protocol/signaling.js';

export type { TransportName } from '../../../protocol/signaling.js';

/** What a room element's `transport` attribute may say: one transport, or `auto` (WebSocket, then SSE). */
export type TransportChoice = TransportName | 'auto';

/** What a transport tells its client. Nothing is called after `close`, nor after leave()/abandon(). */
export interface TransportEvents {
  /** Ready to carry messages: the client sends `join` now. */
  open(): void;
  /** One relay message, as JSON text. */
  message(text: string): void;
  /** The connection ended: the relay's close code, or 1006 when it was lost or never opened. */
  close(code: number): void;
}

/** One connection to the relay, over either transport. */
export interface SignalingTransport {
  /** Sends one client message (JSON text), in order; false when the connection can take no more. */
  send(text: string): boolean;
  /** Leaves the room: the relay tells the others at once. */
  leave(): void;
  /** Stops, meaning to come back (switching transport): the relay keeps our place for its grace. */
  abandon(): void;
}

/** The constructors transports use; each defaults to the global of that name. */
export interface TransportGlobals {
  WebSocket?: typeof WebSocket;
  EventSource?: typeof EventSource;
  fetch?: typeof fetch;
}

/** Opens a connection to the signaling endpoint `url` (ws: or wss:). */
export type OpenTransport = (url: string, events: TransportEvents, globals: TransportGlobals) => SignalingTransport;
