import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp directory for one test file, removed after its tests. */
export function tempDir(): { write(name: string, text: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'koaforge-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** The error `fn` throws (fails the test when it does not throw). */
export function thrown(fn: () => unknown): { code?: unknown; message: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err as Error & { code?: unknown; details?: Record<string, unknown> };
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error('expected a throw');
}
