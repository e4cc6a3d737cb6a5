/**
 * What every rtc- UI element shares: replaceable texts, event dispatch, toolbar buttons and the
 * error box. Kept here once instead of copied into each element.
 */
import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';

export class RtcElement<Strings extends object> extends LitElement {
  static override properties: PropertyDeclarations = { strings: { type: Object } };

  /** Replacement texts (attribute: JSON); any key the element's defaults have. */
  strings: Partial<Strings> | null = {};

  /** The English defaults, merged under `strings`. */
  declare protected readonly defaults: Strings;

  /** The texts to show: the defaults with `strings` over them. */
  protected get t(): Strings {
    return { ...this.defaults, ...this.strings };
  }

  /**
   * What to show for error `code`: the texts keyed `CODE` and `CODE-hint` (the defaults with
   * `strings` over them), else those the error came with, else empty.
   */
  protected errorText<Code extends string>(
    code: Code,
    fallback: { message?: string; hint?: string } = {},
  ): { code: Code; message: string; hint: string } {
    const texts = this.t as Record<string, string>;
    return {
      code,
      message: texts[code] ?? fallback.message ?? '',
      hint: texts[`${code}-hint`] ?? fallback.hint ?? '',
    };
  }

  /** Fires a public event: bubbles and crosses shadow roots, so a page can listen on an ancestor. */
  protected emit(type: string, detail: unknown): void {
    /** @ignore Each element documents the events it fires with `@fires` (the manifest reads them). */
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

export interface ButtonOptions {
  /** Makes it a toggle (aria-pressed, filled with `--danger` while pressed). */
  pressed?: boolean;
  disabled?: boolean;
  /** `primary` (filled with `--accent`) or `danger` (filled with `--danger`). */
  kind?: 'primary' | 'danger' | '';
}

/** A toolbar button, `part="button NAME-button"`; `this` in `onClick` is the host (Lit's `host` option). */
export const button = (
  name: string,
  label: string,
  onClick: () => void,
  { pressed, disabled, kind }: ButtonOptions = {},
) =>
  html`<button part="button ${name}-button" class=${kind || nothing} type="button" aria-pressed=${pressed ?? nothing} ?disabled=${disabled} @click=${onClick}>${label}</button>`;

/** The error box (`role="alert"`): what went wrong, then what to do about it. */
export const errorBox = (error: { message: string; hint: string } | null) =>
  error
    ? html`<div part="error" role="alert"><strong part="error-message">${error.message}</strong> <span part="error-hint">${error.hint}</span></div>`
    : nothing;
