// One relay under test, in its own process (so it can be pinned to a core and its RSS read alone).
//   node bench/relay-server.mjs ours|bare|bare-corked|peer '<ours: RelayOptions as JSON>'
// Listens on 127.0.0.1 port 0; sends {port, path} over IPC once listening; on 'mem' replies with
// {rss, heapUsed} after a full GC (run with --expose-gc); exits when its parent goes away.
// Ours with {"metrics": true} is scraped once a second, as Prometheus would (every 15 s, usually);
// with {"log": true} it logs through pino at info, into /dev/null.
import { createServer } from 'node:http';
import { createBareRelay } from './bare-relay.mjs';

const [kind, json = '{}'] = process.argv.slice(2);
const options = JSON.parse(json);
let close;

if (kind === 'ours') {
  const { createRelay } = await import('../dist/relay/index.js');
  const { log, ...relayOptions } = options;
  const { pino } = await import('pino');
  const logger = log ? pino({ level: 'info' }, pino.destination('/dev/null')) : false;
  const relay = createRelay({ port: 0, host: '127.0.0.1', logger, ...relayOptions });
  await relay.ready;
  // With `redis`, it serves once it is in sync with Redis.
  while (!relay.readiness().ready) await new Promise((resolve) => setTimeout(resolve, 20));
  if (relayOptions.metrics) setInterval(() => relay.metrics.registry.metrics(), 1000).unref();
  close = () => relay.close();
  process.send({ port: relay.port, path: '/signal' });
} else if (kind === 'bare' || kind === 'bare-corked') {
  const server = createServer((req, res) => res.end());
  createBareRelay({ server, cork: kind === 'bare-corked' });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => server.close();
  process.send({ port: server.address().port, path: '/bare' });
} else if (kind === 'peer') {
  const { PeerServer } = await import('peer');
  const server = await new Promise((resolve) =>
    PeerServer({ port: 0, host: '127.0.0.1', path: '/pj', key: 'peerjs', concurrent_limit: 100_000 }, resolve),
  );
  close = () => server.close();
  process.send({ port: server.address().port, path: '/pj/peerjs' });
} else {
  throw new Error(`unknown relay kind ${kind}`);
}

process.on('message', async (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: (user + system) / 1000, at: performance.now() });
  }
  if (message === 'mem') {
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ rss, heapUsed });
  }
});
process.on('disconnect', () => {
  Promise.resolve(close?.()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
