// Results: environment facts, JSON + Markdown files under bench/results/, Markdown tables.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

// BENCH_RESULTS_DIR: write somewhere else (a smoke run of a suite must not replace the committed results).
export const resultsDir = process.env.BENCH_RESULTS_DIR
  ? `${process.env.BENCH_RESULTS_DIR.replace(/\/$/, '')}/`
  : fileURLToPath(new URL('../results/', import.meta.url));

export const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export const round = (x, digits = 0) => (x === undefined ? undefined : Number(x.toFixed(digits)));

export function environment(extra = {}) {
  let commit;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    commit = undefined;
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    loadavg: loadavg().map((x) => round(x, 2)),
    commit,
    ...extra,
  };
}

/** A Markdown table from a header row and data rows (cells are printed as given; undefined → '–'). */
export function table(header, rows) {
  const cell = (v) => (v === undefined || v === null ? '–' : String(v));
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Write `<name>.json` and `<name>.md` into bench/results/ and print the Markdown. */
export function writeResults(name, json, markdown) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}${name}.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(`${resultsDir}${name}.md`, `${markdown}\n`);
  console.log(`\n${markdown}\n`);
  console.log(`wrote ${resultsDir}${name}.json and ${name}.md`);
}

export const progress = (msg) => console.log(`  ${msg}`);
