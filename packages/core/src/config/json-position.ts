/**
 * Locate the first syntax error in a JSON text. `JSON.parse` messages differ between Node versions,
 * sometimes carry no position, and sometimes quote a slice of the input — which, for a config file,
 * may be a secret. This scanner runs only after `JSON.parse` has failed and reports a position and a
 * reason that never quote the text.
 */

export interface JsonErrorLocation {
  /** 0-based offset into the text. */
  position: number;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  reason: string;
}

class JsonSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4_RE = /[0-9a-fA-F]{4}/y;
const SIMPLE_ESCAPES = '"\\/bfnrt';

/** Where `text` stops being JSON; `undefined` if the scanner finds it valid (or nests too deep to scan). */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  try {
    scanDocument(text);
    return undefined;
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) return undefined;
    const before = text.slice(0, err.position);
    const line = before.split('\n').length;
    const column = err.position - before.lastIndexOf('\n');
    return { position: err.position, line, column, reason: err.reason };
  }
}

function scanDocument(text: string): void {
  let i = 0;
  const fail = (reason: string): never => {
    throw new JsonSyntaxError(i, reason);
  };
  const skipSpace = (): void => {
    for (let c = text.charAt(i); c === ' ' || c === '\t' || c === '\n' || c === '\r'; c = text.charAt(i)) i++;
  };
  const matchAt = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  const scanString = (): void => {
    i++; // opening quote
    for (;;) {
      const c = text.charAt(i);
      if (c === '') fail('unterminated string');
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        const escaped = text.charAt(i);
        if (escaped !== '' && SIMPLE_ESCAPES.includes(escaped)) i++;
        else if (escaped === 'u') {
          i++;
          if (!matchAt(HEX4_RE)) fail('invalid \\u escape');
        } else fail('invalid escape in string');
      } else if (c.charCodeAt(0) < 0x20) {
        fail('control character in string (use \\n, \\t, ...)');
      } else {
        i++;
      }
    }
  };
  const scanValue = (): void => {
    skipSpace();
    const c = text.charAt(i);
    if (c === '{') scanContainer('}', true);
    else if (c === '[') scanContainer(']', false);
    else if (c === '"') scanString();
    else if (c === '-' || (c >= '0' && c <= '9')) {
      if (!matchAt(NUMBER_RE)) fail('invalid number');
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else if (c === '') fail('unexpected end of input');
    else fail(`unexpected character ${JSON.stringify(c)}`);
  };
  const scanContainer = (close: '}' | ']', isObject: boolean): void => {
    i++; // opening bracket
    skipSpace();
    if (text.charAt(i) === close) {
      i++;
      return;
    }
    for (;;) {
      if (isObject) {
        skipSpace();
        if (text.charAt(i) !== '"') fail('expected a property name in double quotes');
        scanString();
        skipSpace();
        if (text.charAt(i) !== ':') fail("expected ':' after property name");
        i++;
      }
      scanValue();
      skipSpace();
      const next = text.charAt(i);
      if (next === ',') i++;
      else if (next === close) {
        i++;
        return;
      } else fail(`expected ',' or '${close}'`);
    }
  };
  scanValue();
  skipSpace();
  if (i < text.length) fail('unexpected content after the JSON value');
}
