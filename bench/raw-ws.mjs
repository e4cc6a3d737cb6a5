// A minimal WebSocket client for the load generator: a plain TCP socket, a hand-written upgrade, text
// frames with a zero masking key (RFC 6455 allows any key; XOR with zero is a copy), and a frame
// parser that hands out payload slices without decoding them. It keeps the load generator's cost per
// message far below the relay's, so the relay is the bottleneck being measured.
import { connect as tcpConnect } from 'node:net';
import { randomBytes } from 'node:crypto';

const ZERO_MASK = Buffer.alloc(4);

/** One frame's bytes: FIN + text, masked with a zero key. */
export function encodeText(text) {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, 0x80 | length])
      : length < 65536
        ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 255])
        : null;
  if (!header) throw new Error('frame too large for this client');
  return Buffer.concat([header, ZERO_MASK, payload]);
}

export class RawWebSocket {
  /** Resolves once the upgrade succeeded; set `onFrame(payload: Buffer)` to get every text frame. */
  static open(port, path) {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
      const client = new RawWebSocket(socket);
      let head = Buffer.alloc(0);
      const onData = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        if (!/^HTTP\/1\.1 101/.test(head.subarray(0, 12).toString()))
          return reject(new Error(`upgrade refused: ${head.subarray(0, end)}`));
        socket.on('data', (data) => client.receive(data));
        resolve(client);
        // Frames that came with the upgrade answer: after the caller has set onFrame.
        if (head.length > end + 4) setImmediate(() => client.receive(head.subarray(end + 4)));
      };
      socket.on('data', onData);
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.onFrame = () => {};
    this.pending = null;
    socket.on('error', () => {});
  }

  send(textOrFrame) {
    this.socket.write(typeof textOrFrame === 'string' ? encodeText(textOrFrame) : textOrFrame);
  }

  receive(chunk) {
    const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (buffer.length - at < 2) break;
      const opcode = buffer[at] & 0x0f;
      let length = buffer[at + 1] & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (buffer.length - at < 4) break;
        length = buffer.readUInt16BE(at + 2);
        start = at + 4;
      } else if (length === 127) {
        if (buffer.length - at < 10) break;
        length = Number(buffer.readBigUInt64BE(at + 2));
        start = at + 10;
      }
      if (buffer.length < start + length) break;
      const payload = buffer.subarray(start, start + length);
      at = start + length;
      if (opcode === 0x1) this.onFrame(payload);
      else if (opcode === 0x9)
        this.socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length]), ZERO_MASK, payload])); // pong
    }
    this.pending = at < buffer.length ? Buffer.from(buffer.subarray(at)) : null;
  }

  close() {
    this.socket.destroy();
  }
}
