import { covers, overlaps, type ParsedPermission } from './permission.js';

/**
 * A set of permission patterns compiled for lookups: exact permissions, resources granted with
 * every action (`files:*`), actions granted on every resource (`*:read`) and the global `*`. Asking
 * whether it covers a concrete permission is at most three Set lookups, whatever the number of
 * roles and grants behind it.
 */
export class PatternSet {
  #everything = false;
  readonly #exact = new Set<string>();
  readonly #resources = new Set<string>();
  readonly #actions = new Set<string>();
  readonly #patterns: ParsedPermission[] = [];

  /** Every pattern added, in order, without duplicates. */
  get patterns(): readonly ParsedPermission[] {
    return this.#patterns;
  }

  get size(): number {
    return this.#patterns.length;
  }

  add(pattern: ParsedPermission): this {
    if (this.#patterns.some((p) => p.text === pattern.text)) return this;
    this.#patterns.push(pattern);
    switch (pattern.kind) {
      case 'everything':
        this.#everything = true;
        break;
      case 'anyAction':
        this.#resources.add(pattern.resource);
        break;
      case 'anyResource':
        this.#actions.add(pattern.action);
        break;
      default:
        this.#exact.add(pattern.text);
    }
    return this;
  }

  /** Whether some pattern grants everything `wanted` asks for. */
  covers(wanted: ParsedPermission): boolean {
    if (this.#everything) return true;
    switch (wanted.kind) {
      case 'exact':
        return this.#exact.has(wanted.text) || this.#resources.has(wanted.resource) || this.#actions.has(wanted.action);
      case 'anyAction':
        return this.#resources.has(wanted.resource);
      case 'anyResource':
        return this.#actions.has(wanted.action);
      default:
        return false;
    }
  }

  /**
   * Whether some pattern matches a permission `wanted` also matches: the deny test. For a concrete
   * permission that is `covers`; a wildcard check (`files:*`) is refused by any narrower deny in
   * it (`files:delete`), which takes a scan of the (few) patterns.
   */
  overlaps(wanted: ParsedPermission): boolean {
    if (wanted.kind === 'exact') return this.covers(wanted);
    if (this.#everything) return true;
    for (const p of this.#patterns) if (overlaps(p, wanted)) return true;
    return false;
  }

  /** The first pattern that covers `wanted` (for explanations). */
  coveringPattern(wanted: ParsedPermission): ParsedPermission | undefined {
    return this.#patterns.find((p) => covers(p, wanted));
  }
}
