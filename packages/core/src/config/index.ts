export type { ConfigExplanation, ConfigLayer, ConfigOptions } from './config.js';
export { Config } from './config.js';
export { REDACTED } from './redact.js';
export { secret } from './secret.js';
