// The one rule for every URL a token or message text is sent to: https, or plain http to loopback in dev mode.
import { z } from "zod";

/*
 * Plain http only when the process says it is a test, the sandbox, the emulator or the demo (CXONE_HANDOVER_DEV_MODE=1).
 * In production a connection to http://localhost would send tokens and text unencrypted to whatever listens on the
 * Cognigy host.
 */

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export const DEV_MODE_VARIABLE = "CXONE_HANDOVER_DEV_MODE";
const devMode = () => typeof process !== "undefined" && process.env?.[DEV_MODE_VARIABLE] === "1";

/** https, or plain http to loopback in dev mode: the only URLs a token, a credential or message text may go to. */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname) && devMode());
}

/** A configured URL that passes isSecureUrl: a token sent to an arbitrary plain-http URL would leak. */
export function secureUrl(what: string) {
  return z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a URL such as ${what}` });
        return;
      }
      if (!isSecureUrl(url)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must start with https:// (plain http only for localhost, with ${DEV_MODE_VARIABLE}=1)`,
        });
      }
    })
    .transform((value) => value.replace(/\/+$/, ""));
}
