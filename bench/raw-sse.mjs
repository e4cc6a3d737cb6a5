// A client of the relay's SSE + POST transport for the load generator, with RawWebSocket's shape:
// `open(port, path)` resolves once the stream's session event has arrived, `onFrame(payload)` gets
// each relay message's JSON text, `send(text)` queues a client message. As docs/protocol.md asks,
// one POST is in flight at a time and the messages written meanwhile go in the next one (one per
// line), which is also how the elements' client sends. node:http does the HTTP (its parser is
// native, so the load generator stays cheaper per message than the relay).
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export class RawSse {
  static open(port, path) {
    return new Promise((resolve, reject) => {
      const client = new RawSse(port, path);
      const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream' }, agent: false });
      client.stream = req;
      req.on('error', reject);
      req.on('response', (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream refused: ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          client.receive(chunk);
          if (client.session) resolve(client);
        });
      });
      req.end();
    });
  }

  constructor(port, path) {
    this.port = port;
    this.path = path;
    this.session = '';
    this.buffer = '';
    this.outbox = [];
    this.posting = false;
    this.onFrame = () => {};
  }

  send(text) {
    this.outbox.push(text);
    this.flush();
  }

  flush() {
    if (this.posting || this.outbox.length === 0) return;
    this.posting = true;
    const body = this.outbox.join('\n');
    this.outbox = [];
    const req = request({
      host: '127.0.0.1',
      port: this.port,
      path: `${this.path}?session=${this.session}`,
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
      agent,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        this.posting = false;
        this.flush();
      });
    });
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.on('error', () => (this.posting = false));
    req.end(body);
  }

  receive(chunk) {
    this.buffer += chunk;
    let end;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const data = block.indexOf('data: ');
      if (data === -1) continue; // a heartbeat comment
      const text = block.slice(data + 6);
      if (block.startsWith('event: session')) this.session = JSON.parse(text).session;
      else this.onFrame(text);
    }
  }

  close() {
    this.stream?.destroy();
  }
}
