import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { CXONE_CONNECTION_TYPE } from "../../connections/cxoneConnection";
import type { Output } from "./output";

/**
 * `setup --cognigy-api-key`: uploads the extension tarball into a Cognigy project and creates (or updates) its
 * `nice-cxone` connection, through Cognigy's own management API client (@cognigy/rest-api-client, API-key auth:
 * header `x-api-key`). Running it again updates the same extension and connection instead of adding new ones.
 */

/** The extension's name in Cognigy: the `name` of the package.json inside the tarball (./build.sh writes it). */
export const EXTENSION_NAME = "nice-cxone-handover";

export interface CognigyDeployOptions {
  apiUrl: string;
  apiKey: string;
  projectId: string;
  extensionFile: string;
  connectionName: string;
  fields: Record<string, string>;
  /** Between task polls (Cognigy installs the extension in the background). */
  pollIntervalMs?: number;
  timeoutMs?: number;
}

export interface CognigyDeployResult {
  extension: { id: string; uploaded: "new" | "updated" };
  connection: { id: string; created: boolean };
}

type Client = ReturnType<typeof newClient>;

function newClient(apiUrl: string, apiKey: string) {
  const { RestAPIClient } = require("@cognigy/rest-api-client") as typeof import("@cognigy/rest-api-client");
  const client = new RestAPIClient({ baseUrl: apiUrl.replace(/\/+$/, ""), maxRetries: 2 });
  client.setCredentials({ type: "ApiKey", apiKey });
  return client;
}

export async function deployToCognigy(o: CognigyDeployOptions, out: Output): Promise<CognigyDeployResult> {
  out.hide(o.apiKey);
  const client = newClient(o.apiUrl, o.apiKey);
  const file = readFileSync(o.extensionFile);
  const fileName = basename(o.extensionFile);

  out.heading("Cognigy extension");
  const extensions = await client.indexExtensions({ projectId: o.projectId, limit: 100 });
  const existing = extensions.items.find((e) => e.name === EXTENSION_NAME);
  // fileName travels as a form field beside the file: the client names the file part with it.
  const task = existing
    ? await client.updateExtensionPackage({ extension: existing._id, projectId: o.projectId, file, fileName } as never)
    : await client.uploadExtension({ projectId: o.projectId, file, fileName } as never);
  await waitForTask(client, task._id, o);
  const installed = (await client.indexExtensions({ projectId: o.projectId, limit: 100 })).items.find(
    (e) => e.name === EXTENSION_NAME,
  );
  if (!installed) throw new Error(`Cognigy finished the upload but lists no extension ${EXTENSION_NAME}`);
  out.say(`  ${existing ? "updated" : "uploaded"} ${EXTENSION_NAME} ${installed.version ?? ""} (${installed._id})`);

  out.heading("Cognigy connection");
  const connections = await client.indexConnections({ projectId: o.projectId, limit: 100 });
  const found = connections.items.find(
    (c) => c.type === CXONE_CONNECTION_TYPE && c.extension === EXTENSION_NAME && c.name === o.connectionName,
  );
  let connectionId: string;
  if (found) {
    await client.updateConnection({ connectionId: found._id, fields: o.fields });
    connectionId = found._id;
  } else {
    const created = await client.createConnection({
      projectId: o.projectId,
      type: CXONE_CONNECTION_TYPE,
      extension: EXTENSION_NAME,
      name: o.connectionName,
      fields: o.fields,
    });
    connectionId = created._id;
  }
  out.say(`  ${found ? "updated" : "created"} connection "${o.connectionName}" (${connectionId})`);
  return {
    extension: { id: installed._id, uploaded: existing ? "updated" : "new" },
    connection: { id: connectionId, created: !found },
  };
}

async function waitForTask(client: Client, taskId: string, o: CognigyDeployOptions) {
  const end = Date.now() + (o.timeoutMs ?? 120_000);
  for (;;) {
    const task = await client.readTask({ taskId });
    if (task.status === "done") return;
    if (task.status === "error" || task.status === "cancelled") {
      throw new Error(`Cognigy's extension upload ended with status ${task.status}: check the tarball (./build.sh)`);
    }
    if (Date.now() > end)
      throw new Error("Cognigy's extension upload did not finish in time; check Manage > Extensions");
    await new Promise((r) => setTimeout(r, o.pollIntervalMs ?? 1000));
  }
}
