// A client of the relay's SSE + POST transport for the load generator, with RawWebSocket's shape:
// `open(port, path)` resolves once the stream's session event has arrived, `onFrame(payload)` gets
// each relay message's JSON text, `send(text)` queues a client message. As docs/protocol.md asks,
// one POST is in flight at a time and the messages written meanwhile go in the next one (one per
// line), which is also how the elements' client sends.
//
// Like bench/raw-ws.mjs it is written for a low cost per message, so the relay is what is measured:
// plain TCP sockets, the stream's chunked body decoded by hand, and POSTs on one keep-alive socket
// per client whose answers (204, no body) are only counted.
import { connect as tcpConnect } from 'node:net';

export class RawSse {
  static open(port, path) {
    return new Promise((resolve, reject) => {
      const client = new RawSse(port, path);
      const stream = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
      client.stream = stream;
      let head = '';
      const onHead = (chunk) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        stream.off('data', onHead);
        if (!head.startsWith('HTTP/1.1 200')) return reject(new Error(`stream refused: ${head.slice(0, end)}`));
        stream.on('data', (data) => {
          client.receiveChunked(data.toString('latin1'));
          if (client.session && !client.posts) client.startPosting(resolve, reject);
        });
        const rest = head.slice(end + 4);
        if (rest) stream.emit('data', Buffer.from(rest, 'latin1'));
      };
      stream.on('data', onHead);
      stream.on('error', reject);
      stream.on('connect', () =>
        stream.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`),
      );
    });
  }

  constructor(port, path) {
    this.port = port;
    this.path = path;
    this.session = '';
    /** Undecoded bytes of the chunked body, and the event text decoded so far. */
    this.chunked = '';
    this.events = '';
    this.outbox = [];
    this.posting = false;
    this.posts = null;
    this.onFrame = () => {};
  }

  startPosting(resolve, reject) {
    const posts = tcpConnect({ port: this.port, host: '127.0.0.1', noDelay: true });
    this.posts = posts;
    posts.on('error', reject);
    let answers = '';
    posts.on('data', (data) => {
      // Every answer is a 204 with no body: one header block each.
      answers += data.toString('latin1');
      let end;
      while ((end = answers.indexOf('\r\n\r\n')) !== -1) {
        answers = answers.slice(end + 4);
        this.posting = false;
        this.flush();
      }
    });
    posts.on('connect', () => resolve(this));
  }

  send(text) {
    this.outbox.push(text);
    this.flush();
  }

  flush() {
    if (this.posting || this.outbox.length === 0) return;
    this.posting = true;
    const body = Buffer.from(this.outbox.join('\n'));
    this.outbox = [];
    this.posts.write(
      `POST ${this.path}?session=${this.session} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    this.posts.write(body);
  }

  /** Decodes `Transfer-Encoding: chunked` (RFC 9112 section 7.1): size in hex, CRLF, data, CRLF. */
  receiveChunked(text) {
    this.chunked += text;
    for (;;) {
      const lineEnd = this.chunked.indexOf('\r\n');
      if (lineEnd === -1) break;
      const size = parseInt(this.chunked.slice(0, lineEnd), 16);
      if (this.chunked.length < lineEnd + 2 + size + 2) break;
      this.events += this.chunked.slice(lineEnd + 2, lineEnd + 2 + size);
      this.chunked = this.chunked.slice(lineEnd + 2 + size + 2);
    }
    this.receiveEvents();
  }

  receiveEvents() {
    let end;
    while ((end = this.events.indexOf('\n\n')) !== -1) {
      const block = this.events.slice(0, end);
      this.events = this.events.slice(end + 2);
      const data = block.indexOf('data: ');
      if (data === -1) continue; // a heartbeat comment
      // Decoded as latin1: the bench's messages are ASCII.
      const text = block.slice(data + 6);
      if (block.startsWith('event: session')) this.session = JSON.parse(text).session;
      else this.onFrame(text);
    }
  }

  close() {
    this.stream?.destroy();
    this.posts?.destroy();
  }
}
