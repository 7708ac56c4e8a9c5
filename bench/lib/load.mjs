// Run autocannon in its own process, pinned to the load core, and return its summary.
import { fileURLToPath } from 'node:url';
import { spawnNode } from './proc.mjs';

const cannon = fileURLToPath(new URL('./cannon.mjs', import.meta.url));

/** @param {{ url: string, duration: number, connections: number, pipelining: number }} opts */
export function load(opts, { cpu = 1 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnNode([cannon, JSON.stringify(opts)], { cpu });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited (${code})\n${child.stderrText()}`));
      resolve(JSON.parse(out));
    });
  });
}
