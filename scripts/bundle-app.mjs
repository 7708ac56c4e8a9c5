// Production build of an example app: one file, dependencies bundled. A bundled service starts
// faster and holds less memory (one file to read and compile instead of hundreds of modules to
// resolve; measured in bench/results/startup.md). Native addons and packages that load files at
// run time stay external: `node ../../scripts/bundle-app.mjs src/main.ts --external argon2,oidc-provider`.
//
// The output is minified for whitespace and syntax, never for names: stack traces keep function
// names, and the source map maps them back. Without comments the file is pure ASCII, so V8 keeps
// its source (which it retains for lazy compilation) at one byte per character instead of two:
// 2.5 MB less heap for the quickstart.
//
// `--code-cache`: `dist/main.js` becomes a small loader that runs the bundle (`dist/app.cjs`) with
// V8's code cache (scripts/code-cache-loader.mjs); the second start on skips most compilation.
// The entry must not use top-level await (CommonJS has none).
import { copyFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { external: { type: 'string', default: '' }, 'code-cache': { type: 'boolean', default: false } },
});
const entry = positionals[0] ?? 'src/main.ts';
const codeCache = values['code-cache'];

const common = {
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  charset: 'ascii',
  external: values.external.split(',').filter((name) => name !== ''),
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
if (codeCache) {
  await build({
    ...common,
    outfile: 'dist/app.cjs',
    format: 'cjs',
    // Packages resolve lazily loaded modules from `import.meta.url`: give CommonJS one.
    define: { 'import.meta.url': '__bundle_import_meta_url' },
    banner: { js: "var __bundle_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  });
  copyFileSync(new URL('./code-cache-loader.mjs', import.meta.url), 'dist/main.js');
} else {
  await build({
    ...common,
    outfile: 'dist/main.js',
    format: 'esm',
    // CommonJS dependencies call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
}
