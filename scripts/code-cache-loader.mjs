// Written by scripts/bundle-app.mjs --code-cache as dist/main.js: runs the app bundle
// (./app.cjs) with V8's code cache. Node 22 has this built in (module.enableCompileCache); Node 20
// does not, and compiling a 2 MB bundle is a third of a service's start-up.
//
// The first start compiles as usual and, a second later (when start-up code has run, so the
// functions it compiled lazily are in the cache too), writes ./app.cjs.v8-cache. Later starts
// hand that to V8, which checks it against the source and this V8's version and flags, and
// skips compiling what it holds. A cache V8 rejects is rewritten; a cache that cannot be written
// (read-only file system) is skipped. Rebuilding the bundle removes dist/, cache included.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const file = fileURLToPath(new URL('./app.cjs', import.meta.url));
const cacheFile = `${file}.v8-cache`;
const WRITE_AFTER_MS = 1000;

/** Compile the bundle, with the cache when there is one; only the script outlives this. */
function compile() {
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new vm.Script(wrapper, {
    filename: file,
    cachedData,
    // `import()` inside the bundle (lazily loaded ESM-only packages) uses Node's own loader.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData === undefined || script.cachedDataRejected) setTimeout(writeCache, WRITE_AFTER_MS, script).unref();
  return script;
}

function writeCache(script) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile); // atomic: a concurrent start reads the old cache or the new one
  } catch {
    rmSync(tmp, { force: true });
  }
}

const module = { exports: {}, id: file, filename: file, loaded: false };
compile().runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
module.loaded = true;
