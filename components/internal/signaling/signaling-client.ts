/**
 * The client side of the signaling protocol (docs/protocol.md): one connection to a relay, one room,
 * over WebSocket or SSE + POST (transport.ts).
 *
 * It keeps the peer's identity across lost connections: it reconnects with exponential backoff and
 * full jitter, sends the `resume` token from its last `welcome`, and rejoins the room with the same
 * id, so a relay restart, a network blip or a switch of transport does not look like a leave.
 * Signals sent while it is reconnecting are queued and delivered after the rejoin.
 *
 * A relay that requires join tokens gets the `token` given, or a fresh one from `tokenUrl` before
 * every join. ICE servers come with each `welcome`, and refreshIceServers() asks for fresh ones
 * (TURN credentials expire) before an ICE restart.
 *
 * With `transport: 'auto'` it tries WebSocket first; an attempt that cannot open, or is cut before
 * the relay says anything, is tried again over SSE at once (a proxy that breaks upgrades), and
 * whichever reached `welcome` is what this page uses for that endpoint from then on.
 *
 * It never touches the DOM (it runs in Node too, given WebSocket and EventSource constructors); the
 * Room core and the elements listen to its typed events.
 */
import {
  CloseCodes,
  isFinalError,
  Transports,
  VERSION_HINT,
  type ErrorCode,
  type IceServer,
  type IceServersRequest,
  type JoinMessage,
  type JsonValue,
  type NameMessage,
  type PeerInfo,
  type ServerMessage,
  type SignalOutMessage,
  type WelcomeMessage,
} from '../../../protocol/signaling.js';
import { scriptFolder } from '../script-folder.js';
import type { TokenUnavailable } from './join-token.js';
import { lazyTransport } from './lazy-transport.js';
import type {
  OpenTransport,
  SignalingTransport,
  TransportChoice,
  TransportGlobals,
  TransportName,
} from './transport.js';
import { openWebSocket } from './websocket-transport.js';

export type { IceServer, JsonValue, PeerInfo } from '../../../protocol/signaling.js';
export type { TransportChoice, TransportGlobals, TransportName } from './transport.js';

/** Where a client is in its life. */
export type SignalingState =
  /** Created, `connect()` not called yet. */
  | 'idle'
  /** Opening the socket or waiting for `welcome`. */
  | 'connecting'
  /** In the room: signals flow. */
  | 'joined'
  /** The connection was lost; a new attempt is scheduled. */
  | 'reconnecting'
  /** Closed for good: `close()` was called or the relay refused the join. */
  | 'closed';

/** Codes a client reports: the relay's codes plus its own. */
export type SignalingErrorCode =
  | ErrorCode
  /** The socket closed before the room was joined: the relay could not be reached, or closed it. */
  | 'connection-failed'
  /** More signals were queued during an outage than the queue holds; the oldest were dropped. */
  | 'queue-overflow'
  /** The relay sent something that is not a protocol v1 message. */
  | 'protocol-error'
  /** `tokenUrl` gave no token: retried with backoff, unless the site refused (a 4xx). */
  | 'token-unavailable';

export interface SignalingErrorDetail {
  code: SignalingErrorCode;
  message: string;
  /** What the user or the page author can do about it. */
  hint: string;
  /** True when the client gave up (state is now `closed`). */
  fatal: boolean;
}

export interface WelcomeDetail {
  id: string;
  room: string;
  peers: PeerInfo[];
  iceServers: IceServer[];
  /** True when this is a rejoin that kept the earlier id. */
  rejoined: boolean;
}

export interface SignalDetail {
  from: string;
  data: JsonValue;
}

/** The events a SignalingClient dispatches, all CustomEvents. */
export interface SignalingEventMap {
  state: CustomEvent<{ state: SignalingState }>;
  welcome: CustomEvent<WelcomeDetail>;
  'peer-joined': CustomEvent<PeerInfo>;
  'peer-left': CustomEvent<{ id: string }>;
  /** A peer changed its display name. */
  'peer-renamed': CustomEvent<PeerInfo>;
  signal: CustomEvent<SignalDetail>;
  error: CustomEvent<SignalingErrorDetail>;
  /** The relay's ICE servers changed: with each welcome, and each answer to refreshIceServers(). */
  'ice-servers': CustomEvent<{ iceServers: IceServer[] }>;
}

export interface SignalingClientOptions {
  /**
   * The relay's signaling endpoint: `ws:`/`wss:` or `http:`/`https:` (turned into ws), absolute or
   * relative to the page. Default: `defaultSignalingUrl()`, `signal` beside the script the page loaded.
   */
  url?: string;
  /** The room to join. */
  room: string;
  /** Display name sent to the others. */
  name?: string;
  /** A join token for relays that require one (docs/security.md). */
  token?: string;
  /**
   * A URL of the site that answers with a fresh join token (text, or JSON `{token}`), fetched before
   * every join; it wins over `token`.
   */
  tokenUrl?: string;
  /** ms refreshIceServers() waits for the relay's answer before it keeps the servers it has. Default 2000. */
  iceServersTimeout?: number;
  /** First reconnect delay ceiling in ms (the delay is random in [0, ceiling]). Default 500. */
  reconnectBaseDelay?: number;
  /** Largest reconnect delay ceiling in ms. Default 10000. */
  reconnectMaxDelay?: number;
  /** How many outgoing signals are kept while disconnected. Default 1000. */
  maxQueuedSignals?: number;
  /** `websocket`, `sse`, or `auto` (default): WebSocket, and SSE when WebSocket does not get through. */
  transport?: TransportChoice;
  /**
   * With `auto`: ms an attempt may go without a word from the relay before the other transport is
   * tried (a proxy that holds a WebSocket upgrade unanswered). Default 5000.
   */
  fallbackTimeout?: number;
  /** Constructors to use instead of the globals (in Node: `ws`'s WebSocket, an EventSource package). */
  globals?: TransportGlobals;
}

const OPENERS: Record<TransportName, OpenTransport> = {
  [Transports.WebSocket]: openWebSocket,
  [Transports.Sse]: lazyTransport(async () => (await import('./sse-transport.js')).openEventStream),
};

/**
 * A transport choice as given (an attribute's value, say); anything else is `auto`, as an HTML
 * enumerated attribute falls back to its default for an invalid value.
 */
function choiceOf(value: string): TransportChoice {
  return value === Transports.WebSocket || value === Transports.Sse ? value : 'auto';
}

/** Per endpoint: the transport that last reached `welcome` in this page; `auto` starts with it. */
const workedFor = new Map<string, TransportName>();

/**
 * `signal` beside the script the page loaded (`rtc-elements.js`: a relay under a path prefix is found
 * too), as a ws:/wss: URL. Unbuilt (tests, an application's bundler), `/signal` on this module's origin.
 */
export function defaultSignalingUrl(): string {
  return scriptFolder ? toWebSocketUrl('signal', scriptFolder) : toWebSocketUrl('/signal', import.meta.url);
}

/** Resolves `url` against the page and turns http(s) into ws(s). */
export function toWebSocketUrl(url: string, base: string = globalThis.document?.baseURI ?? import.meta.url): string {
  const resolved = new URL(url, base);
  // http: -> ws:, https: -> wss: (both special schemes, so the URL accepts the switch).
  resolved.protocol = resolved.protocol.replace('http', 'ws');
  if (!/^wss?:$/.test(resolved.protocol)) {
    throw new TypeError(`signaling URL must be ws:, wss:, http: or https:, got "${url}"`);
  }
  return resolved.href;
}

// Typed addEventListener for the events above: an interface merged with the class declares the
// overloads without code (the usual typed-EventTarget pattern).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SignalingClient {
  addEventListener<K extends keyof SignalingEventMap>(
    type: K,
    listener: (event: SignalingEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof SignalingEventMap>(
    type: K,
    listener: (event: SignalingEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SignalingClient extends EventTarget {
  readonly url: string;
  readonly room: string;
  /** Our display name: sent in `join`, and changed with rename(). */
  name: string;

  /** Our id in the room, once joined (kept across reconnects). */
  id: string | null = null;
  /** ICE servers from the relay's last `welcome`. */
  iceServers: IceServer[] = [];

  #options: Required<Omit<SignalingClientOptions, 'url' | 'token' | 'tokenUrl' | 'name' | 'transport'>>;
  #token: string | undefined;
  #tokenUrl: string | undefined;
  /** An answer to refreshIceServers() awaited from the relay, shared by every caller meanwhile. */
  #iceRequest: Promise<IceServer[]> | undefined;
  #answerIceRequest: (() => void) | undefined;
  #state: SignalingState = 'idle';
  #choice: TransportChoice;
  /** The transport of the current (or next) attempt. */
  #kind: TransportName;
  #connection: SignalingTransport | undefined;
  /** Counts attempts: events of an attempt that is no longer the current one are ignored. */
  #run = 0;
  /** The relay said something on the current attempt (so it got through, even if it then closed). */
  #heard = false;
  /** `auto` already tried the other transport in this round of attempts. */
  #fellBack = false;
  #fallbackTimer: ReturnType<typeof setTimeout> | undefined;
  #resume: string | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Signals waiting for the relay, or for an unconfirmed peer to return; oldest first. */
  #queue: SignalOutMessage[] = [];
  #peers = new Map<string, PeerInfo>();
  /**
   * Peers we knew before a rejoin, until the relay lists them again. When the relay lost our session
   * (a relay restart) they are kept for a while and reported as left only if they do not come back,
   * so a restart is not a leave; the relay would refuse a signal to a peer not back yet, so those
   * signals wait in the queue until it returns.
   */
  #unconfirmed = new Set<string>();
  #unconfirmedTimer: ReturnType<typeof setTimeout> | undefined;

  constructor({ url, name = '', transport = 'auto', token, tokenUrl, ...options }: SignalingClientOptions) {
    super();
    this.#options = {
      reconnectBaseDelay: 500,
      reconnectMaxDelay: 10_000,
      maxQueuedSignals: 1000,
      fallbackTimeout: 5000,
      iceServersTimeout: 2000,
      globals: {},
      ...options,
    };
    this.useToken(token, tokenUrl);
    this.url = url ? toWebSocketUrl(url) : defaultSignalingUrl();
    this.room = options.room;
    this.name = name;
    this.#choice = choiceOf(transport);
    this.#kind = this.#firstKind();
  }

  get state(): SignalingState {
    return this.#state;
  }

  /** The transport of the current connection (or of the next attempt). */
  get transport(): TransportName {
    return this.#kind;
  }

  /**
   * Uses `choice` from now on. A connection open over another transport is let go with "I will come
   * back" and the room is joined again over the new one with the same id: the others see nothing.
   */
  useTransport(choice: TransportChoice): void {
    if (choiceOf(choice) === this.#choice) return;
    this.#choice = choiceOf(choice);
    const kind = this.#firstKind();
    if (kind === this.#kind) return;
    this.#kind = kind;
    if (this.#state !== 'connecting' && this.#state !== 'joined') return;
    this.#connection?.abandon();
    this.#connection = undefined;
    this.#run++;
    this.#setState('reconnecting');
    this.connect();
  }

  /** The join token (or the URL to fetch one from) of the next joins; an empty string is none. */
  useToken(token: string | undefined, tokenUrl: string | undefined): void {
    this.#token = token || undefined;
    this.#tokenUrl = tokenUrl || undefined;
  }

  /** The other peers in the room, as far as this client knows. */
  get peers(): PeerInfo[] {
    return [...this.#peers.values()];
  }

  /**
   * Opens the connection and joins the room. Safe to call more than once. Throws (and changes
   * nothing) when the browser refuses the URL at once, as `new WebSocket()` does.
   */
  connect(): void {
    if (this.#state === 'connecting' || this.#state === 'joined') return;
    clearTimeout(this.#retryTimer);
    const run = ++this.#run;
    const tokenUrl = this.#tokenUrl;
    if (tokenUrl === undefined) return this.#open(run);
    this.#setState('connecting');
    import('./join-token.js')
      .then(({ fetchJoinToken }) => fetchJoinToken(tokenUrl, this.#options.globals.fetch))
      .then(
        (token) => {
          if (run !== this.#run) return;
          this.#token = token;
          this.#openAfterToken(run);
        },
        // A TokenUnavailable, or the module could not be loaded (no `refused`, no `hint`: retried;
        // an undefined `refused` leaves #report() its default, not final).
        ({ message, refused, hint = 'Retrying.' }: Partial<TokenUnavailable> & Error) => {
          if (run !== this.#run) return;
          this.#report('token-unavailable', message, hint, refused);
          if (!refused) this.#retryLater();
        },
      );
  }

  /** Opens the connection of attempt `run`; it joins once open. Throws when the browser refuses the URL. */
  #open(run: number): void {
    const current = () => run === this.#run;
    this.#heard = false;
    // A URL the browser will not open (one with a #fragment, say; Chromium 156 does not throw for a
    // blocked port) throws here, as a bad scheme throws from the constructor: nothing to retry.
    this.#connection = OPENERS[this.#kind](
      this.url,
      {
        open: () => {
          if (current()) this.#join();
        },
        message: (text) => {
          if (!current()) return;
          this.#heard = true;
          clearTimeout(this.#fallbackTimer);
          this.#onMessage(text);
        },
        close: (code) => {
          if (current()) this.#onClose(code);
        },
      },
      this.#options.globals,
    );
    // With a `tokenUrl`, the state is `connecting` since the fetch began.
    if (this.#state !== 'connecting') this.#setState('connecting');
    if (this.#canFallBack()) {
      this.#fallbackTimer = setTimeout(() => {
        if (!current()) return;
        this.#connection?.abandon();
        this.#onClose(CloseCodes.Abnormal);
      }, this.#options.fallbackTimeout);
    }
  }

  /**
   * Asks the relay for fresh ICE servers (TURN credentials expire) and resolves with them; resolves
   * with the servers held when not joined, or when no answer comes within `iceServersTimeout` (a
   * relay older than the `ice-servers` message). Fires `ice-servers` when they change.
   */
  refreshIceServers(): Promise<IceServer[]> {
    if (this.#iceRequest) return this.#iceRequest;
    const request: IceServersRequest = { type: 'ice-servers' };
    if (this.#state !== 'joined' || !this.#connection?.send(JSON.stringify(request))) {
      return Promise.resolve(this.iceServers);
    }
    this.#iceRequest = new Promise((resolve) => {
      const timer = setTimeout(() => this.#answerIceRequest?.(), this.#options.iceServersTimeout);
      this.#answerIceRequest = () => {
        clearTimeout(timer);
        this.#iceRequest = this.#answerIceRequest = undefined;
        resolve(this.iceServers);
      };
    });
    return this.#iceRequest;
  }

  /**
   * Sends `data` to peer `to`. While the connection is down the signal waits in a queue and is
   * delivered after the rejoin.
   */
  signal(to: string, data: JsonValue): void {
    this.#send({ type: 'signal', to, data });
  }

  /**
   * Changes the name the others see: sent now when joined, and in every later `join` (a reconnect
   * sends it anyway).
   */
  rename(name: string): void {
    if (name === this.name) return;
    this.name = name;
    // A connection that is closing takes nothing: the next join carries the name.
    if (this.#state === 'joined') this.#connection?.send(JSON.stringify({ type: 'name', name } satisfies NameMessage));
  }

  /** Leaves the room and closes the connection for good. */
  close(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#unconfirmedTimer);
    clearTimeout(this.#fallbackTimer);
    globalThis.removeEventListener?.('online', this.#onOnline);
    this.#run++;
    this.#connection?.leave(); // the others get peer-left at once
    this.#connection = undefined;
    this.#queue.length = 0;
    this.#peers.clear();
    this.#unconfirmed.clear();
    this.#answerIceRequest?.();
    this.#setState('closed');
  }

  /** Opens attempt `run` once its token is in; a URL the browser refuses ends the client. */
  #openAfterToken(run: number): void {
    try {
      this.#open(run);
    } catch (error) {
      this.#report('connection-failed', (error as Error).message, 'Check the signaling URL.', true);
    }
  }

  #join(): void {
    // JSON leaves out the fields that are undefined.
    const join: JoinMessage = {
      type: 'join',
      room: this.room,
      name: this.name || undefined,
      token: this.#token,
      resume: this.#resume,
    };
    this.#connection?.send(JSON.stringify(join));
  }

  /** `auto`, and the other transport not tried yet in this round of attempts. */
  #canFallBack(): boolean {
    return this.#choice === 'auto' && !this.#fellBack;
  }

  /** `auto` starts with what worked for this endpoint in this page, else WebSocket. */
  #firstKind(): TransportName {
    if (this.#choice !== 'auto') return this.#choice;
    return workedFor.get(this.url) ?? Transports.WebSocket;
  }

  #onMessage(raw: string): void {
    let message: ServerMessage | undefined;
    try {
      message = JSON.parse(raw) as ServerMessage;
    } catch {
      // Reported below, like any frame that is not a protocol v1 message.
    }
    switch (message?.type) {
      case 'welcome':
        return this.#onWelcome(message);
      case 'peer-joined':
        return this.#addPeer({ id: message.id, name: message.name });
      case 'peer-left':
        return this.#removePeer(message.id);
      case 'peer-renamed':
        return this.#renamePeer({ id: message.id, name: message.name });
      case 'signal':
        return this.#emit('signal', { from: message.from, data: message.data });
      case 'ice-servers':
        return this.#onIceServers(message.iceServers);
      case 'error':
        // A relay older than the `ice-servers` message: we keep the servers we have, quietly.
        if (message.code === ('unknown-type' satisfies ErrorCode) && this.#answerIceRequest)
          return this.#answerIceRequest();
        return this.#report(message.code, message.message, message.hint, this.#endsSession(message.code));
      default:
        this.#report('protocol-error', 'The relay sent a frame that is not a protocol v1 message.');
    }
  }

  #onWelcome(welcome: WelcomeMessage): void {
    const rejoined = welcome.id === this.id;
    this.id = welcome.id;
    this.#resume = welcome.resume;
    this.iceServers = welcome.iceServers;
    this.#attempt = 0;
    this.#fellBack = false;
    if (this.#choice === 'auto') workedFor.set(this.url, this.#kind);
    globalThis.addEventListener?.('online', this.#onOnline);

    // Each peer we knew stays only if the relay lists it (on a first join we knew none).
    for (const id of this.#peers.keys()) this.#unconfirmed.add(id);
    for (const peer of welcome.peers) {
      // On a first join the list is news to nobody: the welcome event carries it.
      if (rejoined) this.#addPeer(peer);
      else this.#peers.set(peer.id, peer);
    }
    const dropUnconfirmed = () => {
      for (const id of this.#unconfirmed) this.#removePeer(id);
    };
    clearTimeout(this.#unconfirmedTimer);
    // When the relay kept our session, its list is the truth: the others missing left meanwhile.
    if (welcome.resumed) dropUnconfirmed();
    // When it lost our session (it restarted), they may simply not be back yet: we wait long enough
    // for their own backoff and reconnect, even with a short delay ceiling.
    else this.#unconfirmedTimer = setTimeout(dropUnconfirmed, Math.max(this.#options.reconnectMaxDelay * 3, 5000));

    this.#setState('joined');
    this.#emit('welcome', {
      id: welcome.id,
      room: welcome.room,
      peers: this.peers,
      iceServers: this.iceServers,
      rejoined,
    });
    // A rejoin brings fresh TURN credentials: the links of a long call take them too.
    this.#iceServersChanged();
    this.#flush();
  }

  /** The relay's answer to refreshIceServers(). */
  #onIceServers(iceServers: IceServer[]): void {
    this.iceServers = iceServers;
    this.#iceServersChanged();
  }

  #iceServersChanged(): void {
    this.#emit('ice-servers', { iceServers: this.iceServers });
    this.#answerIceRequest?.();
  }

  /**
   * Whether an error from the relay ends the session: a final one, or an expired token when there is
   * no `tokenUrl` to get a fresh one from (the same token would be refused again).
   */
  #endsSession(code: string): boolean {
    return isFinalError(code) || (code === ('token-expired' satisfies ErrorCode) && this.#tokenUrl === undefined);
  }

  /** The current connection closed (close() lets go of it first, so this is no goodbye). */
  #onClose(code: number): void {
    this.#connection = undefined;
    clearTimeout(this.#fallbackTimer);
    this.#answerIceRequest?.();
    // `auto`: an attempt the relay never answered may have met a proxy that breaks this transport.
    // The other one is tried at once, not after the backoff.
    if (this.#canFallBack() && !this.#heard) {
      this.#fellBack = true;
      this.#kind = this.#kind === Transports.WebSocket ? Transports.Sse : Transports.WebSocket;
      this.#setState('reconnecting');
      return this.connect();
    }
    this.#fellBack = false;
    this.#kind = this.#firstKind();
    // Said once, on the first failure to join; later attempts retry quietly.
    if (!this.#attempt && !this.id) {
      this.#report(
        'connection-failed',
        `Could not join the room at ${this.url} (close code ${code}).`,
        'Check the signaling URL and that the relay runs. Retrying.',
      );
    }
    this.#retryLater();
  }

  /** Schedules the next attempt: exponential backoff with full jitter. */
  #retryLater(): void {
    this.#setState('reconnecting');
    // A random delay in [0, min(max, base * 2^attempt)].
    const { reconnectBaseDelay, reconnectMaxDelay } = this.#options;
    const ceiling = Math.min(reconnectMaxDelay, reconnectBaseDelay * 2 ** this.#attempt++);
    this.#retryTimer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  /**
   * The network came back: skip the rest of the backoff wait. (Listened to from the first welcome
   * until close(), and connect() does nothing while connecting or joined.)
   */
  #onOnline = (): void => this.connect();

  #send(message: SignalOutMessage): void {
    if (this.#state === 'closed') return;
    const sendable = this.#state === 'joined' && !this.#unconfirmed.has(message.to);
    // A connection that is closing takes nothing: the signal waits for the rejoin.
    if (sendable && this.#connection?.send(JSON.stringify(message))) return;
    if (this.#queue.push(message) > this.#options.maxQueuedSignals) {
      this.#queue.shift();
      this.#report(
        'queue-overflow',
        `More than ${this.#options.maxQueuedSignals} signals waited for the relay.`,
        'The relay was away too long; the oldest messages were dropped.',
      );
    }
  }

  /** Sends what can go now, oldest first; the signals for unconfirmed peers wait on. */
  #flush(): void {
    for (const message of this.#queue.splice(0)) this.#send(message);
  }

  #addPeer(peer: PeerInfo): void {
    // A peer we already know is listed again after a rejoin: its link never went away, so no news,
    // but the signals that waited for it can go now.
    if (this.#unconfirmed.delete(peer.id)) this.#flush();
    else if (!this.#peers.has(peer.id)) {
      this.#peers.set(peer.id, peer);
      this.#emit('peer-joined', peer);
    }
  }

  #renamePeer(peer: PeerInfo): void {
    // A name is text from a peer: kept as a string, rendered only through text bindings.
    if (!this.#peers.has(peer.id) || typeof peer.name !== 'string') return;
    this.#peers.set(peer.id, peer);
    this.#emit('peer-renamed', peer);
  }

  #removePeer(id: string): void {
    // The signals that waited for an unconfirmed peer go with it (the relay would refuse them).
    if (this.#unconfirmed.delete(id)) this.#queue = this.#queue.filter((message) => message.to !== id);
    if (this.#peers.delete(id)) this.#emit('peer-left', { id });
  }

  #report(code: SignalingErrorCode, message: string, hint = VERSION_HINT, fatal = isFinalError(code)): void {
    this.#emit('error', { code, message, hint, fatal });
    if (fatal) this.close();
  }

  /** Every call is a change: connect() and close() return early when there would be none. */
  #setState(state: SignalingState): void {
    this.#state = state;
    this.#emit('state', { state });
  }

  #emit<K extends keyof SignalingEventMap>(type: K, detail: SignalingEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
