import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { type CxoneConnection, connectionSchema } from "../cxone/config";
import { CASE_POLL_ENV, CONNECTION_FIELDS, connectionFields } from "../cxone/connection-fields";
import { SECRET_ENV_NAMES } from "../relay/env";
import { SettingError } from "../setting-error";

/**
 * The admin's one env file: the relay's CXONE_* / RELAY_* / COGNIGY_* variables plus the two only the CLI reads
 * (RELAY_PUBLIC_URL, CXONE_SKILL_ID). Read with Node's own dotenv parser, written back with mode 0600.
 */

/** Where CXone reaches the relay from the internet (the relay itself does not need it; doctor and setup do). */
export const RELAY_PUBLIC_URL = "RELAY_PUBLIC_URL";
/** The digital skill handovers route to (for doctor's "agents logged in" check). */
export const CXONE_SKILL_ID = "CXONE_SKILL_ID";
/** The BYOC integration the channel belongs to. */
export const CXONE_INTEGRATION_ID = "CXONE_INTEGRATION_ID";

export type Env = Record<string, string | undefined>;

/** The process environment with the file's values on top (the file is what the admin pointed at). */
export function loadEnv(file: string | undefined, base: Env): Env {
  if (!file) return { ...base };
  if (!existsSync(file)) return { ...base };
  return { ...base, ...parseEnv(readFileSync(file, "utf8")) };
}

/** Rewrites the given keys in the env file (other lines stay as they are) and makes it readable by its owner only. */
export function writeEnvFile(file: string, values: Record<string, string>): void {
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  const pending = new Map(Object.entries(values));
  const out = lines.map((line) => {
    const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (!key || !pending.has(key)) return line;
    const value = pending.get(key) as string;
    pending.delete(key);
    return `${key}=${quote(value)}`;
  });
  while (out.length && out[out.length - 1] === "") out.pop();
  for (const [key, value] of pending) out.push(`${key}=${quote(value)}`);
  writeFileSync(file, `${out.join("\n")}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of an existing file: make sure it is 0600 either way.
  chmodSync(file, 0o600);
}

function quote(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error("a value with a line break cannot go into an env file");
  if (/^[A-Za-z0-9_./:@+=,-]*$/.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"') && !value.includes("\\")) return `"${value}"`;
  throw new Error("a value with both kinds of quote cannot go into an env file");
}

/** A client secret for CXone's BYOC form: 32 random bytes, URL-safe. */
export function newClientSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** The CXONE_* values as the connection schema's raw input (same names as the relay reads). */
export function cxoneInput(env: Env): Record<string, string | undefined> {
  const raw: Record<string, string | undefined> = {};
  for (const [key, name] of Object.entries(CASE_POLL_ENV)) {
    const v = env[name];
    raw[key] = v === undefined || v.trim() === "" ? undefined : v;
  }
  return raw;
}

/** The connection's values as env file lines: the ones set and not the field's default (CXONE_* and the thread key). */
export function connectionEnv(values: Partial<Record<keyof CxoneConnection, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of connectionFields) {
    const value = values[f.name];
    if (value && value !== f.default) out[f.env] = value;
  }
  return out;
}

/** Every secret the env may hold (the connection's, the relay's own): masked in all the CLI prints. */
export function secretValues(env: Env): (string | undefined)[] {
  const names = [...connectionFields.filter((f) => f.secret).map((f) => f.env), ...SECRET_ENV_NAMES];
  return names.map((name) => env[name]);
}

/**
 * The CXone credentials without a channel (setup runs before the channel exists). Same schema as the extension and
 * the relay, so a value refused here is refused there too; the error names the variable.
 */
export function parseCredentials(env: Env, channelId = ""): CxoneConnection {
  const raw = { ...cxoneInput(env), channelId: channelId || "-" };
  const result = connectionSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0] ?? "");
    throw new SettingError(CONNECTION_FIELDS[key as keyof typeof CONNECTION_FIELDS]?.env ?? key, issue.message);
  }
  return { ...result.data, channelId };
}
