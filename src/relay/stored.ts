// Reads back what the relay stored, through the zod schema of the file that owns it: stored state is never trusted.
import type { z } from "zod";

/**
 * The stored value in its owner's shape, or undefined (logged by key, never by value) when it is not JSON or not that
 * shape: another app sharing the key prefix, a truncated write, a relay version that stored another shape. The caller
 * then drops it from the store, so one bad value costs one log line, not a failing poll or an event built from it.
 */
export function readStored<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  raw: string,
  log: { warn(o: object, msg: string): void },
  key: string,
): T | undefined {
  let result: z.SafeParseReturnType<unknown, T> | undefined;
  try {
    result = schema.safeParse(JSON.parse(raw));
  } catch {
    result = undefined; // not JSON
  }
  if (result?.success) return result.data;
  log.warn({ key }, "stored state not in this relay's shape; dropped");
  return undefined;
}
