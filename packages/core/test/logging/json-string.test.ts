import { describe, expect, it } from 'vitest';
import { jsonString } from '../../src/logging/index.js';

describe('jsonString', () => {
  it('encodes exactly as JSON.stringify, with and without characters to escape', () => {
    const samples = [
      '',
      '/hello',
      'GET',
      '/users/:id',
      '0123456789abcdef0123456789abcdef',
      'say "hi"',
      'back\\slash',
      'tab\there',
      'line\nbreak',
      '\u0000\u001f\u007f',
      'café',
      '日本',
      '😀',
      'lone \ud800 surrogate',
      '\udc00 low first',
      '</script>',
    ];
    for (const text of samples) expect(jsonString(text)).toBe(JSON.stringify(text));
  });

  it('returns JSON that parses back to the same string for every single UTF-16 code unit', () => {
    for (let c = 0; c < 0x10000; c++) {
      const text = `a${String.fromCharCode(c)}b`;
      expect(JSON.parse(jsonString(text))).toBe(text);
    }
  });
});
