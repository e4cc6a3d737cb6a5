/**
 * How a call lays out its tiles in the box it has: as many columns as make the tiles largest,
 * every tile the same size, the whole grid inside the box so a phone never scrolls. Tiles are
 * 16:9, as cameras and screens mostly are; in a portrait box (a phone held upright) they may be
 * taller, down to 3:4, so one or two people fill the screen instead of a strip across it (the
 * video is cropped to fill, as the hosted embeds do). Measured by a ResizeController: a
 * ReactiveController around a ResizeObserver.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The widest tile (width / height): a landscape camera. */
export const WIDE_TILE = 16 / 9;
/** The tallest tile, in a portrait box only. */
export const TALL_TILE = 3 / 4;

export interface GridFit {
  columns: number;
  /** Each tile's size in px. */
  tileWidth: number;
  tileHeight: number;
}

/**
 * The number of columns, and the tile size, that give `count` tiles the largest area inside
 * `width` x `height` with `gap` between them.
 */
export function fitGrid(count: number, width: number, height: number, gap: number): GridFit {
  const tallest = width < height ? TALL_TILE : WIDE_TILE;
  let best: GridFit = { columns: 1, tileWidth: 0, tileHeight: 0 };
  for (let columns = 1; columns <= Math.max(count, 1); columns++) {
    const rows = Math.ceil(count / columns);
    const cellWidth = (width - gap * (columns - 1)) / columns;
    const cellHeight = (height - gap * (rows - 1)) / rows;
    // The cell's own shape, within the shapes a tile may have.
    const aspect = Math.min(WIDE_TILE, Math.max(tallest, cellWidth / cellHeight));
    const tileWidth = Math.floor(Math.min(cellWidth, cellHeight * aspect));
    const tileHeight = Math.floor(tileWidth / aspect);
    if (tileWidth * tileHeight > best.tileWidth * best.tileHeight) best = { columns, tileWidth, tileHeight };
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
