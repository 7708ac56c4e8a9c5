// @koaforge/core/testing: helpers for integration tests of apps and plugins.
export { freePort, type RedisServerHandle, type StartRedisOptions, startRedisServer } from './redis-server.js';
