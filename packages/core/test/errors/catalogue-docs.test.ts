import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoreErrors } from '../../src/index.js';

const docs = readFileSync(resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');

describe('docs/errors.md', () => {
  it('lists every code of the core catalogue with its status', () => {
    for (const factory of Object.values(CoreErrors)) {
      const row = new RegExp(`\\|\\s*\`${factory.code}\`\\s*\\|\\s*${factory.status}\\s*\\|`);
      expect(docs, `docs/errors.md misses ${factory.code}`).toMatch(row);
    }
  });
});
