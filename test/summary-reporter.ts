import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints plain closing lines after Vitest's own summary, so CI tools that read only the end of
 * the output can count the run and see why it failed:
 * `tests: N passed, N failed, N skipped, N unhandled errors`, preceded by each unhandled error's
 * message and first stack lines (Vitest prints those far above the summary).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    const lines: string[] = [];
    for (const err of unhandledErrors) {
      const where = typeof err.VITEST_TEST_PATH === 'string' ? ` (while ${err.VITEST_TEST_PATH} ran)` : '';
      lines.push(`unhandled ${err.name ?? 'Error'}${where}: ${err.message ?? String(err)}`);
      const stack = typeof err.stack === 'string' ? err.stack.split('\n').slice(1, 9) : [];
      lines.push(...stack.map((l) => `  ${l.trim()}`));
    }
    const counts = `tests: ${passed} passed, ${failed} failed, ${skipped} skipped, ${unhandledErrors.length} unhandled errors`;
    process.stdout.write(`\n${[...lines, counts].join('\n')}\n`);
  }
}
