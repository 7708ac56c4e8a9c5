/**
 * Memoises a value per list of names (a principal's roles, a key's scopes). The key is the names
 * joined; the entry keeps the list it was built from and a hit is compared element by element, so
 * two lists that join to the same string (a name holding the separator) can never share an entry.
 * Bounded: when full it starts over, which costs one rebuild per distinct list.
 */
export class ListMemo<T> {
  readonly #entries = new Map<string, { readonly list: readonly string[]; readonly value: T }>();
  /**
   * The last list asked for, by identity: one principal's roles are usually checked several times
   * in a row (guards, services), and this skips joining and hashing the names. One slot rather than
   * a WeakMap, whose insertion per new list costs more than the join it saves. Hits are still
   * compared element by element, so a list changed in place is never served a stale value.
   */
  #lastList: readonly string[] | undefined;
  #last: { readonly list: readonly string[]; readonly value: T } | undefined;
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(list: readonly string[], build: (list: readonly string[]) => T): T {
    const last = this.#last;
    if (list === this.#lastList && last !== undefined && sameList(last.list, list)) return last.value;
    const key = list.length === 1 ? list[0]! : list.join('\u0000');
    const hit = this.#entries.get(key);
    if (hit !== undefined && sameList(hit.list, list)) {
      this.#lastList = list;
      this.#last = hit;
      return hit.value;
    }
    const value = build(list);
    if (hit !== undefined) return value;
    if (this.#entries.size >= this.#max) this.clear();
    const entry = { list: [...list], value };
    this.#entries.set(key, entry);
    this.#lastList = list;
    this.#last = entry;
    return value;
  }

  clear(): void {
    this.#entries.clear();
    this.#lastList = undefined;
    this.#last = undefined;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
