import { createHash } from "node:crypto";
import { CxoneClient } from "../cxone/client";
import { type CxoneConnection, secretsOf } from "../cxone/config";
import { CONNECTION_ENV, connectionFields } from "../cxone/connection-fields";
import type { CxoneChannel } from "../cxone/schemas";
import { secureUrl } from "../cxone/secure-url";
import { threadKeyProblem } from "../handover/thread";
import { BOX } from "../relay/box-path";
import { MIN_SECRET_LENGTH } from "../relay/config";
import { SettingError } from "../setting-error";
import { allChannels, DIGITAL_MEDIA_TYPE } from "./channels";
import { type CognigyDeployResult, deployToCognigy } from "./cognigy";
import {
  CXONE_INTEGRATION_ID,
  CXONE_SKILL_ID,
  connectionEnv,
  type Env,
  newClientSecret,
  parseCredentials,
  RELAY_PUBLIC_URL,
  writeEnvFile,
} from "./env";
import type { Output } from "./output";
import type { Prompter } from "./prompts";

/** `setup`: from credentials to a BYOC channel, a relay env file and the values to paste into CXone and Cognigy. */

export interface SetupOptions {
  integrationId?: string;
  channelName: string;
  relayUrl?: string;
  cognigyEndpointUrl?: string;
  skillId?: string;
  /** The env file written (0600). */
  out: string;
  showSecrets: boolean;
  /** With an API key: upload the extension and create its connection in this Cognigy project too. */
  cognigy?: { apiKey?: string; apiUrl?: string; projectId?: string; extensionFile: string; connectionName: string };
}

/** Our channel's id on the external platform: one per integration, so finding it again needs no state of ours. */
export const CHANNEL_EXTERNAL_ID = "cognigy-handover";
/** BYOC is a custom platform among NiCE's realExternalPlatformId values (inferred: no document names BYOC's). */
const BYOC_PLATFORM = "custom";
const DEFAULT_RELAY_CLIENT_ID = "cxone-byoc";

export interface SetupResult {
  ok: boolean;
  tenant?: { tenantId: string; area?: string; digitalHost: string };
  channel?: { id: string; name?: string; integrationId: string; created: boolean };
  skills?: { skillId: string; skillName?: string; agents: string[]; agentsLoggedIn?: number }[];
  skillId?: string;
  envFile?: string;
  byocForm?: Record<string, string>;
  cognigyConnection?: Record<string, string>;
  cognigy?: CognigyDeployResult;
  error?: { variable?: string; message: string };
}

export async function runSetup(env: Env, opts: SetupOptions, out: Output, ask: Prompter): Promise<SetupResult> {
  // ---- what we need: from flags, the env file, or the admin at a terminal ----
  const value = async (name: string, given: string | undefined, message: string, secret = false) => {
    const v = given ?? env[name];
    if (v && v.trim() !== "") return v.trim();
    const answer = await ask.text(name, message, secret);
    env[name] = answer;
    return answer;
  };
  for (const f of connectionFields.filter((f) => f.asked)) {
    await value(f.env, undefined, `CXone ${f.label.toLowerCase()}: ${f.description}`, f.secret);
  }
  // Optional: before the BYOC integration exists, setup still prints the values its form needs (first run).
  const integrationId = (opts.integrationId ?? env[CXONE_INTEGRATION_ID])?.trim() || undefined;
  const relayUrl = checkedUrl(
    RELAY_PUBLIC_URL,
    await value(RELAY_PUBLIC_URL, opts.relayUrl, "Public https URL of the relay"),
  );
  const cognigyUrl = checkedUrl(
    "COGNIGY_ENDPOINT_URL",
    await value("COGNIGY_ENDPOINT_URL", opts.cognigyEndpointUrl, "Cognigy endpoint base URL"),
  );

  const connection = parseCredentials(env);
  out.hide(connection.clientSecret, connection.accessKeySecret, env.RELAY_CLIENT_SECRET);
  const client = new CxoneClient(connection, { deadlineMs: 60_000 });

  // ---- 1. credentials ----
  out.heading("CXone credentials");
  const session = await client.describeSession();
  const tenant = { tenantId: session.tenantId, area: session.area, digitalHost: session.dfoBaseUrl };
  out.say(`  tenant ${tenant.tenantId}, area ${tenant.area ?? "(not given)"}, Digital host ${tenant.digitalHost}`);

  // ---- 2. the BYOC channel: found again on every run, created once ----
  out.heading("BYOC channel");
  let channel: CxoneChannel | undefined;
  let created = false;
  if (integrationId) {
    ({ channel, created } = await findOrCreateChannel(client, env, session.tenantId, integrationId, opts.channelName));
    out.say(
      `  ${created ? "created" : "found"} channel ${channel.id} (${channel.name ?? ""}) on integration ${integrationId}`,
    );
  } else {
    out.say(
      "  skipped: no --integration-id yet. Create the BYOC integration with the values below, then run setup again with --integration-id <its id>.",
    );
  }

  // ---- 3. digital skills and their agents ----
  out.heading("Digital skills");
  const skills: NonNullable<SetupResult["skills"]> = [];
  for (const skill of await client.listSkills(DIGITAL_MEDIA_TYPE)) {
    const agents = (await client.listSkillAgents(skill.skillId)) ?? [];
    const activity = await client.getSkillActivity(skill.skillId);
    const names = agents.map((a) => [a.firstName, a.lastName].filter(Boolean).join(" ") || `agent ${a.agentId}`);
    skills.push({
      skillId: skill.skillId,
      skillName: skill.skillName,
      agents: names,
      agentsLoggedIn: activity?.agentsLoggedIn,
    });
    out.say(
      `  ${skill.skillId} ${skill.skillName ?? ""} — ${names.length ? names.join(", ") : "no agents"}` +
        (activity ? out.dim(` (${activity.agentsLoggedIn} logged in now)`) : ""),
    );
  }
  let skillId = opts.skillId ?? env[CXONE_SKILL_ID] ?? channel?.defaultSkillId;
  if (!skillId && skills.length) {
    skillId = await ask.choose(
      CXONE_SKILL_ID,
      "Routing skill for handovers",
      skills.map((s) => ({ name: `${s.skillId} ${s.skillName ?? ""}`, value: s.skillId })),
    );
  }
  if (skillId && !skills.some((s) => s.skillId === skillId)) {
    throw new SettingError(CXONE_SKILL_ID, `${skillId} is not a digital skill of this tenant: pick one listed above`);
  }

  // ---- 4. the relay env file ----
  const relayClientId = env.RELAY_CLIENT_ID?.trim() || DEFAULT_RELAY_CLIENT_ID;
  const existingSecret = env.RELAY_CLIENT_SECRET;
  const relaySecret = existingSecret && existingSecret.length >= MIN_SECRET_LENGTH ? existingSecret : newClientSecret();
  // The thread key signs thread ids (connection field threadKey = RELAY_THREAD_KEY); kept on later runs, since a new
  // one would strand every open handover (README, Security model).
  const existingThreadKey = env[CONNECTION_ENV.threadKey];
  const threadKey = existingThreadKey && !threadKeyProblem(existingThreadKey) ? existingThreadKey : newClientSecret();
  out.hide(relaySecret, threadKey);
  // The channel only once it is this integration's: CXONE_CHANNEL_ID without it would name a channel setup never checked.
  const ownChannel = channel && integrationId ? channel : undefined;
  const values: Record<string, string> = {
    ...connectionEnv({ ...connection, channelId: ownChannel?.id, threadKey }),
    RELAY_CLIENT_ID: relayClientId,
    RELAY_CLIENT_SECRET: relaySecret,
    [RELAY_PUBLIC_URL]: relayUrl,
    COGNIGY_ENDPOINT_URL: cognigyUrl,
  };
  if (skillId) values[CXONE_SKILL_ID] = skillId;
  if (ownChannel && integrationId) values[CXONE_INTEGRATION_ID] = integrationId;
  writeEnvFile(opts.out, values);
  out.heading("Relay env file");
  out.say(
    `  wrote ${opts.out} (mode 0600)${existingSecret === relaySecret ? "" : ", with a new random RELAY_CLIENT_SECRET"}${existingThreadKey === threadKey ? "" : `, with a new random ${CONNECTION_ENV.threadKey}`}`,
  );

  // ---- 5. what to paste where ----
  const shown = (secret: string) => (opts.showSecrets ? secret : "[hidden: run with --show-secrets to print it]");
  const byocForm = {
    "Integration Box URL": `${relayUrl}${BOX}`,
    "Authorization URL": `${relayUrl}${BOX}/1.0/token`,
    "Client ID": relayClientId,
    "Client Secret": shown(relaySecret),
  };
  const channelId = channel?.id ?? "(run setup with --integration-id to create the channel)";
  const connectionValues = formValues({ ...connection, channelId, threadKey });
  const cognigyConnection = mapSecrets(connectionValues, shown);
  out.heading("CXone BYOC integration form (ACD > Digital > Bring Your Own Channel)");
  printPairs(out, byocForm, opts.showSecrets ? [relaySecret] : []);
  out.heading("Cognigy connection nice-cxone");
  printPairs(out, cognigyConnection, opts.showSecrets ? secretsOf(connectionValues) : []);

  // ---- 6. optionally: the extension and its connection in Cognigy, through Cognigy's management API ----
  let cognigy: CognigyDeployResult | undefined;
  const apiKey = opts.cognigy?.apiKey ?? env.COGNIGY_API_KEY;
  if (opts.cognigy && apiKey) {
    if (!channel) {
      throw new SettingError(
        CXONE_INTEGRATION_ID,
        "is needed before the Cognigy connection can be made (it names the channel)",
      );
    }
    const apiUrl = checkedUrl(
      "COGNIGY_API_URL",
      await value("COGNIGY_API_URL", opts.cognigy.apiUrl, "Cognigy API base URL"),
    );
    const projectId = await value("COGNIGY_PROJECT_ID", opts.cognigy.projectId, "Cognigy project id");
    const fields = formValues({ ...connection, channelId: channel.id, threadKey });
    cognigy = await deployToCognigy(
      {
        apiUrl,
        apiKey,
        projectId,
        extensionFile: opts.cognigy.extensionFile,
        connectionName: opts.cognigy.connectionName,
        fields,
      },
      out,
    );
  }

  return {
    ok: true,
    tenant,
    channel: channel && integrationId ? { id: channel.id, name: channel.name, integrationId, created } : undefined,
    skills,
    skillId,
    envFile: opts.out,
    // --json never carries a secret, --show-secrets or not.
    byocForm: { ...byocForm, "Client Secret": "[hidden]" },
    cognigyConnection: mapSecrets(cognigyConnection, () => "[hidden]"),
    cognigy,
  };
}

/** The Cognigy connection's form values, in form order; fields without a value are left out. */
function formValues(values: Partial<Record<keyof CxoneConnection, string>>): Record<string, string> {
  const form: Record<string, string> = {};
  for (const f of connectionFields) {
    const value = values[f.name];
    if (value) form[f.name] = value;
  }
  return form;
}

/** The form's secret values replaced (for printing); the others as they are. */
function mapSecrets(form: Record<string, string>, replace: (secret: string) => string): Record<string, string> {
  const secret = new Set<string>(connectionFields.filter((f) => f.secret).map((f) => f.name));
  return Object.fromEntries(Object.entries(form).map(([k, v]) => [k, secret.has(k) ? replace(v) : v]));
}

function printPairs(out: Output, pairs: Record<string, string>, reveal: string[]) {
  const width = Math.max(...Object.keys(pairs).map((k) => k.length));
  const lines = Object.entries(pairs).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  // Asked-for secrets bypass the mask; nothing else does.
  if (out.json) return;
  for (const line of lines) {
    const masked = out.mask(line);
    out.raw(reveal.some((s) => line.includes(s)) ? line : masked);
  }
}

/** The integration's channel: the one CXONE_CHANNEL_ID names, else ours by id or external id, else a new one. */
async function findOrCreateChannel(
  client: CxoneClient,
  env: Env,
  tenantId: string,
  integrationId: string,
  name: string,
): Promise<{ channel: CxoneChannel; created: boolean }> {
  const channels = await allChannels(client);
  const configured = env[CONNECTION_ENV.channelId]
    ? channels.find((c) => c.id === env[CONNECTION_ENV.channelId])
    : undefined;
  if (configured && configured.channelIntegrationId !== integrationId) {
    throw new SettingError(
      CONNECTION_ENV.channelId,
      `names channel ${configured.id} of integration ${configured.channelIntegrationId}, not ${integrationId}: remove ${CONNECTION_ENV.channelId} to let setup create one on ${integrationId}, or pass --integration-id ${configured.channelIntegrationId}`,
    );
  }
  const channelId = channelIdFor(tenantId, integrationId);
  const found =
    configured ??
    channels.find(
      (c) =>
        c.channelIntegrationId === integrationId &&
        (c.id === channelId || c.idOnExternalPlatform === CHANNEL_EXTERNAL_ID),
    );
  if (found) return { channel: found, created: false };
  await client.saveChannel({
    id: channelId,
    idOnExternalPlatform: CHANNEL_EXTERNAL_ID,
    channelIntegrationId: integrationId,
    realExternalPlatformId: BYOC_PLATFORM,
    name,
    isPrivate: false,
    hasTreeStructure: false,
    // Agent replies as plain text: Cognigy channels do not all render HTML.
    contentFormat: "plain",
  });
  const channel = (await allChannels(client)).find((c) => c.id === channelId);
  if (!channel) throw new Error(`CXone accepted channel ${channelId} but does not list it; run setup again`);
  return { channel, created: true };
}

/** A stable channel id per tenant and integration: NiCE's channel API creates or updates by id. */
export function channelIdFor(tenantId: string, integrationId: string): string {
  const h = createHash("sha256").update(`${tenantId}\0${integrationId}\0${CHANNEL_EXTERNAL_ID}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function checkedUrl(variable: string, value: string): string {
  const parsed = secureUrl("https://relay.example.com").safeParse(value);
  if (!parsed.success) throw new SettingError(variable, parsed.error.issues[0].message);
  return parsed.data;
}
