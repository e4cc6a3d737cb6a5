/**
 * What every rtc- UI element shares: replaceable texts, event dispatch, toolbar buttons and the
 * error box. Kept here once instead of copied into each element.
 */
import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { languageOf, localeTexts, type LocaleSection } from './locale.js';

export class RtcElement<Strings extends object> extends LitElement {
  static override properties: PropertyDeclarations = { strings: { type: Object } };

  /** Whether the element has built-in texts by language (it then re-renders when `lang` changes). */
  protected static localized = false;

  // `lang` is the global attribute (not a reactive property, so `el.lang` stays the browser's own);
  // a localized element re-renders in the new language when it changes.
  static override get observedAttributes(): string[] {
    return this.localized ? [...super.observedAttributes, 'lang'] : super.observedAttributes;
  }

  /** Replacement texts (attribute: JSON); any key the element's defaults have. */
  strings: Partial<Strings> | null = {};

  /** The English defaults, merged under the language's texts and `strings`. */
  declare protected readonly defaults: Strings;

  /** The sections of a locale module (components/locales/) that hold this element's texts. */
  protected readonly localeSections: readonly LocaleSection[] = [];

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.requestUpdate();
  }

  /**
   * The texts to show: the English defaults, the built-in texts of the element's language over
   * them (once its module has loaded: until then, English), and `strings` over both.
   */
  protected get t(): Strings {
    const texts = { ...this.defaults } as Record<string, string>;
    const locale = localeTexts(languageOf(this), () => this.requestUpdate());
    for (const section of this.localeSections) Object.assign(texts, locale?.[section]);
    return { ...texts, ...this.strings } as Strings;
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
