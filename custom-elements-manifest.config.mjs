// `cem analyze`: builds custom-elements.json from the elements' JSDoc (see CONVENTIONS.md), so
// editors and CMS tools know every element, attribute, event, slot, part and CSS property.
export default {
  globs: ['components/rtc-*.ts'],
  exclude: ['components/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  plugins: [defineCalls()],
};

/**
 * Elements register with `define('rtc-call', RtcCall)` (components/internal/define.ts), which the
 * analyzer does not know: record each such call as the module's custom-element definition, as it
 * does for `customElements.define`.
 */
function defineCalls() {
  return {
    name: 'rtc-elements-define-calls',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isCallExpression(node) || node.expression.getText() !== 'define') return;
      const [tag, elementClass] = node.arguments;
      if (!tag || !elementClass || !ts.isStringLiteral(tag)) return;
      moduleDoc.exports ??= [];
      moduleDoc.exports.push({
        kind: 'custom-element-definition',
        name: tag.text,
        declaration: { name: elementClass.getText(), module: moduleDoc.path },
      });
    },
  };
}
