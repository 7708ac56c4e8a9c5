import { CoreErrors } from '../errors.js';

export type HookName = 'setup' | 'start' | 'stop';

/**
 * Run one plugin hook within a timeout. The error names the plugin and the hook, so a boot that
 * hangs says where. The hook is not cancelled (JS cannot), but the boot no longer waits for it.
 */
export async function runHook(plugin: string, hook: HookName, fn: () => unknown, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        CoreErrors.PLUGIN_HOOK_TIMEOUT(`Plugin "${plugin}" did not finish ${hook} within ${timeoutMs} ms`, {
          details: { plugin, hook, timeoutMs },
        }),
      );
    }, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([Promise.resolve().then(fn), timeout]);
  } catch (err) {
    if (CoreErrors.PLUGIN_HOOK_TIMEOUT.is(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw CoreErrors.PLUGIN_HOOK_FAILED(`Plugin "${plugin}" failed in ${hook}: ${message}`, {
      cause: err,
      details: { plugin, hook },
    });
  } finally {
    clearTimeout(timer);
  }
  return Math.round((performance.now() - started) * 100) / 100;
}
