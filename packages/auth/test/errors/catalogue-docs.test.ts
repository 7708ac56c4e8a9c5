import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthErrors } from '../../src/errors.js';

const docs = readFileSync(resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
const section = docs.slice(docs.indexOf('## @koaforge/auth'));

describe('docs/errors.md', () => {
  it('has an @koaforge/auth section', () => {
    expect(docs).toContain('## @koaforge/auth');
  });

  it('lists every code of the auth catalogue with its status and retryable flag', () => {
    for (const factory of Object.values(AuthErrors)) {
      const retryable = factory().retryable ? 'yes' : 'no';
      const row = new RegExp(`\\|\\s*\`${factory.code}\`\\s*\\|\\s*${factory.status}\\s*\\|\\s*${retryable}\\s*\\|`);
      expect(section, `docs/errors.md § @koaforge/auth misses ${factory.code}`).toMatch(row);
    }
  });
});
