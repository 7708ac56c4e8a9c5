/** What travels between instances: one JSON object per emission. */
export interface EventEnvelope {
  /** Unique id of the emission. */
  id: string;
  /** Event name. */
  event: string;
  payload: unknown;
  /** Instance id of the emitting bus: receivers drop their own messages. */
  origin: string;
  /** Emission time, ms since the epoch. */
  at: number;
}

export type DropReason = 'too_large' | 'json' | 'shape' | 'invalid_payload';

export type DecodeResult = { ok: true; envelope: EventEnvelope } | { ok: false; reason: DropReason; error?: unknown };

/** Default size limit of one message, both ways. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export function encodeEnvelope(envelope: EventEnvelope): string {
  return JSON.stringify(envelope);
}

/** Parse and shape-check one message; never throws. */
export function decodeEnvelope(raw: string, maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES): DecodeResult {
  // A UTF-8 character is at most 3 bytes per UTF-16 unit: only count bytes when it may matter.
  if (raw.length * 3 > maxBytes && Buffer.byteLength(raw) > maxBytes) return { ok: false, reason: 'too_large' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: 'json', error };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'shape' };
  const v = value as Record<string, unknown>;
  if (
    typeof v.id !== 'string' ||
    typeof v.event !== 'string' ||
    typeof v.origin !== 'string' ||
    typeof v.at !== 'number' ||
    !('payload' in v)
  ) {
    return { ok: false, reason: 'shape' };
  }
  return { ok: true, envelope: { id: v.id, event: v.event, payload: v.payload, origin: v.origin, at: v.at } };
}
