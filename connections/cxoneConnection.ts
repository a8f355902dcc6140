// The NiCE CXone connection as Cognigy shows it: the form, derived from the one field list in src/cxone/connection-fields.ts.
import type { IConnectionSchema, IConnectionSchemaField } from "@cognigy/extension-tools";
import { connectionFields } from "../src/cxone/connection-fields";

export const CXONE_CONNECTION_TYPE = "nice-cxone";

/**
 * What an admin enters once per CXone tenant, built from src/cxone/connection-fields.ts (the one list of the
 * connection's fields). Cognigy stores connection values encrypted and hands them to the node as
 * `config.connection`; src/cxone/config.ts validates them at run time (extension-tools validates nothing).
 * `label`/`required`/`description` per field are accepted by the platform though 0.14.0 only types `fieldName`.
 */
interface DescribedField extends IConnectionSchemaField {
  label: string;
  required: boolean;
  description: string;
}

export const cxoneConnection: IConnectionSchema & { fields: DescribedField[] } = {
  type: CXONE_CONNECTION_TYPE,
  label: "NiCE CXone",
  fields: connectionFields.map(({ name, label, required, description }) => ({
    fieldName: name,
    label,
    required,
    description,
  })),
};
