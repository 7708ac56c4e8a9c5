import type { Cluster, Redis } from 'ioredis';

type Log = (level: 'info' | 'warn', fields: Record<string, unknown>, msg: string) => void;

/**
 * One warn when a Cluster node is lost and one info when it answers again. While a node is down,
 * ioredis drops and re-creates its connection on every slot refresh (`-node`/`+node` several times
 * a second, measured: 18 lines in 3 s for one dead master); logging each would flood the log.
 */
export function logClusterNodes(cluster: Cluster, log: Log, active: () => boolean): void {
  const lost = new Set<string>();
  const keyOf = (node: Redis) => `${node.options.host}:${node.options.port}`;
  cluster.on('-node', (node: Redis) => {
    const key = keyOf(node);
    if (!active() || lost.has(key)) return;
    lost.add(key);
    log('warn', { node: key }, 'Redis cluster node lost');
  });
  cluster.on('+node', (node: Redis) => {
    const key = keyOf(node);
    if (!lost.has(key)) return;
    node.once('ready', () => {
      if (lost.delete(key) && active()) log('info', { node: key }, 'Redis cluster node back');
    });
  });
}
