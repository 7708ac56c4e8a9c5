// @koaforge/core/testing: helpers for integration tests of apps and plugins.

export { type KoaListening, listenKoa } from './listen.js';
export { type RawAnswer, type RawRequestOptions, rawRequest } from './raw-request.js';
export { type RedisClusterHandle, type StartRedisClusterOptions, startRedisCluster } from './redis-cluster.js';
export { freePort, type RedisServerHandle, type StartRedisOptions, startRedisServer } from './redis-server.js';
