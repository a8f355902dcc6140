import { z } from "zod";
import { CxoneConfigError } from "./errors";

export const GLOBAL_AUTH_HOST = "https://cxone.niceincontact.com";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Plain http to loopback is for the sandbox, the emulator, tests and the demo only: the process must say so with
 * CXONE_HANDOVER_DEV_MODE=1. In production a connection to http://localhost would send tokens and text unencrypted
 * to whatever listens on the Cognigy host.
 */
export const DEV_MODE_VARIABLE = "CXONE_HANDOVER_DEV_MODE";
const devMode = () => typeof process !== "undefined" && process.env?.[DEV_MODE_VARIABLE] === "1";

/** https (or, in dev mode, http on loopback): a token sent to an arbitrary plain-http URL would leak. */
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
      const loopback = isLoopbackHost(url.hostname);
      if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback && devMode())) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must start with https:// (plain http only for localhost, with ${DEV_MODE_VARIABLE}=1)`,
        });
      }
    })
    .transform((value) => value.replace(/\/+$/, ""));
}

const required = (what: string) =>
  z
    .string({ required_error: `is missing: ${what}` })
    .trim()
    .min(1, `is empty: ${what}`);

/** Empty strings from the Cognigy form mean "not set". */
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

export const connectionSchema = z.object({
  authHost: optional(secureUrl(GLOBAL_AUTH_HOST)).transform((v) => v ?? GLOBAL_AUTH_HOST),
  clientId: required("the client id NiCE issued when your app was registered"),
  clientSecret: required("the client secret NiCE issued with the client id"),
  accessKeyId: required("create an access key for the CXone service user (Admin > Employees > Access Keys)"),
  accessKeySecret: required("the secret shown once when the access key was created"),
  channelId: required("the id of the BYOC channel (point of contact) handovers open conversations on"),
  /** Signs thread ids (src/handover/thread.ts checks it where it is used: only Hand over needs it). */
  threadKey: optional(z.string()),
  /** Digital API base override; normally derived from cxone-configuration as https://api-de-{area}.{domain}. */
  dfoBaseUrl: optional(secureUrl("https://api-de-na1.niceincontact.com")),
});

export type CxoneConnection = z.output<typeof connectionSchema>;

/** Validates a connection object (as Cognigy passes it to the node). Throws CxoneConfigError naming the field. */
export function parseConnection(raw: unknown): CxoneConnection {
  if (raw === null || typeof raw !== "object") {
    throw new CxoneConfigError("connection", "no NiCE CXone connection is selected in the node");
  }
  const result = connectionSchema.safeParse(raw);
  if (!result.success) {
    // Only the first problem: one clear instruction beats a list, and zod issues never carry the value itself.
    const issue = result.error.issues[0];
    throw new CxoneConfigError(issue.path.join(".") || "connection", issue.message);
  }
  return result.data;
}

/** Values that must never appear in a log line, error or output. */
export function secretsOf(connection: Partial<CxoneConnection>): string[] {
  return [connection.clientSecret, connection.accessKeySecret, connection.threadKey].filter(
    (s): s is string => !!s && s.length >= 4,
  );
}
