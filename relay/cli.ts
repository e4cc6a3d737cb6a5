#!/usr/bin/env node
/**
 * rtc-relay: runs the signaling relay, serving the browser build, the demo pages, /healthz, /readyz
 * and (when asked) /metrics on one port, and logging JSON lines to standard output.
 * Flags win over environment variables; docs/relay.md has the details.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './log.js';
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
  --redis <url>            share rooms with every instance using this Redis [REDIS_URL]
                           (redis://host:6379; default: rooms live in this process)
  --max-held-bytes-per-peer <bytes>
                           signals held for one peer within its grace (default 262144)
  --max-held-bytes <bytes> signals held for all peers within their grace (default 33554432)
  --metrics                serve Prometheus metrics at /metrics
  --metrics-token <secret> serve them only with Authorization: Bearer <secret> [METRICS_TOKEN]
  --log-level <level>      fatal, error, warn, info, debug, trace or silent [LOG_LEVEL] (default info)
  --drain-window <ms>      on SIGTERM, how long to keep serving the clients it has before closing
                           them with 1012 (default 5000)

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

SIGTERM drains: /readyz turns 503 and new clients are refused at once, and after the drain window
every client is closed with 1012 (service restart) and it exits 0. SIGINT, or a second signal,
closes at once.

Run it with NODE_OPTIONS=--max-semi-space-size=8 (npm start does) to keep the memory of thousands
of idle connections low after they connect at once: docs/relay.md says why.
`;

/** A mistake in the command line: print it with a hint and exit 2. */
class UsageError extends Error {}

/** The command line as options for the relay, and the logger they name. */
interface CommandLine {
  options: RelayOptions;
  log: Logger;
}

function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): CommandLine | 'help' {
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
      metrics: { type: 'boolean' },
      'metrics-token': { type: 'string' },
      'log-level': { type: 'string' },
      'drain-window': { type: 'string' },
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
  const trustProxy = values['trust-proxy'] ?? fromEnv('TRUST_PROXY');
  const logLevel = values['log-level'] ?? fromEnv('LOG_LEVEL') ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const log = createLogger(logLevel);
  const publicKey = values['token-public-key'] ?? fromEnv('TOKEN_PUBLIC_KEY');
  const turnTtl = values['turn-ttl'] ?? fromEnv('TURN_TTL');
  const options: RelayOptions = {
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
    metrics: values.metrics,
    metricsToken: values['metrics-token'] ?? fromEnv('METRICS_TOKEN'),
    drainWindow: optionalInteger('--drain-window', values['drain-window']),
    logger: log,
    tokenSecret: values['token-secret'] ?? fromEnv('TOKEN_SECRET'),
    tokenSecretPrevious: values['token-secret-previous'] ?? fromEnv('TOKEN_SECRET_PREVIOUS'),
    tokenPublicKey: publicKey === undefined ? undefined : publicKeyFrom(publicKey),
    turnSecret: values['turn-secret'] ?? fromEnv('TURN_SECRET'),
    turnUrls: list(values['turn-urls'] ?? fromEnv('TURN_URLS')),
    turnTtl: optionalInteger('--turn-ttl', turnTtl),
    redis: values.redis ?? fromEnv('REDIS_URL'),
  };
  return { options, log };
}

function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
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
  let commandLine: CommandLine | 'help';
  let relay;
  try {
    commandLine = parseCommandLine(process.argv.slice(2), process.env);
    if (commandLine === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    relay = createRelay(commandLine.options);
  } catch (error) {
    // parseArgs and createRelay both throw TypeErrors that name the culprit.
    if (!(error instanceof UsageError || error instanceof TypeError)) throw error;
    process.stderr.write(`rtc-relay: ${error.message}\nRun rtc-relay --help for usage.\n`);
    process.exit(2);
  }
  const { options, log } = commandLine;

  // The first SIGTERM drains; SIGINT (Ctrl-C), or any second signal, closes at once.
  let stopping = false;
  const exitAfter = async (closed: Promise<void>): Promise<void> => {
    await closed;
    log.info({}, 'closed');
    process.exit(0);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const drain = signal === 'SIGTERM' && !stopping;
    stopping = true;
    log.info({ signal }, drain ? 'draining' : 'closing');
    void exitAfter(drain ? relay.drain() : relay.close());
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await relay.ready;
  } catch (error) {
    log.error({ err: error }, 'cannot listen');
    process.exit(1);
  }
  const url = `http://${displayHost(options.host ?? '0.0.0.0')}:${relay.port}`;
  log.info({ url, metrics: options.metrics === true || options.metricsToken !== undefined }, 'listening');
}

await main();
