import type { Logger } from '../logging/index.js';

/**
 * Stop gracefully on the given signals; a second signal exits at once. Returns a function that
 * removes the handlers. Used by `App.handleSignals()`.
 */
export function installSignalHandlers(
  signals: readonly NodeJS.Signals[],
  log: Logger,
  stop: () => Promise<void>,
): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'signal received: stopping');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
