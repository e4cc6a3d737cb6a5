/**
 * Built-in translations of the elements' texts. Each language is one small module in
 * components/locales/, loaded with import() only when an element on the page speaks it, so a page
 * downloads one locale at most (the build makes each its own chunk). English is the elements' own
 * defaults and has no module.
 *
 * An element speaks its own `lang`, else its nearest ancestor's, else the document's: the usual
 * HTML rule. A region falls back to its language (`de-AT` speaks `de`, `pt-BR` speaks `pt`).
 */

/**
 * A language's texts, one section per element (`call`, `camera`, `chat`) plus `media` for the
 * capture errors both the camera and the call show. Keys are those of the element's English
 * defaults (`rtcCallStrings`, ...); a key a locale lacks shows in English.
 */
export type LocaleTexts = Partial<Record<LocaleSection, Record<string, string>>>;
export type LocaleSection = 'media' | 'camera' | 'call' | 'chat';

type LocaleModule = { default: LocaleTexts };

/** The built-in languages and how to load each (a literal import() each, so bundlers split them). */
const loaders: Record<string, () => Promise<LocaleModule>> = {
  de: () => import('../../locales/de.js'),
  fr: () => import('../../locales/fr.js'),
  es: () => import('../../locales/es.js'),
  pt: () => import('../../locales/pt.js'),
  it: () => import('../../locales/it.js'),
  nl: () => import('../../locales/nl.js'),
  pl: () => import('../../locales/pl.js'),
  ja: () => import('../../locales/ja.js'),
  zh: () => import('../../locales/zh.js'),
};

/** The languages with built-in texts besides English. */
export const builtInLanguages: readonly string[] = Object.keys(loaders);

const loaded = new Map<string, LocaleTexts>();
const loading = new Map<string, Promise<void>>();

/** The language `element` speaks, lower case (`''` when nothing on the page says). */
export function languageOf(element: Element): string {
  const own = element.closest<HTMLElement>('[lang]')?.lang || document.documentElement.lang;
  return own.toLowerCase();
}

/**
 * The built-in texts for `language`, or undefined when it has none (English, an unknown language)
 * or they are still loading; then `onLoad` is called once they are here.
 */
export function localeTexts(language: string, onLoad: () => void): LocaleTexts | undefined {
  const base = language.split('-')[0]!;
  const load = loaders[base];
  if (!load) return undefined;
  const texts = loaded.get(base);
  if (texts) return texts;
  let pending = loading.get(base);
  if (!pending) {
    pending = load().then(
      (module) => void loaded.set(base, module.default),
      // A chunk that failed to load (offline, a moved file): English it is, without asking again.
      () => void loaded.set(base, {}),
    );
    loading.set(base, pending);
  }
  void pending.then(onLoad);
  return undefined;
}
