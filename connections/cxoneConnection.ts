import type { IConnectionSchema, IConnectionSchemaField } from "@cognigy/extension-tools";

export const CXONE_CONNECTION_TYPE = "nice-cxone";

/**
 * What an admin enters once per CXone tenant. Cognigy stores connection values encrypted and hands them to the node
 * as `config.connection`; src/cxone/config.ts validates them at run time (extension-tools validates nothing).
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
  fields: [
    {
      fieldName: "authHost",
      label: "Auth host",
      required: false,
      description: "CXone authentication host. Leave empty for the global host https://cxone.niceincontact.com.",
    },
    { fieldName: "clientId", label: "Client ID", required: true, description: "Client id NiCE issued for your app." },
    {
      fieldName: "clientSecret",
      label: "Client secret",
      required: true,
      description: "Client secret NiCE issued with the client id.",
    },
    {
      fieldName: "accessKeyId",
      label: "Access key ID",
      required: true,
      description: "Access key of the CXone service user (Admin > Employees > Access Keys).",
    },
    {
      fieldName: "accessKeySecret",
      label: "Access key secret",
      required: true,
      description: "Secret of that access key (shown once when the key is created).",
    },
    {
      fieldName: "channelId",
      label: "Channel ID",
      required: true,
      description: "The BYOC channel (Digital point of contact) handovers open conversations on, e.g. chat_1a2b….",
    },
    {
      fieldName: "threadKey",
      label: "Thread key",
      required: true,
      description:
        "A random key of 32+ characters (e.g. `openssl rand -base64 32`), the same as the relay's RELAY_THREAD_KEY: it signs each handover's thread id so the relay delivers agent replies only to the conversation that handed over.",
    },
    {
      fieldName: "dfoBaseUrl",
      label: "Digital API base URL (optional)",
      required: false,
      description: "Leave empty: it is discovered (https://api-de-{area}.{domain}). Set only to override.",
    },
  ],
};
