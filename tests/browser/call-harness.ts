/**
 * The harness the <rtc-call> test files share (as Material Web's tests do): a call of real peers in
 * one page (each with its own signaling URL, hence its own Room, socket and RTCPeerConnections),
 * its tiles and buttons, and a record of every track captured and connection made.
 */
import { fixture, html } from '@open-wc/testing';
import '../../components/rtc-call.js';
import type { RtcCall } from '../../components/rtc-call.js';
import type { RtcChat } from '../../components/rtc-chat.js';
import { Room } from '../../components/internal/mesh/room.js';
import { until, freshRoom } from './helpers.js';

// Every track captured and every peer connection made by the page, to check hang up leaves none.
export const captured: MediaStreamTrack[] = [];
let userMediaCalls = 0;
/** How many times getUserMedia was called so far. */
export const userMediaCount = () => userMediaCalls;
export const media = navigator.mediaDevices;
export const realGetUserMedia = media.getUserMedia.bind(media);
export const wrappedGetUserMedia = async (constraints?: MediaStreamConstraints) => {
  userMediaCalls++;
  const stream = await realGetUserMedia(constraints);
  captured.push(...stream.getTracks());
  return stream;
};
media.getUserMedia = wrappedGetUserMedia;
export const connections: RTCPeerConnection[] = [];
window.RTCPeerConnection = class extends RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    connections.push(this);
  }
};

// The per-peer events each call fired, by call element.
export const fired = new Map<EventTarget, string[]>();
for (const type of ['rtc-track', 'rtc-connection-state'] as const) {
  document.addEventListener(type, (e) => {
    const list = fired.get(e.target!) ?? fired.set(e.target!, []).get(e.target!)!;
    list.push(
      type === 'rtc-track'
        ? `track ${(e.detail as { track: MediaStreamTrack }).track.kind}`
        : `state ${(e.detail as { state: string }).state}`,
    );
  });
}

/** A 320x180 canvas track standing in for a shared screen. */
export function canvasScreen(): MediaStream {
  const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
  const context = canvas.getContext('2d')!;
  const stream = canvas.captureStream(15);
  const draw = () => {
    context.fillStyle = `hsl(${Date.now() % 360} 80% 50%)`;
    context.fillRect(0, 0, 320, 180);
    if (stream.getVideoTracks()[0]!.readyState === 'live') requestAnimationFrame(draw);
  };
  draw();
  captured.push(...stream.getTracks());
  return stream;
}

export interface Call {
  relay: string;
  url: string;
  room: string;
  els: RtcCall[];
}

/** Calls `names` in one room of a fresh relay (each with `autojoin`); waits until each sees the others' video. */
export async function call(names: string[], attrs = ''): Promise<Call> {
  const { relay, url, room } = await freshRoom();
  const host = await fixture<HTMLDivElement>(html`<div>
    ${names.map((name) => html`<rtc-call autojoin video="320x240" room=${room} name=${name} signaling=${`${url}?peer=${name}`} max-peers=${attrs || 6}></rtc-call>`)}
  </div>`);
  const els = [...host.querySelectorAll('rtc-call')];
  await until(
    () => els.every((el) => remoteVideos(el).filter((v) => v.videoWidth > 0).length === names.length - 1),
    'every remote video playing',
    25_000,
  );
  return { relay, url, room, els };
}

export function remoteVideos(el: RtcCall): HTMLVideoElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLVideoElement>('[part=tile] video')];
}

export function tiles(el: RtcCall): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part=tile]')];
}

export function button(el: RtcCall, name: string): HTMLButtonElement {
  return el.shadowRoot!.querySelector<HTMLButtonElement>(`[part~=${name}-button]`)!;
}

/** The Room of the call (or chat) `el` (its links are its peer connections). */
export function roomOf(el: RtcCall | RtcChat): Room {
  return [...Room.open.values()].find((room) => room.key === `${new URL(el.signaling).href} ${el.room}`)!;
}

export function pcs(el: RtcCall | RtcChat): RTCPeerConnection[] {
  return [...roomOf(el).links.values()].map((link) => link.pc);
}

/** Sum of `field` over the inbound-rtp video streams of `pc`. */
export async function inboundVideo(pc: RTCPeerConnection, field: 'framesDecoded' | 'frameWidth'): Promise<number> {
  let sum = 0;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') sum += s[field] ?? 0;
  });
  return sum;
}

/** Waits until every connection of every call decodes more video frames than it has now. */
export async function framesRising(els: RtcCall[], what: string): Promise<void> {
  const all = els.flatMap(pcs);
  const before = await Promise.all(all.map((pc) => inboundVideo(pc, 'framesDecoded')));
  await until(
    async () =>
      (await Promise.all(all.map((pc) => inboundVideo(pc, 'framesDecoded')))).every((n, i) => n > before[i]! + 5),
    what,
    20_000,
  );
}

/** The contrast ratio of two CSS colours (WCAG 2.x relative luminance), from `rgb()`/`rgba()` text. */
export function contrast(foreground: string, background: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = color
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map((value) => {
        const channel = Number(value) / 255;
        return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** The first opaque background behind `element`, walking up through shadow roots to the page. */
function backgroundOf(element: Element): string {
  for (let node: Element | null = element; node; ) {
    const background = getComputedStyle(node).backgroundColor;
    const alpha = background.startsWith('rgba') ? Number(background.match(/[\d.]+/g)![3]) : 1;
    if (alpha >= 0.85) return background;
    node = node.parentElement ?? ((node.getRootNode() as ShadowRoot).host || null);
  }
  return getComputedStyle(document.documentElement).backgroundColor.startsWith('rgba(0, 0, 0, 0)')
    ? 'rgb(255, 255, 255)'
    : getComputedStyle(document.documentElement).backgroundColor;
}

/**
 * Every visible text in `root` (and the shadow roots within) whose colour has a contrast below
 * `minimum` against the background behind it: `"text: ratio"` for each.
 */
export function lowContrastTexts(root: ShadowRoot | Element, minimum = 4.5): string[] {
  const failures: string[] = [];
  const visit = (scope: ShadowRoot | Element) => {
    for (const element of scope.querySelectorAll('*')) {
      if (element.shadowRoot) visit(element.shadowRoot);
      const own = [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim());
      const field = element instanceof HTMLInputElement || element instanceof HTMLSelectElement;
      if (!own && !field) continue;
      const box = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      if (!box.width || !box.height || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      // Screen-reader-only text is not seen.
      if (box.width <= 1 || box.height <= 1) continue;
      const ratio = contrast(style.color, backgroundOf(element));
      if (ratio < minimum) {
        const text = field ? `<${element.localName}>` : element.textContent!.trim().slice(0, 30);
        failures.push(`${text}: ${ratio.toFixed(2)} (${style.color} on ${backgroundOf(element)})`);
      }
    }
  };
  visit(root);
  return failures;
}
