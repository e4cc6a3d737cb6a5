#!/usr/bin/env node
/**
 * rtc-relay: runs the signaling relay, serving the browser build, the demo pages and /healthz on one port.
 * Flags win over environment variables; docs/relay.md has the details.
 */
import { parseArgs } from 'node:util';
import type { RelayOptions } from './options.js';
import { createRelay } from './server.js';

const USAGE = `Usage: rtc-relay [options]

Options (environment variable in brackets):
  --port <n>               port to listen on; 0 picks a free one [PORT] (default 8787)
  --host <address>         interface to listen on [HOST] (default 0.0.0.0: every interface)
  --path <path>            signaling endpoint, WebSocket and SSE (default /signal)
  --ice-servers <json>     ICE servers for clients, a JSON array of RTCIceServer [ICE_SERVERS]
  --allowed-origins <list> comma-separated page origins allowed to connect [ALLOWED_ORIGINS]
                           (default: any origin)
  --max-peers <n>          peers per room (default 32)
  --max-connections <n>    open connections, plus peers within their resume grace (default 10000)
  --max-connections-per-ip <n>
                           open connections one client address may hold (default 100)
  --joins-per-minute-per-ip <n>
                           joins one client address may make a minute (default 120)
  --trust-proxy <list>     comma-separated proxies (addresses, CIDR blocks, loopback, linklocal,
                           uniquelocal) whose X-Forwarded-For names the client [TRUST_PROXY]
  --max-payload <bytes>    largest inbound frame (default 65536)
  --request-timeout <ms>   time a TCP connection has to send a whole request (default 10000)
  --resume-grace <ms>      how long a lost peer keeps its place (default 30000)
  --max-held-bytes-per-peer <bytes>
                           signals held for one peer within its grace (default 262144)
  --max-held-bytes <bytes> signals held for all peers within their grace (default 33554432)
  -h, --help               print this help and exit

SIGTERM or SIGINT closes every client with 1012 (service restart) and exits 0.
`;

/** A mistake in the command line: print it with a hint and exit 2. */
class UsageError extends Error {}

function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): RelayOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      path: { type: 'string' },
      'ice-servers': { type: 'string' },
      'allowed-origins': { type: 'string' },
      'max-peers': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-ip': { type: 'string' },
      'joins-per-minute-per-ip': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'max-payload': { type: 'string' },
      'request-timeout': { type: 'string' },
      'resume-grace': { type: 'string' },
      'max-held-bytes-per-peer': { type: 'string' },
      'max-held-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';

  // An empty variable (`PORT=` in an env file) counts as unset.
  const fromEnv = (name: string): string | undefined => env[name] || undefined;
  const origins = values['allowed-origins'] ?? fromEnv('ALLOWED_ORIGINS');
  const iceServers = values['ice-servers'] ?? fromEnv('ICE_SERVERS');
  const trustProxy = values['trust-proxy'] ?? fromEnv('TRUST_PROXY');
  return {
    port: integer('--port', values.port ?? fromEnv('PORT') ?? '8787'),
    host: values.host ?? fromEnv('HOST') ?? '0.0.0.0',
    path: values.path,
    iceServers: iceServers === undefined ? undefined : json('--ice-servers', iceServers),
    allowedOrigins: list(origins),
    maxPeersPerRoom: optionalInteger('--max-peers', values['max-peers']),
    maxConnections: optionalInteger('--max-connections', values['max-connections']),
    maxConnectionsPerIp: optionalInteger('--max-connections-per-ip', values['max-connections-per-ip']),
    joinsPerMinutePerIp: optionalInteger('--joins-per-minute-per-ip', values['joins-per-minute-per-ip']),
    trustProxy: list(trustProxy),
    maxPayload: optionalInteger('--max-payload', values['max-payload']),
    requestTimeout: optionalInteger('--request-timeout', values['request-timeout']),
    resumeGrace: optionalInteger('--resume-grace', values['resume-grace']),
    maxHeldBytesPerPeer: optionalInteger('--max-held-bytes-per-peer', values['max-held-bytes-per-peer']),
    maxHeldBytes: optionalInteger('--max-held-bytes', values['max-held-bytes']),
  };
}

/** A comma-separated list, its entries trimmed, empty ones dropped. */
function list(text: string | undefined): string[] | undefined {
  return text
    ?.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function optionalInteger(flag: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : integer(flag, text);
}

function json(flag: string, text: string): RelayOptions['iceServers'] {
  try {
    return JSON.parse(text) as RelayOptions['iceServers'];
  } catch {
    throw new UsageError(`${flag} must be JSON, e.g. '[{"urls":"stun:stun.example.org:3478"}]'`);
  }
}

function displayHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

async function main(): Promise<void> {
  let options: RelayOptions | 'help';
  let relay;
  try {
    options = parseCommandLine(process.argv.slice(2), process.env);
    if (options === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    relay = createRelay(options);
  } catch (error) {
    // parseArgs and createRelay both throw TypeErrors that name the culprit.
    if (!(error instanceof UsageError || error instanceof TypeError)) throw error;
    process.stderr.write(`rtc-relay: ${error.message}\nRun rtc-relay --help for usage.\n`);
    process.exit(2);
  }

  const stop = async (): Promise<void> => {
    await relay.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  try {
    await relay.ready;
  } catch (error) {
    process.stderr.write(`rtc-relay: cannot listen: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`rtc-relay listening on http://${displayHost(options.host ?? '0.0.0.0')}:${relay.port}\n`);
}

await main();
