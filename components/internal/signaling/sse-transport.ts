/**
 * The SSE + POST transport (docs/protocol.md, "SSE + POST"): an EventSource carries the relay's
 * messages, POSTs carry ours, one JSON message per line, one POST in flight at a time so they keep
 * their order (messages sent meanwhile go together in the next one: a burst of ICE candidates is one
 * request).
 *
 * A stream that drops is reconnected at once with its session and last event id, and the relay
 * replays what it missed. When that fails (the relay no longer knows the session), the transport
 * reports 1006 and the client joins again with its resume token, keeping its id.
 */
import {
  CloseCodes,
  SseEvents,
  SseParams,
  type LeaveMessage,
  type SseCloseEvent,
  type SseSessionEvent,
} from '../../../protocol/signaling.js';
import type { OpenTransport } from './transport.js';

const LEAVE = JSON.stringify({ type: 'leave' } satisfies LeaveMessage);

export const openEventStream: OpenTransport = (url, events, globals) => {
  const EventSourceClass = globals.EventSource ?? EventSource;
  const post = globals.fetch ?? fetch;
  // The same endpoint over HTTP: ws: -> http:, wss: -> https:.
  const endpoint = new URL(url);
  endpoint.protocol = endpoint.protocol.replace('ws', 'http');

  let source: EventSource;
  let session = '';
  let lastEventId = '';
  /** A dropped stream is being reopened: failing before it opens ends the connection. */
  let reopening = false;
  let ended = false;
  let outbox: string[] = [];
  let posting = false;

  const sessionUrl = (params: Record<string, string>) => {
    const target = new URL(endpoint);
    target.searchParams.set(SseParams.Session, session);
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    return target.href;
  };

  const end = (code: number) => {
    if (ended) return;
    ended = true;
    source.close();
    events.close(code);
  };

  const listen = (stream: EventSource) => {
    source = stream;
    stream.onopen = () => {
      reopening = false;
    };
    stream.onmessage = (event) => {
      lastEventId = event.lastEventId;
      events.message(event.data as string);
    };
    stream.addEventListener(SseEvents.Session, (event) => {
      session = (JSON.parse((event as MessageEvent).data as string) as SseSessionEvent).session;
      events.open();
    });
    stream.addEventListener(SseEvents.Close, (event) => {
      end((JSON.parse((event as MessageEvent).data as string) as SseCloseEvent).code);
    });
    // EventSource would reconnect to the URL it was made with by itself, opening a new session:
    // we close it and reopen this session's stream instead, once.
    stream.onerror = () => {
      stream.close();
      if (ended || stream !== source) return;
      if (!session || reopening) return end(CloseCodes.Abnormal);
      reopening = true;
      listen(new EventSourceClass(sessionUrl({ [SseParams.LastEventId]: lastEventId })));
    };
  };

  const flush = () => {
    if (posting || ended || !session || outbox.length === 0) return;
    posting = true;
    const body = outbox.join('\n');
    outbox = [];
    // text/plain: a CORS simple request, no preflight.
    post(sessionUrl({}), { method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } }).then(
      (response) => {
        posting = false;
        // 404: the relay no longer knows this session (the stream tells why, if it can).
        if (response.status === 404) end(CloseCodes.Abnormal);
        else flush();
      },
      () => end(CloseCodes.Abnormal),
    );
  };

  listen(new EventSourceClass(endpoint.href));
  return {
    send(text) {
      if (ended) return false;
      outbox.push(text);
      flush();
      return true;
    },
    leave() {
      if (!ended && session) {
        // keepalive: the goodbye is sent even while the page unloads.
        void post(sessionUrl({}), {
          method: 'POST',
          body: [...outbox, LEAVE].join('\n'),
          headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
          keepalive: true,
        }).catch(() => undefined);
      }
      ended = true;
      source.close();
    },
    abandon() {
      // A stream that stops without `leave` is lost to the relay: it keeps our place.
      ended = true;
      source.close();
    },
  };
};
