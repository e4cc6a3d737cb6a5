/**
 * A @web/test-runner plugin that runs real relays on the test server's own HTTP port, so pages reach
 * them same-origin: the relay named `default` answers at `/signal` (the endpoint an element uses when
 * it has no `signaling` attribute), any other relay `NAME` at `/relays/NAME/signal`.
 *
 * Browser tests drive it with `executeServerCommand` (see tests/browser/helpers.ts):
 *   relay-start {name, options?} -> {url}   start (or restart with the same name) a relay
 *   relay-stop  {name}                      close it: its clients get 1012; upgrades get 503 meanwhile
 *   relay-stats {name}          -> {connections, rooms, peers} | null
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createRelay, type Relay, type RelayOptions } from '../../relay/index.js';

interface ServerLike {
  on(event: 'upgrade', listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
}

type Payload = { name?: string; options?: Partial<RelayOptions> } | undefined;

const PREFIX = '/relays/';

export function relayPlugin() {
  const relays = new Map<string, Relay>();

  const pathOf = (name: string) => (name === 'default' ? '/signal' : `${PREFIX}${name}/signal`);

  async function start(name: string, options: Partial<RelayOptions> = {}): Promise<{ url: string }> {
    await relays.get(name)?.close();
    // Test relays are quiet; the browser sees everything it needs through the protocol.
    relays.set(name, createRelay({ noServer: true, logger: false, ...options }));
    return { url: pathOf(name) };
  }

  async function stop(name: string): Promise<void> {
    const relay = relays.get(name);
    relays.delete(name);
    await relay?.close();
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let name: string | undefined;
    if (path === '/signal') name = 'default';
    else if (path.startsWith(PREFIX) && path.endsWith('/signal')) name = path.slice(PREFIX.length, -'/signal'.length);
    else return; // not ours (the runner's own /wds socket, for instance)
    const relay = relays.get(name);
    if (relay) relay.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
  }

  return {
    name: 'rtc-relay',
    async serverStart({ server }: { server?: ServerLike }) {
      server?.on('upgrade', onUpgrade);
      await start('default');
    },
    async serverStop() {
      await Promise.all([...relays.values()].map((relay) => relay.close()));
      relays.clear();
    },
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      const { name = 'default', options } = (payload ?? {}) as NonNullable<Payload>;
      switch (command) {
        case 'relay-start':
          return start(name, options);
        case 'relay-stop':
          await stop(name);
          return true;
        case 'relay-stats':
          return relays.get(name)?.stats() ?? null;
        default:
          return undefined; // not ours
      }
    },
  };
}
