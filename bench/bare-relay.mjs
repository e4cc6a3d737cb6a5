// The baseline relay: the least a relay can do. A client connects to `/bare?id=<id>&room=<room>`;
// the others in its room get {"type":"peer-joined","id"}. A message {"type":"signal","to","data"} is
// parsed and restringified as {"type":"signal","from","data"} to `to`. No validation, no limits.
// With `cork: true` it corks each recipient's socket until the burst of messages being handled is
// done, exactly as ours does (relay/transports/cork.ts), so a burst to one peer leaves in one write:
// the fair baseline for a relay that corks.
import { WebSocketServer } from 'ws';

export function createBareRelay({ server, path = '/bare', cork = false } = {}) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const peers = new Map(); // id -> socket
  const rooms = new Map(); // room -> Set<id>
  const corked = new Set(); // sockets corked during this event-loop turn
  const uncorkAll = () => {
    for (const socket of corked) socket.uncork();
    corked.clear();
  };
  const send = (ws, text) => {
    const raw = ws._socket;
    if (cork && raw && !corked.has(raw)) {
      raw.cork();
      if (corked.size === 0) process.nextTick(uncorkAll);
      corked.add(raw);
    }
    ws.send(text);
  };
  const onUpgrade = (req, socket, head) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== path) return;
    wss.handleUpgrade(req, socket, head, (ws) =>
      accept(ws, url.searchParams.get('id'), url.searchParams.get('room') ?? ''),
    );
  };
  server.on('upgrade', onUpgrade);

  function accept(ws, id, room) {
    ws.on('error', () => {});
    let members = rooms.get(room);
    if (!members) rooms.set(room, (members = new Set()));
    const joined = JSON.stringify({ type: 'peer-joined', id });
    for (const other of members) {
      const peer = peers.get(other);
      if (peer) send(peer, joined);
    }
    members.add(id);
    peers.set(id, ws);
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      const to = peers.get(message.to);
      if (to) send(to, JSON.stringify({ type: 'signal', from: id, data: message.data }));
    });
    ws.on('close', () => {
      peers.delete(id);
      members.delete(id);
      if (members.size === 0) rooms.delete(room);
    });
  }
  return {
    stats: () => ({ connections: peers.size }),
    close() {
      server.off('upgrade', onUpgrade);
      for (const ws of peers.values()) ws.terminate();
    },
  };
}
