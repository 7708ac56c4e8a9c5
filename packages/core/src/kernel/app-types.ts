import type { Config, ConfigOptions } from '../config/index.js';
import type { Logger, LoggerOptions } from '../logging/index.js';
import type { MetricsRegistryOptions } from '../metrics/registry.js';
import type { Phase } from './phases.js';

/** Which built-in pieces the kernel wires. All on by default; `createApp({ features: false })` is bare. */
export interface AppFeatures {
  requestContext?: boolean;
  errorBoundary?: boolean;
  metrics?: boolean;
  accessLog?: boolean;
  bodyParser?: boolean;
  health?: boolean;
  /** 404 `ROUTE_NOT_FOUND` / 405 with `Allow` for unmatched requests. */
  routeFallback?: boolean;
}

export interface AppOptions {
  /** Service name, in logs and the boot report. */
  name?: string;
  /** Config layers, or a ready `Config`. */
  config?: ConfigOptions | Config;
  /** A pino logger to use, or options for one (default: from the `log` config section). */
  logger?: Logger | LoggerOptions;
  /** Options for the metrics registry. */
  metrics?: MetricsRegistryOptions;
  features?: AppFeatures | false;
}

export type AppState = 'created' | 'starting' | 'started' | 'stopping' | 'stopped' | 'failed';

export interface PluginReport {
  name: string;
  order: number;
  dependsOn: readonly string[];
  setupMs: number;
  startMs: number;
  stopMs?: number;
}

export interface BootReport {
  app: string;
  state: AppState;
  plugins: PluginReport[];
  middleware: Array<{ phase: Phase; owner: string; name: string }>;
  totalMs: number;
}
