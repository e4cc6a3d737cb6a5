#!/usr/bin/env node
/**
 * rtc-relay: runs the signaling relay, serving the browser build, the demo pages and /healthz on one port.
 * Flags win over environment variables; docs/relay.md has the details.
 */
import { readFileSync } from 'node:fs';
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
  --max-connections <n>    open connections (default 10000)
  --max-payload <bytes>    largest inbound frame (default 65536)
  --resume-grace <ms>      how long a lost peer keeps its place (default 30000)
  --redis <url>            share rooms with every instance using this Redis [REDIS_URL]
                           (redis://host:6379; default: rooms live in this process)

Join tokens (docs/security.md): with one of these, every join needs a signed token
  --token-secret <s>       HS256 secret, at least 32 characters [TOKEN_SECRET]
  --token-secret-previous <s>
                           the secret being rotated out, still accepted [TOKEN_SECRET_PREVIOUS]
  --token-public-key <key> ES256/RS256 public key: a PEM file, or a JWKS URL [TOKEN_PUBLIC_KEY]

TURN credentials (coturn's use-auth-secret): each peer gets its own, renewed
  --turn-secret <s>        coturn's static-auth-secret [TURN_SECRET]
  --turn-urls <list>       comma-separated turn:/turns: URLs of that server [TURN_URLS]
  --turn-ttl <seconds>     how long a credential stays valid [TURN_TTL] (default 86400)
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
      'max-payload': { type: 'string' },
      'resume-grace': { type: 'string' },
      'token-secret': { type: 'string' },
      'token-secret-previous': { type: 'string' },
      'token-public-key': { type: 'string' },
      'turn-secret': { type: 'string' },
      'turn-urls': { type: 'string' },
      'turn-ttl': { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';

  // An empty variable (`PORT=` in an env file) counts as unset.
  const fromEnv = (name: string): string | undefined => env[name] || undefined;
  const origins = values['allowed-origins'] ?? fromEnv('ALLOWED_ORIGINS');
  const iceServers = values['ice-servers'] ?? fromEnv('ICE_SERVERS');
  const publicKey = values['token-public-key'] ?? fromEnv('TOKEN_PUBLIC_KEY');
  const turnTtl = values['turn-ttl'] ?? fromEnv('TURN_TTL');
  return {
    port: integer('--port', values.port ?? fromEnv('PORT') ?? '8787'),
    host: values.host ?? fromEnv('HOST') ?? '0.0.0.0',
    path: values.path,
    iceServers: iceServers === undefined ? undefined : json('--ice-servers', iceServers),
    allowedOrigins: list(origins),
    maxPeersPerRoom: optionalInteger('--max-peers', values['max-peers']),
    maxConnections: optionalInteger('--max-connections', values['max-connections']),
    maxPayload: optionalInteger('--max-payload', values['max-payload']),
    resumeGrace: optionalInteger('--resume-grace', values['resume-grace']),
    tokenSecret: values['token-secret'] ?? fromEnv('TOKEN_SECRET'),
    tokenSecretPrevious: values['token-secret-previous'] ?? fromEnv('TOKEN_SECRET_PREVIOUS'),
    tokenPublicKey: publicKey === undefined ? undefined : publicKeyFrom(publicKey),
    turnSecret: values['turn-secret'] ?? fromEnv('TURN_SECRET'),
    turnUrls: list(values['turn-urls'] ?? fromEnv('TURN_URLS')),
    turnTtl: optionalInteger('--turn-ttl', turnTtl),
    redis: values.redis ?? fromEnv('REDIS_URL'),
  };
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

/** A comma-separated list, its items trimmed and empty ones dropped. */
function list(text: string | undefined): string[] | undefined {
  return text
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A JWKS URL or a PEM key as they are; anything else names a PEM file, which is read. */
function publicKeyFrom(value: string): string {
  if (/^https?:\/\//.test(value) || value.startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new UsageError(`--token-public-key: cannot read ${value} (${(error as NodeJS.ErrnoException).code})`);
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
