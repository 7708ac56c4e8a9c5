/**
 * Layers and their contributions. Every layer is kept as a list of contributions (one per source:
 * the defaults, one per plugin, the file, one per environment variable, the overrides) so that
 * `explain()` and validation errors can name exactly which source set a key.
 */

import { type ConfigPath, type ConfigTree, valueAt } from './tree.js';

/** The layers of configuration, lowest first. Higher layers win. */
export type ConfigLayer = 'default' | 'plugin-default' | 'file' | 'env' | 'override';

const LAYER_RANK: Readonly<Record<ConfigLayer, number>> = {
  default: 0,
  'plugin-default': 1,
  file: 2,
  env: 3,
  override: 4,
};

export interface Contribution {
  readonly layer: ConfigLayer;
  /** Human-readable source: `defaults`, `plugin auth`, `file ./koaforge.json`, `env KOAFORGE_X`, `overrides`. */
  readonly source: string;
  readonly tree: ConfigTree;
  /** For environment variables: where the variable lands and its text before JSON parsing. */
  readonly env?: { readonly path: ConfigPath; readonly raw: string };
}

/** Insert `item` after every contribution of the same or a lower layer (stable by arrival). */
export function insertContribution(list: Contribution[], item: Contribution): void {
  const rank = LAYER_RANK[item.layer];
  const index = list.findIndex((existing) => LAYER_RANK[existing.layer] > rank);
  if (index === -1) list.push(item);
  else list.splice(index, 0, item);
}

/** The contributions that hold a value at `path`, lowest first; the last one is what the merged tree shows. */
export function contributorsAt(list: readonly Contribution[], path: ConfigPath): Contribution[] {
  return list.filter((contribution) => valueAt(contribution.tree, path) !== undefined);
}
