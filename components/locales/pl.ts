import type { LocaleTexts } from '../internal/ui/locale.js';

export default {} satisfies LocaleTexts;
