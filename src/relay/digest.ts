// The relay's one hash (SHA-256, base64url): log tags and keys that must not carry the ids they stand for.
import * as crypto from "node:crypto";

// crypto.hash (Node >= 20.12; the types declare it for every Node 20): one call, no Hash object; about half the cost
// of createHash().update().digest(). Undefined on an older Node 20.
const oneShot: typeof crypto.hash | undefined = crypto.hash;

/** SHA-256 of a UTF-8 string, base64url: the same bytes on every Node version. */
export function sha256url(data: string): string {
  return oneShot ? oneShot("sha256", data, "base64url") : crypto.createHash("sha256").update(data).digest("base64url");
}
