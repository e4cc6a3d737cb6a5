/**
 * How a call lays out its tiles in the box it has: as many columns as make the tiles largest,
 * every tile the same size (the video's 16:9), the whole grid inside the box so a phone never
 * scrolls. Measured by a ResizeController: a ReactiveController around a ResizeObserver.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Tiles are 16:9, as cameras and screens mostly are (a 4:3 camera is cropped to fill). */
export const TILE_ASPECT = 16 / 9;

export interface GridFit {
  columns: number;
  /** Each tile's width in px. */
  tileWidth: number;
}

/**
 * The number of columns that gives `count` tiles of TILE_ASPECT the largest width inside
 * `width` x `height` with `gap` between them.
 */
export function fitGrid(count: number, width: number, height: number, gap: number): GridFit {
  let best: GridFit = { columns: 1, tileWidth: 0 };
  for (let columns = 1; columns <= Math.max(count, 1); columns++) {
    const rows = Math.ceil(count / columns);
    const byWidth = (width - gap * (columns - 1)) / columns;
    const byHeight = ((height - gap * (rows - 1)) / rows) * TILE_ASPECT;
    const tileWidth = Math.floor(Math.min(byWidth, byHeight));
    if (tileWidth > best.tileWidth) best = { columns, tileWidth };
  }
  return best;
}

/** The size of one element of the host's shadow root, kept current. */
export class ResizeController implements ReactiveController {
  width = 0;
  height = 0;
  #host: ReactiveControllerHost & HTMLElement;
  #selector: string;
  #observed: Element | null = null;
  #observer = new ResizeObserver(([entry]) => {
    const { width, height } = entry!.contentRect;
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.#host.requestUpdate();
  });

  /** Measures the element matching `selector` in the host's render root (found after each update). */
  constructor(host: ReactiveControllerHost & HTMLElement, selector: string) {
    this.#host = host;
    this.#selector = selector;
    host.addController(this);
  }

  hostUpdated(): void {
    const element = this.#host.shadowRoot?.querySelector(this.#selector) ?? null;
    if (element === this.#observed) return;
    this.#observer.disconnect();
    this.#observed = element;
    if (element) this.#observer.observe(element);
  }

  hostDisconnected(): void {
    this.#observer.disconnect();
    this.#observed = null;
  }
}
