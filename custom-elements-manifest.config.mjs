// `cem analyze`: builds custom-elements.json from the elements' JSDoc (see CONVENTIONS.md), so
// editors and CMS tools know every element, attribute, event, slot, part and CSS property.
export default {
  globs: ['components/rtc-*.ts'],
  exclude: ['components/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  plugins: [defineCalls(), dashCaseAttributes()],
};

/**
 * Elements register with `define('rtc-call', RtcCall)` (components/internal/ui/define.ts), which the
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

/**
 * An attribute is its property's name in dash-case (`cameraOff`: `camera-off`), unless the property
 * names another (define() applies the same rule at run time). The analyzer names such an attribute
 * after the property as is: rename it, and merge it with what the class's JSDoc says of it
 * (`@attr camera-off - ...`), as the analyzer merges an `attribute` it was given.
 */
function dashCaseAttributes() {
  const dashCase = (name) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  return {
    name: 'rtc-elements-dash-case-attributes',
    moduleLinkPhase({ moduleDoc }) {
      for (const declaration of moduleDoc.declarations ?? []) {
        const attributes = declaration.attributes ?? [];
        for (const attribute of [...attributes]) {
          const { fieldName } = attribute;
          // What the analyzer made of a property with no `attribute`: its name as is.
          if (!fieldName || attribute.name !== fieldName || dashCase(fieldName) === fieldName) continue;
          const name = dashCase(fieldName);
          const documented = attributes.find((other) => other.name === name);
          if (documented) attributes.splice(attributes.indexOf(attribute), 1);
          Object.assign(documented ?? attribute, { ...documented, ...attribute, name });
          const member = declaration.members?.find((member) => member.name === fieldName);
          if (member) member.attribute = name;
        }
      }
    },
  };
}
