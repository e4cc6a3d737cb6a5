// `cem analyze`: builds custom-elements.json from the elements' JSDoc (see CONVENTIONS.md), so
// editors and CMS tools know every element, attribute, event, slot, part and CSS property.
export default {
  globs: ['components/rtc-*.ts'],
  exclude: ['components/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
};
