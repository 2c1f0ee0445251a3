import type { FieldViolation } from '../domain/errors';
import { checkMetadata } from '../domain/validation';

const METADATA_FIELDS = ['user_metadata', 'app_metadata'] as const;

/**
 * What JSON Schema cannot say, checked before the body is turned into a protobuf message:
 * - every string (and object key) is well-formed UTF-16: a lone surrogate would silently become U+FFFD
 *   on the wire, so the store would see a different value than the caller sent;
 * - metadata is within the domain's depth and size limits: a deeply nested object would otherwise
 *   exhaust the stack while being converted to a google.protobuf.Struct.
 * Returns the first violation (top-level field name, safe description), or null.
 */
export function checkBody(body: Readonly<Record<string, unknown>>): FieldViolation | null {
  for (const field of METADATA_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    const violation = checkMetadata(field, value as Record<string, unknown>);
    if (violation) return violation;
  }
  for (const [field, value] of Object.entries(body)) {
    if (!wellFormed(value)) return { field, description: 'must be valid Unicode (no lone surrogates)' };
  }
  return null;
}

/** Iterative, so it is safe on any depth (checkMetadata has already bounded the depth anyway). */
function wellFormed(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return false;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (!key.isWellFormed()) return false;
        pending.push(child);
      }
    }
  }
  return true;
}
