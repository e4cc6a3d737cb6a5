/**
 * Ports for the real servers the tests start (nginx, coturn, redis-server): none of them can
 * listen on port 0 and say which port it got, so a test picks a free one first and waits until the
 * server listens on it.
 */
import { connect, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The server a test waits for: its name for errors, whether it has exited, and what it printed. */
export interface Awaited {
  name: string;
  exited: () => boolean;
  output: () => string;
}

/**
 * Resolves once a TCP connection to `port` on 127.0.0.1 succeeds; rejects with the server's output
 * when it exits first or has not listened after 5 s.
 */
export async function waitForPort(port: number, server: Awaited): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (server.exited()) throw new Error(`${server.name} exited: ${server.output()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${server.name} did not listen on ${port}: ${server.output()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
