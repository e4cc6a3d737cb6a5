/** The WebSocket transport: one message per text frame (docs/protocol.md). */
import { CloseCodes } from '../../../protocol/signaling.js';
import type { OpenTransport } from './transport.js';

export const openWebSocket: OpenTransport = (url, events, globals) => {
  const WebSocketClass = globals.WebSocket ?? WebSocket;
  // A URL the browser will not open (one with a #fragment, say) throws here, as a bad scheme does.
  const socket = new WebSocketClass(url);
  socket.onopen = () => events.open();
  socket.onmessage = ({ data }) => events.message(data as string);
  socket.onclose = ({ code }) => events.close(code);
  const stop = (code: number) => {
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.close(code);
  };
  return {
    send(text) {
      if (socket.readyState !== WebSocketClass.OPEN) return false;
      socket.send(text);
      return true;
    },
    // 1000: we leave, the others get peer-left at once; 4000: we will be back, keep our place.
    leave() {
      stop(CloseCodes.Normal);
    },
    abandon() {
      stop(CloseCodes.Reconnecting);
    },
  };
};
