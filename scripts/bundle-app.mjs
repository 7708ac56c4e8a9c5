// Production build of an example app: one ESM file, dependencies bundled. A bundled service starts
// faster and holds less memory (one file to read and compile instead of hundreds of modules to
// resolve; measured in bench/results/startup.md). Native addons and packages that load files at
// run time stay external: `node ../../scripts/bundle-app.mjs src/main.ts --external argon2,oidc-provider`.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { external: { type: 'string', default: '' }, outfile: { type: 'string', default: 'dist/main.js' } },
});
const entry = positionals[0] ?? 'src/main.ts';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: [entry],
  outfile: values.outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: values.external.split(',').filter((name) => name !== ''),
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
