/** The file layer: one JSON file, read synchronously at load. */

import { readFileSync } from 'node:fs';
import { CoreErrors } from '../errors.js';
import { locateJsonError } from './json-position.js';
import { isPlainObject } from './tree.js';

/**
 * Read and parse a JSON config file. A file named explicitly must exist: a typo in a path should
 * fail the boot, not silently run on defaults. Errors carry the path and, for bad JSON, the line,
 * column and offset — but never a slice of the text, which may hold secrets.
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'read error';
    throw CoreErrors.CONFIG_INVALID(`Invalid config: file ${path} could not be read (${code})`, {
      cause: err,
      details: { file: path, code },
    });
  }
  // Editors on Windows like to write a byte order mark; JSON.parse rejects it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The SyntaxError is not kept as `cause`: its message may quote the file's text.
    const where = locateJsonError(text) ?? { position: 0, line: 1, column: 1, reason: 'invalid JSON' };
    throw CoreErrors.CONFIG_INVALID(
      `Invalid config: file ${path} is not valid JSON: ${where.reason} at line ${where.line}, column ${where.column} (position ${where.position})`,
      { details: { file: path, ...where } },
    );
  }
  if (!isPlainObject(parsed)) {
    throw CoreErrors.CONFIG_INVALID(`Invalid config: file ${path} must contain a JSON object at the top level`, {
      details: { file: path },
    });
  }
  return parsed;
}
