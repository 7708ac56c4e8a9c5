import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TenantErrors } from '../../src/errors.js';

const docs = readFileSync(resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
const start = docs.indexOf('## @koaforge/tenant');
const section = docs.slice(start, docs.indexOf('\n## ', start + 1));

describe('docs/errors.md', () => {
  it('has an @koaforge/tenant section', () => {
    expect(start).toBeGreaterThan(0);
  });

  it('lists every code of the tenant catalogue with its status and retryable flag', () => {
    for (const factory of Object.values(TenantErrors)) {
      const retryable = factory().retryable ? 'yes' : 'no';
      const row = new RegExp(`\\|\\s*\`${factory.code}\`\\s*\\|\\s*${factory.status}\\s*\\|\\s*${retryable}\\s*\\|`);
      expect(section, `docs/errors.md § @koaforge/tenant misses ${factory.code}`).toMatch(row);
    }
  });
});
