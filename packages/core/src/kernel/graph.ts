import { CoreErrors } from '../errors.js';

export interface GraphNode {
  name: string;
  dependsOn: readonly string[];
  optionalDependsOn: readonly string[];
}

/**
 * Order plugins so each comes after what it depends on; among independent plugins, registration
 * order is kept (a stable topological sort, depth first in registration order).
 * A missing dependency fails naming the whole path from a registered root (`app → auth → redis`);
 * a cycle fails naming the cycle (`a → b → c → a`).
 */
export function sortPlugins<T extends GraphNode>(nodes: readonly T[]): T[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const order: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();

  const visit = (node: T, path: string[]): void => {
    const mark = state.get(node.name);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      const cycle = [...path.slice(path.indexOf(node.name)), node.name];
      throw CoreErrors.PLUGIN_CYCLE(`Plugins depend on each other in a cycle: ${cycle.join(' → ')}`, {
        details: { cycle },
      });
    }
    state.set(node.name, 'visiting');
    const here = [...path, node.name];
    for (const dep of node.dependsOn) {
      const target = byName.get(dep);
      if (target === undefined) {
        const chain = ['app', ...here, dep];
        throw CoreErrors.PLUGIN_MISSING_DEPENDENCY(
          `Plugin "${node.name}" depends on "${dep}", which is not registered (${chain.join(' → ')})`,
          { details: { plugin: node.name, missing: dep, path: chain } },
        );
      }
      visit(target, here);
    }
    for (const dep of node.optionalDependsOn) {
      const target = byName.get(dep);
      if (target !== undefined) visit(target, here);
    }
    state.set(node.name, 'done');
    order.push(node);
  };

  for (const node of nodes) visit(node, []);
  return order;
}
