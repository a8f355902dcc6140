import * as crypto from "node:crypto";

type OneShotHash = (algorithm: string, data: string, outputEncoding: "base64url") => string;
// crypto.hash (Node >= 20.12): one call, no Hash object; about half the cost of createHash().update().digest().
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** SHA-256 of a UTF-8 string, base64url: the same bytes on every Node version. */
export function sha256url(data: string): string {
  return oneShot ? oneShot("sha256", data, "base64url") : crypto.createHash("sha256").update(data).digest("base64url");
}
