/**
 * A call's media on a PeerLink: the tracks it sends, and what getStats() says of the link. These
 * are functions over a link rather than PeerLink's methods so that the pages that use links for
 * data channels only (`<rtc-datachannel>`, `<rtc-chat>`) do not download them.
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

/** The running totals of a link's inbound streams, as getStats() last reported them. */
interface Counted {
  lost: number;
  received: number;
  energy: number;
  duration: number;
}

/** Each link's totals at its last linkStats(), to report the loss and the audio level since then. */
const lastCounted = new WeakMap<PeerLink, Counted>();

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
  if (link.closed) return;
  for (const sender of link.pc.getSenders()) link.pc.removeTrack(sender);
}

/** Round-trip time, recent loss and remote audio level of `link`, from getStats(). */
export async function linkStats(link: PeerLink): Promise<LinkStats> {
  const result: LinkStats = { rtt: 0, loss: 0, audioLevel: 0 };
  const counted: Counted = { lost: 0, received: 0, energy: 0, duration: 0 };
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
  const previous = lastCounted.get(link) ?? { lost: 0, received: 0, energy: 0, duration: 0 };
  const lost = Math.max(0, counted.lost - previous.lost);
  const received = Math.max(0, counted.received - previous.received);
  if (lost + received > 0) result.loss = lost / (lost + received);
  // The level over the whole interval (webrtc-stats: the square root of the energy over the
  // duration), so a short sound between two calls counts; `audioLevel` alone is a moment.
  const duration = counted.duration - previous.duration;
  result.audioLevel = duration > 0 ? Math.sqrt(Math.max(0, counted.energy - previous.energy) / duration) : instant;
  lastCounted.set(link, counted);
  return result;
}
