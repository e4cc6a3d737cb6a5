import type { OpenTransport, SignalingTransport } from './transport.js';

/**
 * An opener whose transport's code is imported the first time a connection needs it: most pages
 * reach their relay over WebSocket and never download the SSE transport. Until the module is in, the
 * connection is not open (the client sends nothing before `open`); leaving or abandoning it then
 * means it is never opened. A module that cannot be loaded is a connection that could not open (1006).
 */
export function lazyTransport(load: () => Promise<OpenTransport>): OpenTransport {
  return (url, events, globals) => {
    let inner: SignalingTransport | undefined;
    let stopped = false;
    load().then(
      (open) => {
        if (!stopped) inner = open(url, events, globals);
      },
      () => {
        if (!stopped) events.close(1006);
      },
    );
    return {
      send: (text) => inner?.send(text) ?? false,
      leave() {
        stopped = true;
        inner?.leave();
      },
      abandon() {
        stopped = true;
        inner?.abandon();
      },
    };
  };
}
