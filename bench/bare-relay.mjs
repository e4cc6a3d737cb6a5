// The baseline relay: the least a relay can do. A client connects to `/bare?id=<id>&room=<room>`;
// the others in its room get {"type":"peer-joined","id"}. A message {"type":"signal","to","data"} is
// parsed and restringified as {"type":"signal","from","data"} to `to`. No validation, no limits.
import { WebSocketServer } from 'ws';

export function createBareRelay({ server, path = '/bare' } = {}) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const peers = new Map(); // id -> socket
  const rooms = new Map(); // room -> Set<id>
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
    for (const other of members) peers.get(other)?.send(joined);
    members.add(id);
    peers.set(id, ws);
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      peers.get(message.to)?.send(JSON.stringify({ type: 'signal', from: id, data: message.data }));
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
