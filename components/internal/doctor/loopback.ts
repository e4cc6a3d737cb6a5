/**
 * A data channel between two RTCPeerConnections of this page: whether it opens, its round trip and
 * its throughput. Through TURN when a TURN server works (relay candidates only: every packet goes
 * to the TURN server and back, as between two peers that need it); else directly, which still
 * proves WebRTC runs here.
 */
import { deadline, fail, isTimeout, median, nextEvent, pass, since, warn, type Outcome } from './outcome.js';

/** Pings timed once the channel is open; the report gives their median. */
const PINGS = 10;
/** The throughput is measured over this many ms of sending at most... */
const SEND_TIME = 1000;
/** ...or this many bytes, whichever comes first: a check through a metered connection (or a paid TURN server) stays cheap. */
const SEND_BYTES = 4 * 1024 * 1024;
/** The size of each message sent for the throughput. */
const CHUNK_SIZE = 16 * 1024;
/** Sending waits while this much is buffered, until `bufferedamountlow` (at LOW_WATER). */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** A round trip above this many ms makes conversation awkward (ITU-T G.114: 150 ms each way). */
const SLOW_ROUND_TRIP = 300;
/** Below this many Mbit/s a video call cannot get through (one 640x360 stream needs about 1). */
const LOW_THROUGHPUT = 1;

/** What the echoing side answers when asked how many bytes it received (`count:N`). */
const COUNT_REQUEST = 'count?';
const COUNT_PREFIX = 'count:';

/**
 * Opens a channel between two connections of this page with `iceServers`, through them only when
 * `relayOnly`, and measures it. Rejects only when the signal is aborted.
 */
export async function checkDataChannel(
  iceServers: RTCIceServer[],
  relayOnly: boolean,
  timeout: number,
  signal: AbortSignal,
): Promise<Outcome> {
  const configuration: RTCConfiguration = { iceServers, iceTransportPolicy: relayOnly ? 'relay' : 'all' };
  const route = relayOnly ? 'turn' : 'direct';
  const limit = deadline(signal, timeout);
  const offerer = new RTCPeerConnection(configuration);
  const answerer = new RTCPeerConnection(configuration);
  try {
    trickle(offerer, answerer);
    trickle(answerer, offerer);
    // Negotiated channels (the same id on both sides) are open as soon as the connection is.
    const sender = offerer.createDataChannel('doctor', { negotiated: true, id: 0 });
    const echo = answerer.createDataChannel('doctor', { negotiated: true, id: 0 });
    await Promise.all([nextEvent(sender, 'open', limit), nextEvent(echo, 'open', limit), negotiate(offerer, answerer)]);
    answerEchoes(echo);
    const rttMs = await roundTrip(sender, limit);
    const mbps = await throughput(sender, limit);
    const values = { rttMs, mbps, route };
    if (rttMs > SLOW_ROUND_TRIP || mbps < LOW_THROUGHPUT) return warn('datachannel-slow', values);
    return pass(relayOnly ? 'datachannel-turn' : 'datachannel-direct', values);
  } catch (error) {
    if (signal.aborted || !isTimeout(error)) throw error;
    return fail(relayOnly ? 'datachannel-turn-failed' : 'datachannel-failed', { route, seconds: timeout / 1000 });
  } finally {
    offerer.close();
    answerer.close();
  }
}

/** Offer and answer between two connections of the page, as signaling would carry them. */
async function negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection): Promise<void> {
  await offerer.setLocalDescription();
  await answerer.setRemoteDescription(offerer.localDescription!);
  await answerer.setLocalDescription();
  await offerer.setRemoteDescription(answerer.localDescription!);
}

/** Hands `from`'s candidates to `to`, as signaling would between two peers. */
function trickle(from: RTCPeerConnection, to: RTCPeerConnection): void {
  from.addEventListener('icecandidate', ({ candidate }) => {
    // A connection closed meanwhile (the check ended) takes none: nothing to report.
    if (candidate) to.addIceCandidate(candidate).catch(() => {});
  });
}

/** The other end: sends each text message back, counts the bytes of the others, says the count when asked. */
function answerEchoes(channel: RTCDataChannel): void {
  let received = 0;
  channel.binaryType = 'arraybuffer';
  channel.addEventListener('message', ({ data }) => {
    if (data instanceof ArrayBuffer) received += data.byteLength;
    else if (data === COUNT_REQUEST) channel.send(`${COUNT_PREFIX}${received}`);
    else channel.send(data as string);
  });
}

/** The median of PINGS round trips, in ms. */
async function roundTrip(channel: RTCDataChannel, limit: AbortSignal): Promise<number> {
  const times: number[] = [];
  for (let ping = 0; ping < PINGS; ping++) {
    const text = `ping:${ping}`;
    const start = performance.now();
    const back = nextEvent<MessageEvent>(channel, 'message', limit, ({ data }) => data === text);
    channel.send(text);
    await back;
    times.push(since(start));
  }
  return median(times);
}

/**
 * Sends as fast as the channel takes it, for SEND_TIME ms or SEND_BYTES, then asks the other end
 * how much arrived: Mbit/s, to a tenth, over the time until its answer.
 */
async function throughput(channel: RTCDataChannel, limit: AbortSignal): Promise<number> {
  const chunk = new ArrayBuffer(CHUNK_SIZE);
  channel.bufferedAmountLowThreshold = LOW_WATER;
  const start = performance.now();
  for (let sent = 0; sent < SEND_BYTES && performance.now() - start < SEND_TIME; sent += CHUNK_SIZE) {
    if (channel.bufferedAmount > HIGH_WATER) await nextEvent(channel, 'bufferedamountlow', limit);
    // send() copies the data: one buffer serves every message.
    channel.send(chunk);
  }
  const answer = nextEvent<MessageEvent>(channel, 'message', limit, ({ data }) =>
    String(data).startsWith(COUNT_PREFIX),
  );
  channel.send(COUNT_REQUEST);
  const received = Number(String((await answer).data).slice(COUNT_PREFIX.length));
  const megabits = (received * 8) / 1e6;
  return Math.round((megabits / ((performance.now() - start) / 1000)) * 10) / 10;
}
