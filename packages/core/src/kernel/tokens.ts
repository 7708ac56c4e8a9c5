import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import type { Container } from '../di/container.js';
import { createToken } from '../di/token.js';
import type { HealthRegistry } from '../health/health-registry.js';
import type { Logger } from '../logging/index.js';

/** Tokens for what the kernel itself provides. Global, so two copies of core agree on them. */
export const ContainerToken = createToken<Container>('Container', { global: true });
export const ConfigToken = createToken<Config>('Config', { global: true });
export const LoggerToken = createToken<Logger>('Logger', { global: true });
export const MetricsToken = createToken<Registry>('MetricsRegistry', { global: true });
export const HealthToken = createToken<HealthRegistry>('HealthRegistry', { global: true });
