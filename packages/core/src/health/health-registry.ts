export type CheckStatus = 'ok' | 'fail' | 'timeout' | 'degraded';

export interface HealthCheckResult {
  /** Return `degraded` to report trouble without failing readiness. */
  status?: 'ok' | 'degraded';
  details?: Record<string, unknown>;
}

export interface HealthCheck {
  name: string;
  /** Resolve when healthy; throw (or reject) when not. The signal aborts at the timeout. */
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `check: async () => { ... }` (returning void) type-check.
  check(signal: AbortSignal): Promise<HealthCheckResult | undefined | void> | HealthCheckResult | undefined | void;
  /** Per-check timeout. Default 2000 ms. */
  timeoutMs?: number;
  /** A failing non-critical check shows in `/readyz` but does not make it 503. Default true. */
  critical?: boolean;
}

export interface CheckReport {
  status: CheckStatus;
  durationMs: number;
  critical: boolean;
  error?: string;
  details?: Record<string, unknown>;
}

export type ReadinessPhase = 'starting' | 'ready' | 'draining' | 'stopped';

export interface ReadinessReport {
  status: 'ok' | 'fail';
  phase: ReadinessPhase;
  checks: Record<string, CheckReport>;
}

/**
 * Readiness: the app's lifecycle phase plus every registered check, run concurrently, each within
 * its own timeout. The app is ready only in phase `ready` with every critical check passing.
 */
export class HealthRegistry {
  readonly #checks = new Map<string, HealthCheck>();
  #phase: ReadinessPhase = 'starting';
  readonly #exposeErrors: boolean;

  constructor(options: { exposeErrors?: boolean } = {}) {
    this.#exposeErrors = options.exposeErrors ?? process.env.NODE_ENV !== 'production';
  }

  add(check: HealthCheck): void {
    if (this.#checks.has(check.name)) throw new Error(`A health check named "${check.name}" is already registered`);
    this.#checks.set(check.name, check);
  }

  remove(name: string): void {
    this.#checks.delete(name);
  }

  get phase(): ReadinessPhase {
    return this.#phase;
  }

  setPhase(phase: ReadinessPhase): void {
    this.#phase = phase;
  }

  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.#checks.values()].map(async (c) => [c.name, await this.#run(c)] as const),
    );
    const checks = Object.fromEntries(entries);
    const failing = entries.some(([, r]) => r.critical && (r.status === 'fail' || r.status === 'timeout'));
    return { status: this.#phase === 'ready' && !failing ? 'ok' : 'fail', phase: this.#phase, checks };
  }

  async #run(check: HealthCheck): Promise<CheckReport> {
    const timeoutMs = check.timeoutMs ?? 2000;
    const critical = check.critical ?? true;
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`health check "${check.name}" timed out after ${timeoutMs} ms`));
        resolve('timeout');
      }, timeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(() => check.check(controller.signal)), timeout]);
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      if (outcome === 'timeout') {
        return { status: 'timeout', durationMs, critical, error: `timed out after ${timeoutMs} ms` };
      }
      const result = outcome ?? undefined;
      return {
        status: result?.status ?? 'ok',
        durationMs,
        critical,
        ...(result?.details ? { details: result.details } : {}),
      };
    } catch (err) {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      const message = err instanceof Error ? err.message : String(err);
      return { status: 'fail', durationMs, critical, error: this.#exposeErrors ? message : 'check failed' };
    } finally {
      clearTimeout(timer);
    }
  }
}
