import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { Config } from '../config/index.js';
import { contextOpener } from '../context/request-context.js';
import { Container } from '../di/container.js';
import { errorAnswer } from '../errors/boundary.js';
import { CoreErrors } from '../errors.js';
import { HealthRegistry } from '../health/health-registry.js';
import { livenessHandler, readinessHandler } from '../health/health-routes.js';
import { AccessLogWriter } from '../http/access-log.js';
import { bodyParser } from '../http/body-parser.js';
import { installJsonBodySetter } from '../http/json-body.js';
import { requestObserver } from '../http/observe.js';
import { unroutedAnswer } from '../http/route-fallback.js';
import { createLogger, flushLogger, type Logger } from '../logging/index.js';
import { HttpMetrics } from '../metrics/http-metrics.js';
import { metricsHandler } from '../metrics/metrics-route.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { type HttpConfig, httpConfigSchema, type LogConfig, logConfigSchema } from './app-config.js';
import type { AppFeatures, AppOptions, AppState, BootReport, PluginReport } from './app-types.js';
import { CORE_PHASES, type CoreParts, coreFrame, coreMiddleware, corePhases } from './core-middleware.js';
import { sortPlugins } from './graph.js';
import { type HookName, runHook } from './hooks.js';
import { DrainableServer } from './http-server.js';
import { orderByPhase, type Phase, type PhasedMiddleware } from './phases.js';
import { type HookOptions, isPlugin, type Plugin, type PluginContext } from './plugin.js';
import { type RequestListener, requestListener } from './request-handler.js';
import { installSignalHandlers } from './signals.js';
import { ConfigToken, ContainerToken, HealthToken, LoggerToken, MetricsToken } from './tokens.js';

interface Registration {
  plugin: Plugin<unknown, z.ZodType | undefined>;
  options: unknown;
  prefix: string | undefined;
  name: string;
  dependsOn: readonly string[];
  optionalDependsOn: readonly string[];
  router?: Router;
  startHooks: Array<{ fn: () => unknown; timeoutMs?: number }>;
  stopHooks: Array<{ fn: () => unknown; timeoutMs?: number }>;
  report: PluginReport;
  started: boolean;
}

type RegisterArgs<O> = undefined extends O
  ? [options?: O, registration?: { prefix?: string }]
  : [options: O, registration?: { prefix?: string }];

const isLogger = (value: unknown): value is Logger =>
  typeof value === 'object' && value !== null && typeof (value as Logger).child === 'function';

/**
 * The koaforge application: Koa + @koa/router with plugins, DI, config, logging, health and metrics.
 * Make one with `createApp()`.
 */
export class App {
  readonly name: string;
  readonly koa: Koa;
  /** The app's main router. Plugin routers are mounted into it at start. */
  readonly router: Router;
  readonly container: Container;
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly health: HealthRegistry;
  readonly #features: Required<AppFeatures>;
  readonly #http: HttpConfig;
  readonly #logConfig: LogConfig;
  readonly #registrations: Registration[] = [];
  readonly #middleware: PhasedMiddleware[] = [];
  #ordered: Registration[] = [];
  #state: AppState = 'created';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #server: DrainableServer | undefined;
  #bootMs = 0;
  #signalCleanup: (() => void) | undefined;

  constructor(options: AppOptions = {}) {
    this.name = options.name ?? 'koaforge';
    this.config = options.config instanceof Config ? options.config : Config.load(options.config);
    this.#http = this.config.section('http', httpConfigSchema);
    this.#logConfig = this.config.section('log', logConfigSchema);
    this.log = isLogger(options.logger)
      ? options.logger
      : createLogger({
          name: this.name,
          level: this.#logConfig.level,
          destination: this.#logConfig.destination,
          ...(options.logger ?? {}),
        });
    const f = options.features === false ? {} : (options.features ?? {});
    const on = options.features !== false;
    this.#features = {
      requestContext: f.requestContext ?? on,
      errorBoundary: f.errorBoundary ?? on,
      metrics: f.metrics ?? on,
      accessLog: (f.accessLog ?? on) && this.#logConfig.accessLog,
      bodyParser: f.bodyParser ?? on,
      health: f.health ?? on,
      routeFallback: f.routeFallback ?? on,
    };
    this.koa = new Koa();
    // Koa logs unhandled errors to stderr itself; send them through our logger instead.
    this.koa.silent = true;
    this.koa.on('error', (err: unknown) => this.log.error({ err }, 'unhandled error in Koa'));
    this.router = new Router();
    this.container = Container.create();
    this.metrics = createMetricsRegistry({
      ...(this.#features.metrics ? {} : { defaultMetrics: false }),
      ...options.metrics,
    });
    this.health = new HealthRegistry();
    this.container.register(ContainerToken, { useValue: this.container });
    this.container.register(ConfigToken, { useValue: this.config });
    this.container.register(LoggerToken, { useValue: this.log });
    this.container.register(MetricsToken, { useValue: this.metrics });
    this.container.register(HealthToken, { useValue: this.health });
  }

  get state(): AppState {
    return this.#state;
  }

  /** The listening address once `listen()` resolved. */
  get address(): AddressInfo | undefined {
    const a = this.#server?.server.address();
    return typeof a === 'object' && a !== null ? a : undefined;
  }

  /** The node:http server once `listen()` was called (for WebSocket upgrades and the like). */
  get server(): import('node:http').Server | undefined {
    return this.#server?.server;
  }

  /**
   * Register a plugin with its options. Plugins are set up at `start()`, in dependency order.
   * @example
   * app.register(authPlugin, { users }, { prefix: '/api/v1' });
   */
  register<O, S extends z.ZodType | undefined>(plugin: Plugin<O, S>, ...args: RegisterArgs<O>): this {
    this.#assertState('created', 'register plugins');
    if (!isPlugin(plugin)) throw new TypeError('register() takes a plugin made with definePlugin()');
    const [options, registration] = args;
    if (this.#registrations.some((r) => r.name === plugin.name)) {
      throw CoreErrors.PLUGIN_DUPLICATE(`Plugin "${plugin.name}" is registered twice`, {
        details: { plugin: plugin.name },
      });
    }
    this.#registrations.push({
      plugin: plugin as unknown as Plugin<unknown, z.ZodType | undefined>,
      options,
      prefix: registration?.prefix ?? plugin.prefix,
      name: plugin.name,
      dependsOn: plugin.dependsOn ?? [],
      optionalDependsOn: plugin.optionalDependsOn ?? [],
      startHooks: [],
      stopHooks: [],
      report: { name: plugin.name, order: -1, dependsOn: plugin.dependsOn ?? [], setupMs: 0, startMs: 0 },
      started: false,
    });
    return this;
  }

  /** Add app-level middleware to a phase (default `routes`). */
  use(middleware: Middleware, options: { phase?: Phase } = {}): this {
    this.#assertState('created', 'add middleware');
    this.#middleware.push({ middleware, phase: options.phase ?? 'routes', owner: 'app' });
    return this;
  }

  /**
   * Set up every plugin in dependency order, build the request pipeline, run `onStart` hooks. A
   * failing start stops the plugins already started, in reverse, then rethrows.
   */
  start(): Promise<void> {
    if (this.#starting) return this.#starting;
    this.#assertState('created', 'start');
    this.#state = 'starting';
    this.#starting = this.#boot();
    return this.#starting;
  }

  async #boot(): Promise<void> {
    const t0 = performance.now();
    try {
      this.#ordered = sortPlugins(this.#registrations);
      this.#ordered.forEach((r, i) => {
        r.report.order = i;
      });
      const sections = this.#loadSections();
      for (const r of this.#ordered) {
        r.report.setupMs = await runHook(
          r.name,
          'setup',
          () => r.plugin.setup(this.#pluginContext(r, sections.get(r)), r.options),
          this.#http.hookTimeoutMs,
        );
      }
      this.#buildPipeline();
      for (const r of this.#ordered) {
        const t = performance.now();
        for (const hook of r.startHooks) {
          await runHook(r.name, 'start', hook.fn, hook.timeoutMs ?? this.#http.hookTimeoutMs);
        }
        r.started = true;
        r.report.startMs = Math.round((performance.now() - t) * 100) / 100;
      }
    } catch (err) {
      this.#state = 'failed';
      await this.#runStopHooks();
      await this.container.dispose().catch((e: unknown) => this.log.error({ err: e }, 'disposal failed'));
      this.log.error({ err }, 'start failed');
      throw err;
    }
    this.#bootMs = Math.round((performance.now() - t0) * 100) / 100;
    this.#state = 'started';
    this.health.setPhase('ready');
    this.log.debug({ bootReport: this.bootReport() }, 'started');
  }

  /** Validate every plugin's config section before any setup runs, reporting all failures at once. */
  #loadSections(): Map<Registration, unknown> {
    const sections = new Map<Registration, unknown>();
    const failures: string[] = [];
    for (const r of this.#ordered) {
      const key = r.plugin.configKey ?? r.name;
      if (r.plugin.defaults) this.config.addPluginDefaults(key, r.plugin.defaults, r.name);
    }
    for (const r of this.#ordered) {
      const key = r.plugin.configKey ?? r.name;
      try {
        sections.set(
          r,
          r.plugin.configSchema ? this.config.section(key, r.plugin.configSchema) : (this.config.get(key) ?? {}),
        );
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (failures.length > 0) throw CoreErrors.CONFIG_INVALID(failures.join('\n'));
    return sections;
  }

  #pluginContext(r: Registration, config: unknown): PluginContext<never> {
    const router = new Router(r.prefix ? { prefix: r.prefix } : {});
    r.router = router;
    const log = this.log.child({ plugin: r.name });
    const ctx: PluginContext<unknown> = {
      name: r.name,
      container: this.container,
      router,
      config,
      appConfig: this.config,
      log,
      metrics: this.metrics,
      use: (middleware, options = {}) => {
        this.#middleware.push({ middleware, phase: options.phase ?? 'routes', owner: r.name });
      },
      onStart: (fn, options: HookOptions = {}) => {
        r.startHooks.push({ fn, ...options });
      },
      onStop: (fn, options: HookOptions = {}) => {
        r.stopHooks.push({ fn, ...options });
      },
      addHealthCheck: (check) => this.health.add(check),
    };
    return ctx as PluginContext<never>;
  }

  /** The built-ins of the `context`, `observe` and `error` phases, made once per app. */
  #coreParts(): CoreParts {
    const f = this.#features;
    const parts: CoreParts = {};
    if (f.requestContext) {
      parts.open = contextOpener({
        logger: this.log,
        container: this.container,
        trustIncoming: this.#http.trustRequestId,
      });
    }
    if (f.metrics || f.accessLog) {
      parts.observer = requestObserver({
        ...(f.metrics ? { metrics: new HttpMetrics({ registry: this.metrics }) } : {}),
        ...(f.accessLog ? { accessLog: new AccessLogWriter({ logger: this.log }) } : {}),
      });
    }
    if (f.errorBoundary) parts.answer = errorAnswer();
    if (parts.open || parts.observer || parts.answer) {
      // JSON bodies skip Koa's stream/Blob/Response tests (no undici load: ≈ 8 MiB RSS).
      installJsonBodySetter(this.koa);
      parts.json = true;
    }
    return parts;
  }

  /** Built-ins after the core phases: body parser, health and metrics routes. */
  #builtins(): PhasedMiddleware[] {
    const f = this.#features;
    const list: PhasedMiddleware[] = [];
    if (f.bodyParser) {
      const middleware = bodyParser({ jsonLimit: this.#http.bodyLimit, textLimit: this.#http.textLimit });
      list.push({ phase: 'routes', middleware, owner: 'core' });
    }
    if (f.health) {
      this.router.get('/healthz', livenessHandler());
      this.router.get('/readyz', readinessHandler(this.health));
    }
    if (f.metrics) this.router.get('/metrics', metricsHandler(this.metrics));
    return list;
  }

  #buildPipeline(): void {
    const parts = this.#coreParts();
    const core = corePhases(parts);
    // Built-ins come first inside their phase: the error boundary wraps plugin error middleware,
    // the body parser runs before plugin route middleware.
    const ordered = orderByPhase([...core, ...this.#builtins(), ...this.#middleware]);
    // Nothing else in the context / observe / error phases: the core's three run as one middleware.
    const fold = core.length > 1 && !this.#middleware.some((m) => CORE_PHASES.has(m.phase));
    const run = fold
      ? ordered.filter((e) => !core.includes(e)).map((e) => e.middleware)
      : ordered.map((e) => e.middleware);
    for (const r of this.#ordered) if (r.router) this.router.use(r.router.routes());
    run.push(this.router.routes() as Middleware);
    if (this.#features.routeFallback) run.push(unroutedAnswer());
    // `koa.middleware` holds the whole chain (for `app.koa.callback()`); the kernel's own listener
    // runs the folded core as its frame around the rest.
    if (fold) this.koa.use(coreMiddleware(parts));
    for (const middleware of run) this.koa.use(middleware);
    // Split, the core's three are middleware in `run`; the frame then only sends.
    this.#listener = requestListener(this.koa, run, coreFrame(fold ? parts : {}, true));
    this.#pipeline = ordered;
  }

  #pipeline: PhasedMiddleware[] = [];
  #listener: RequestListener | undefined;

  /** The Node request handler. Requires `start()` to have completed. */
  callback(): ReturnType<Koa['callback']> {
    if (this.#state !== 'started') {
      throw CoreErrors.KERNEL_STATE(`callback() needs a started app (state: ${this.#state}); await app.start() first`);
    }
    return this.#listener as RequestListener;
  }

  /** Start (if needed) and listen. Port and host default to the `http` config section. */
  async listen(port: number = this.#http.port, host: string = this.#http.host): Promise<AddressInfo> {
    await this.start();
    if (this.#server) throw CoreErrors.KERNEL_STATE('The app is already listening');
    this.#server = new DrainableServer(this.callback(), { maxHeaderSize: this.#http.maxHeaderSize });
    const address = await this.#server.listen(port, host);
    this.log.info({ address: address.address, port: address.port }, 'listening');
    return address;
  }

  /**
   * Graceful stop: readiness goes false, the server stops accepting and drains in-flight requests
   * within the deadline (then cuts what is left), `onStop` hooks run in exact reverse order, the
   * container disposes what it made, logs are flushed.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = this.#shutdown(options.timeoutMs ?? this.#http.shutdownTimeoutMs);
    return this.#stopping;
  }

  async #shutdown(deadlineMs: number): Promise<void> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (this.#state === 'failed' || this.#state === 'created') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    this.health.setPhase('draining');
    if (this.#server) {
      const cut = await this.#server.drain(deadlineMs);
      if (cut > 0) this.log.warn({ cut, deadlineMs }, 'shutdown deadline reached; closed connections still busy');
    }
    await this.#runStopHooks();
    await this.container.dispose().catch((err: unknown) => this.log.error({ err }, 'disposal failed'));
    this.health.setPhase('stopped');
    this.#state = 'stopped';
    this.#signalCleanup?.();
    this.log.info('stopped');
    await flushLogger(this.log);
  }

  /** `onStop` of every started plugin, in reverse start order; failures are logged, not fatal. */
  async #runStopHooks(): Promise<void> {
    for (const r of [...this.#ordered].reverse()) {
      if (!r.started) continue;
      const t = performance.now();
      for (const hook of [...r.stopHooks].reverse()) {
        try {
          await runHook(r.name, 'stop' as HookName, hook.fn, hook.timeoutMs ?? this.#http.hookTimeoutMs);
        } catch (err) {
          this.log.error({ err, plugin: r.name }, 'stop hook failed');
        }
      }
      r.started = false;
      r.report.stopMs = Math.round((performance.now() - t) * 100) / 100;
    }
  }

  /**
   * Stop gracefully on SIGTERM / SIGINT (opt-in: libraries must not own the process). A second
   * signal exits at once. Returns a function that removes the handlers.
   */
  handleSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    this.#signalCleanup = installSignalHandlers(signals, this.log, () => this.stop());
    return this.#signalCleanup;
  }

  /** Every plugin with its order and time per hook, and the request pipeline by phase. */
  bootReport(): BootReport {
    return {
      app: this.name,
      state: this.#state,
      plugins: this.#ordered.map((r) => ({ ...r.report })),
      middleware: this.#pipeline.map((m) => ({
        phase: m.phase,
        owner: m.owner,
        name: m.middleware.name || 'anonymous',
      })),
      totalMs: this.#bootMs,
    };
  }

  #assertState(expected: AppState, action: string): void {
    if (this.#state !== expected) {
      throw CoreErrors.KERNEL_STATE(`Cannot ${action} in state "${this.#state}"`);
    }
  }
}

/**
 * Make a koaforge app.
 * @example
 * const app = createApp({ name: 'api' });
 * app.register(greeterPlugin);
 * await app.listen(3000);
 */
export function createApp(options: AppOptions = {}): App {
  return new App(options);
}
