/**
 * `JSON.stringify(text)` for a string, without entering the JSON serialiser when nothing needs
 * escaping (printable ASCII without `"` or `\`: request ids, methods, route templates, most paths).
 * The serialiser's set-up costs more than the whole scan of a short string.
 */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Controls, `"`, `\` and everything past ASCII (surrogates) take the serialiser's rules.
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return JSON.stringify(text);
  }
  return `"${text}"`;
}
