#!/usr/bin/env node
// Benchmark runner: `node bench/run.mjs [suite...]`. Every file bench/suites/<name>.mjs exporting an
// async `run()` is a suite; with no names, every suite runs in alphabetical order.
import { readdirSync } from 'node:fs';

const suitesDir = new URL('./suites/', import.meta.url);
const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -'.mjs'.length))
  .sort();

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h') || args.includes('--list')) {
  console.log(`usage: node bench/run.mjs [${available.join('|')}]...  (no name: all suites)`);
  process.exit(0);
}
const unknown = args.filter((a) => !available.includes(a));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

for (const name of args.length > 0 ? args : available) {
  const suite = await import(new URL(`${name}.mjs`, suitesDir));
  if (typeof suite.run !== 'function') {
    console.error(`bench/suites/${name}.mjs exports no run()`);
    process.exitCode = 1;
    continue;
  }
  console.log(`\n# ${name}${suite.description ? ` — ${suite.description}` : ''}`);
  const t0 = performance.now();
  try {
    await suite.run();
    console.log(`# ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`# ${name} failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
