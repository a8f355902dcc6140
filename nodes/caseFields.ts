import { type CxoneClient, CxoneConfigError } from "../src/cxone";
import type { FieldDefinition } from "../src/cxone/schemas";
import type { NodeRun } from "../src/node-kit";

/**
 * Checks the custom fields a flow sets (case fields and customer-card fields, one rule for both) against the tenant's
 * definitions before any CXone write: a typo in an ident is an error on the node's error branch, not a field CXone
 * silently drops. The definitions are cached in context (one read per conversation per CACHE_MS), so a busy bot does
 * not read them on every handover.
 */
const CACHE_MS = 10 * 60_000;

/** What differs between the two kinds of field: where the definitions come from and how errors name them. */
export interface FieldScope {
  /** The node field the values come from (named in errors). */
  configKey: string;
  /** How CXone's admin names the fields, e.g. "case custom field". */
  noun: string;
  /** Where an admin defines them in CXone. */
  adminPath: string;
  contextKey: string;
  read: (client: CxoneClient) => Promise<FieldDefinition[]>;
}

export const CASE_FIELDS: FieldScope = {
  configKey: "customFields",
  noun: "CXone case custom field",
  adminPath: "ACD > Digital > Custom fields",
  contextKey: "cxoneCaseFieldDefinitions",
  read: (client) => client.caseFieldDefinitions(),
};

export const CUSTOMER_FIELDS: FieldScope = {
  configKey: "customerFields",
  noun: "CXone customer-card field",
  adminPath: "ACD > Digital > Custom fields, customer card",
  contextKey: "cxoneCustomerFieldDefinitions",
  read: (client) => client.customerFieldDefinitions(),
};
export const FIELD_DEFINITIONS_CONTEXT_KEY = CASE_FIELDS.contextKey;

interface Cached {
  channelId: string;
  at: number;
  fields: { ident: string; values?: string[] }[];
}

function listValues(def: FieldDefinition): string[] | undefined {
  if (def.type !== "list" || !Array.isArray(def.values)) return undefined;
  return def.values
    .map((v) => (v && typeof v === "object" ? (v as { value?: unknown }).value : undefined))
    .filter((v): v is string => typeof v === "string");
}

async function definitions(
  scope: FieldScope,
  run: NodeRun<unknown>,
  client: CxoneClient,
  fresh: boolean,
): Promise<{ fields: Cached["fields"]; cached: boolean }> {
  const channelId = run.connection.channelId;
  const cached = run.context[scope.contextKey] as Cached | undefined;
  const valid = cached?.channelId === channelId && Date.now() - cached.at < CACHE_MS && Array.isArray(cached.fields);
  if (!fresh && valid && cached) return { fields: cached.fields, cached: true };
  const fields = (await scope.read(client)).map((d) => ({ ident: d.ident, values: listValues(d) }));
  run.api.addToContext?.(scope.contextKey, { channelId, at: Date.now(), fields }, "simple");
  return { fields, cached: false };
}

export const checkCaseFields = (run: NodeRun<unknown>, client: CxoneClient, fields: FieldValue[]) =>
  checkFields(CASE_FIELDS, run, client, fields);

type FieldValue = { ident: string; value: string };

export async function checkFields(
  scope: FieldScope,
  run: NodeRun<unknown>,
  client: CxoneClient,
  fields: FieldValue[],
): Promise<void> {
  if (!fields.length) return;
  let read = await definitions(scope, run, client, false);
  // A field defined since the cache was filled is not a typo: read the definitions again before refusing.
  if (read.cached && fields.some((f) => !read.fields.some((k) => k.ident === f.ident))) {
    read = await definitions(scope, run, client, true);
  }
  const known = read.fields;
  const byIdent = new Map(known.map((f) => [f.ident, f]));
  const unknown = fields.filter((f) => !byIdent.has(f.ident)).map((f) => `"${f.ident}"`);
  if (unknown.length) {
    const list = known.map((f) => f.ident).join(", ") || "none";
    throw new CxoneConfigError(
      scope.configKey,
      `unknown ${scope.noun} ${unknown.join(", ")}; this tenant defines: ${list} ` +
        `(CXone: ${scope.adminPath}; idents are case-sensitive). Nothing was sent to CXone.`,
    );
  }
  for (const f of fields) {
    const values = byIdent.get(f.ident)?.values;
    if (values && !values.includes(f.value)) {
      throw new CxoneConfigError(
        scope.configKey,
        `"${f.value.slice(0, 40)}" is not a value of the list field "${f.ident}" (${values.join(", ")}). ` +
          "Nothing was sent to CXone.",
      );
    }
  }
}
