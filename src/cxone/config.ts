/** Validates a CXone connection at run time (extension-tools validates nothing) with ./connection-fields.ts. */
import { z } from "zod";
import { CONNECTION_FIELDS, type ConnectionFieldName, SECRET_FIELDS } from "./connection-fields";
import { CxoneConfigError } from "./errors";

type FieldChecks = { [K in ConnectionFieldName]: (typeof CONNECTION_FIELDS)[K]["check"] };

export const connectionSchema = z.object(
  Object.fromEntries(Object.entries(CONNECTION_FIELDS).map(([name, f]) => [name, f.check])) as FieldChecks,
);

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
export function secretsOf(connection: Partial<Record<ConnectionFieldName, unknown>>): string[] {
  return SECRET_FIELDS.map((name) => connection[name]).filter(
    (s): s is string => typeof s === "string" && s.length >= 4,
  );
}
