import { ListMemo } from './list-memo.js';
import { PatternSet } from './pattern-set.js';
import { parsePermission } from './permission.js';

const NONE: readonly string[] = Object.freeze([]);
const memo = new ListMemo<PatternSet>();

function build(scopes: readonly string[]): PatternSet {
  const set = new PatternSet();
  for (const s of scopes) {
    // A malformed scope grants nothing, rather than failing every request made with the key.
    try {
      set.add(parsePermission(s));
    } catch {}
  }
  return set;
}

/** The scopes of a credential (API key) as a compiled pattern set, memoised per list. */
export function compileScopes(scopes: readonly string[] | undefined): PatternSet {
  return memo.get(scopes ?? NONE, build);
}
