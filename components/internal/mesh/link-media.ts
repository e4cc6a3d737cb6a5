/**
 * A call's media on a PeerLink: the media sections set up before the first offer, the tracks sent,
 * a track switched without a renegotiation, sending stopped, and what getStats() says. Only
 * `<rtc-call>` (its CallController) sends media; every room element loads PeerLink, so this lives
 * apart from it and a chat or data-channel page does not download it (vite.config.ts leaves it out
 * of the `room` chunk). Like PeerLink, it is the only code besides it that touches the
 * RTCPeerConnection.
 */
import type { PeerLink } from './peer-link.js';

/** What getStats() says of a link, for a call's quality meter and speaking ring. */
export interface LinkStats {
  /** The selected candidate pair's current round-trip time, in seconds (0 when unknown). */
  rtt: number;
  /** The share of inbound packets lost since the last linkStats() of this link, 0 to 1. */
  loss: number;
  /** The remote audio's level since the last linkStats() of this link, 0 to 1 (0 without remote audio). */
  audioLevel: number;
}

/**
 * Gives the connection a media section of each kind (audio, video) it has none of yet, receiving
 * until a track is added (`addTrack` takes it over). A call calls this on each new link, before it
 * first negotiates: the first offer (the newcomer's, see Room) then settles the media sections and
 * their RTP header extension ids, and later offers only change directions, even when both peers
 * make one at once.
 *
 * Without it, two peers that add their tracks at the same moment each offer new media sections,
 * each numbering the header extensions its own way (Chromium and Firefox differ). Perfect
 * negotiation has the polite peer roll its offer back and take the other's; but Chromium (148 and
 * later) keeps the ids of an offer it rolled back and refuses one that gives such an id to another
 * extension ("RTP extension ID reassignment not supported"), after which that connection cannot
 * negotiate media at all. On the other side of the link (the peer that answers the first offer) the
 * sections come with that offer, and this adds nothing.
 */
export function reserveMedia(link: PeerLink): void {
  const kinds = new Set(link.pc.getTransceivers().map((transceiver) => transceiver.receiver.track.kind));
  for (const kind of ['audio', 'video']) {
    if (!kinds.has(kind)) link.pc.addTransceiver(kind, { direction: 'recvonly' });
  }
}

/** Sends `tracks` (of `stream`, which the other side receives them in); starts a negotiation. */
export function sendTracks(link: PeerLink, tracks: readonly MediaStreamTrack[], stream: MediaStream): void {
  for (const track of tracks) link.pc.addTrack(track, stream);
}

/**
 * Sends `track` instead of the track of its kind sent now, without a negotiation (replaceTrack).
 * A sender that sends nothing (after stopSending()) is left alone.
 */
export async function replaceTrack(link: PeerLink, track: MediaStreamTrack): Promise<void> {
  for (const sender of link.pc.getSenders()) {
    if (sender.track?.kind === track.kind) await sender.replaceTrack(track);
  }
}

/** Stops sending every track: the other side's receivers end. The link (and its channels) stays. */
export function stopSending(link: PeerLink): void {
  const pc = link.pc;
  if (pc.signalingState === 'closed') return;
  for (const sender of pc.getSenders()) pc.removeTrack(sender);
}

interface Counts {
  lost: number;
  received: number;
  energy: number;
  duration: number;
}

/** What the last linkStats() of each link counted, to report the loss and the audio level since then. */
const lastCounts = new WeakMap<PeerLink, Counts>();

/** Round-trip time, recent loss and remote audio level of `link`, from getStats(). */
export async function linkStats(link: PeerLink): Promise<LinkStats> {
  const result: LinkStats = { rtt: 0, loss: 0, audioLevel: 0 };
  const counted: Counts = { lost: 0, received: 0, energy: 0, duration: 0 };
  let instant = 0;
  for (const report of (await link.pc.getStats()).values()) {
    // The pair in use (Chromium marks it `nominated`; Firefox also `selected`).
    if (report.type === 'candidate-pair' && report.nominated && report.currentRoundTripTime !== undefined)
      result.rtt = report.currentRoundTripTime;
    if (report.type === 'inbound-rtp') {
      counted.lost += report.packetsLost ?? 0;
      counted.received += report.packetsReceived ?? 0;
      if (report.kind === 'audio') {
        counted.energy += report.totalAudioEnergy ?? 0;
        counted.duration += report.totalSamplesDuration ?? 0;
        instant = report.audioLevel ?? 0;
      }
    }
  }
  const previous = lastCounts.get(link) ?? { lost: 0, received: 0, energy: 0, duration: 0 };
  const lost = Math.max(0, counted.lost - previous.lost);
  const received = Math.max(0, counted.received - previous.received);
  if (lost + received > 0) result.loss = lost / (lost + received);
  // The level over the whole interval (webrtc-stats: the square root of the energy over the
  // duration), so a short sound between two calls counts; `audioLevel` alone is a moment.
  const duration = counted.duration - previous.duration;
  result.audioLevel = duration > 0 ? Math.sqrt(Math.max(0, counted.energy - previous.energy) / duration) : instant;
  lastCounts.set(link, counted);
  return result;
}
