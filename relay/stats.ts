/** What a relay reports of itself (`relay.stats()`, `/healthz`). */
export interface RelayStats {
  /** Open connections, both transports (an SSE stream that may still come back counts). */
  connections: number;
  /** Open connections by transport. */
  transports: { websocket: number; sse: number };
  /** Rooms with at least one peer. */
  rooms: number;
  /** Peers in all rooms, counting those within their resume grace. */
  peers: number;
}
