export type { LogDestination } from './destination.js';
export { flushLogger } from './flush.js';
export { jsonString } from './json-string.js';
export { type FastLineWriter, fastLineWriter } from './line-writer.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { maskText } from './mask.js';
export { DEFAULT_MASK_PATTERNS, type MaskPattern } from './mask-patterns.js';
export { DEFAULT_REDACT_PATHS } from './redact-paths.js';
