// The CXone connection's fields, each spelled once: everything that lists them derives from this file.
import { z } from "zod";
import { secureUrl } from "./secure-url";

/*
 * The Cognigy form (connections/cxoneConnection.ts), the zod schema the nodes validate it with (./config.ts), the env
 * variables the relay and the admin CLI read the same values from, and which values are secrets to scrub from logs,
 * errors and output. No relay or CLI code here: the extension bundle imports it.
 */

export const GLOBAL_AUTH_HOST = "https://cxone.niceincontact.com";

export interface ConnectionField<Check extends z.ZodTypeAny = z.ZodTypeAny> {
  /** The form's label. */
  label: string;
  /** The form's help text; the README's Connection table says the same. */
  description: string;
  /** Required in the Cognigy form. */
  required: boolean;
  /**
   * The one node that needs it, when only one does: required in the form, but the schema lets it be empty and that
   * node checks it, so the other nodes keep working while an admin adds it.
   */
  usedOnlyBy?: string;
  /** Never in a log line, an error or the CLI's output. */
  secret: boolean;
  /** The variable the relay and the CLI read it from (README, Relay). */
  env: string;
  /**
   * What the relay reads it for: the case poll's CXone login (all of them set switch case events on), or verifying
   * the thread ids of agent replies (a setting the relay always needs).
   */
  relay: "case poll" | "thread ids";
  /** `setup` asks for it at a terminal when the env file lacks it. */
  asked?: boolean;
  /** The value an empty field means (also left out of the env file setup writes). */
  default?: string;
  /** Validates the value as Cognigy passes it; error messages say what to enter, never the value. */
  check: Check;
}

const required = (what: string) =>
  z
    .string({ required_error: `is missing: ${what}` })
    .trim()
    .min(1, `is empty: ${what}`);

/** Empty strings from the Cognigy form mean "not set". */
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

/** Keeps each field's check type, so the schema built from the list types the connection. */
const field = <Check extends z.ZodTypeAny>(f: ConnectionField<Check>) => f;

const THREAD_KEY_VARIABLE = "RELAY_THREAD_KEY";

/** In form order. */
export const CONNECTION_FIELDS = {
  authHost: field({
    label: "Auth host",
    required: false,
    secret: false,
    env: "CXONE_AUTH_HOST",
    relay: "case poll",
    default: GLOBAL_AUTH_HOST,
    description: `CXone authentication host. Leave empty for the global host ${GLOBAL_AUTH_HOST}. Must start with https://.`,
    check: optional(secureUrl(GLOBAL_AUTH_HOST)).transform((v) => v ?? GLOBAL_AUTH_HOST),
  }),
  clientId: field({
    label: "Client ID",
    required: true,
    secret: false,
    env: "CXONE_CLIENT_ID",
    relay: "case poll",
    asked: true,
    description: "The client id NiCE issued when your application was registered (DEVone, back-end app).",
    check: required("the client id NiCE issued when your app was registered"),
  }),
  clientSecret: field({
    label: "Client secret",
    required: true,
    secret: true,
    env: "CXONE_CLIENT_SECRET",
    relay: "case poll",
    asked: true,
    description: "The client secret NiCE issued with the client id.",
    check: required("the client secret NiCE issued with the client id"),
  }),
  accessKeyId: field({
    label: "Access key ID",
    required: true,
    secret: false,
    env: "CXONE_ACCESS_KEY_ID",
    relay: "case poll",
    asked: true,
    description: "An access key of a dedicated CXone service user (Admin > Employees > Access Keys).",
    check: required("create an access key for the CXone service user (Admin > Employees > Access Keys)"),
  }),
  accessKeySecret: field({
    label: "Access key secret",
    required: true,
    secret: true,
    env: "CXONE_ACCESS_KEY_SECRET",
    relay: "case poll",
    asked: true,
    description: "The secret shown once when the access key was created.",
    check: required("the secret shown once when the access key was created"),
  }),
  channelId: field({
    label: "Channel ID",
    required: true,
    secret: false,
    env: "CXONE_CHANNEL_ID",
    relay: "case poll",
    description:
      "The BYOC channel (Digital point of contact) handovers open conversations on, e.g. chat_1a2b…; `npm run cli -- setup` creates it and prints its id.",
    check: required("the id of the BYOC channel (point of contact) handovers open conversations on"),
  }),
  threadKey: field({
    label: "Thread key",
    required: true,
    // Hand over checks it with src/handover/thread.ts, the same rule as the relay's.
    usedOnlyBy: "Hand over",
    secret: true,
    env: THREAD_KEY_VARIABLE,
    relay: "thread ids",
    description: `A random key of at least 32 characters (e.g. \`openssl rand -base64 32\`), the same value as the relay's ${THREAD_KEY_VARIABLE}. Hand over signs each thread id with it, and the relay delivers agent replies only to threads it can verify. Only Hand over needs it: its error branch names threadKey when it is missing.`,
    check: optional(z.string()),
  }),
  dfoBaseUrl: field({
    label: "Digital API base URL (optional)",
    required: false,
    secret: false,
    env: "CXONE_DFO_BASE_URL",
    relay: "case poll",
    description:
      "Leave empty: the Digital API host is discovered as https://api-de-{area}.{domain}. Set it only when your tenant's discovery answer has no area (the nodes then say so), or to point at a sandbox.",
    check: optional(secureUrl("https://api-de-na1.niceincontact.com")),
  }),
};

export type ConnectionFieldName = keyof typeof CONNECTION_FIELDS;

/** The fields as a list, in form order, each with its name. */
export const connectionFields = (Object.keys(CONNECTION_FIELDS) as ConnectionFieldName[]).map((name) => ({
  name,
  ...(CONNECTION_FIELDS[name] as ConnectionField),
}));

/** The names of the fields whose values must never reach a log, an error or output. */
export const SECRET_FIELDS = connectionFields.filter((f) => f.secret).map((f) => f.name);

/** Field name → the variable the relay and the CLI read it from. */
export const CONNECTION_ENV = Object.fromEntries(connectionFields.map((f) => [f.name, f.env])) as Readonly<
  Record<ConnectionFieldName, string>
>;

/** Field name → env variable, for the fields the relay's case poll logs in with (CXONE_*). */
export const CASE_POLL_ENV: Readonly<Partial<Record<ConnectionFieldName, string>>> = Object.fromEntries(
  connectionFields.filter((f) => f.relay === "case poll").map((f) => [f.name, f.env]),
);
