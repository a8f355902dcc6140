import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { CxoneClient, parseConnection } from "../../src/cxone";
import { type ConversationRef, encodeThreadId } from "../../src/handover/thread";
import type { RelayConfigInput } from "../../src/relay/config";
import { type Relay, type RelayOptions, startRelay } from "../../src/relay/server";
import type { CognigyEndpoint } from "../../testbed/emulator/cognigy-endpoint";
import { ByocAgent, type ByocAgentOptions } from "../../testbed/sandbox/byoc-agent";
import { type CxoneSandbox, SANDBOX_THREAD_KEY, startCxoneSandbox } from "../../testbed/sandbox/cxone-sandbox";
import { startFakeCognigy } from "./fake-cognigy";

/** The credentials a CXone admin would type into the BYOC integration (and the relay is configured with). */
export const RELAY_CLIENT = { clientId: "cxone-byoc-sandbox", clientSecret: "relay-secret-5f1e0c9b7a3d2e41" };

/** The signed thread id Hand over makes for a conversation (with the sandbox connection's thread key). */
export function threadIdOf(ref: ConversationRef): string {
  return encodeThreadId(ref, SANDBOX_THREAD_KEY);
}

export function conversation(n: number | string, options: Partial<ConversationRef> = {}): ConversationRef {
  return {
    userId: `user-${n}`,
    sessionId: `session-${n}`,
    urlToken: `tok${n}`.replace(/[^A-Za-z0-9_-]/g, ""),
    handoverId: `h-${n}`,
    displayAgentDetails: false,
    ...options,
  };
}

/** A sandbox, a fake Cognigy endpoint and the relays a test starts; all stopped after the file. */
export function useRelayEnv() {
  const env = {
    sandbox: undefined as unknown as CxoneSandbox,
    cognigy: undefined as unknown as CognigyEndpoint,
    relays: [] as Relay[],
    /** Relay config pointing at this sandbox and fake Cognigy; case events on, no timer. */
    config(overrides: Partial<RelayConfigInput> = {}): RelayConfigInput {
      return {
        port: 0,
        host: "127.0.0.1",
        ...RELAY_CLIENT,
        threadKey: SANDBOX_THREAD_KEY,
        cognigyEndpointUrl: env.cognigy.url,
        cxone: env.sandbox.connection(),
        logLevel: "silent",
        cognigyTimeoutMs: 1500,
        ...overrides,
      };
    },
    async relay(overrides: Partial<RelayConfigInput> = {}, options: RelayOptions = {}): Promise<Relay> {
      const relay = await startRelay(env.config(overrides), { autoPoll: false, ...options });
      env.relays.push(relay);
      return relay;
    },
    agent(relay: Relay, options: Partial<ByocAgentOptions> = {}): ByocAgent {
      return new ByocAgent({ relayBoxUrl: relay.boxUrl, ...RELAY_CLIENT, mode: "posts", retryDelayMs: 0, ...options });
    },
  };
  beforeAll(async () => {
    env.sandbox = await startCxoneSandbox();
    env.cognigy = await startFakeCognigy();
  });
  afterEach(async () => {
    await Promise.all(env.relays.splice(0).map((r) => r.close()));
    env.cognigy.reset();
    env.sandbox.clearFaults();
  });
  afterAll(async () => {
    await env.sandbox?.stop();
    await env.cognigy?.stop();
  });
  return env;
}

/**
 * Relay tests about case events: the relay env, every earlier test's case long over before each test (a fresh relay
 * must see them neither open nor recently closed), and what a test reads back from Cognigy and CXone.
 */
export function useCaseEventsEnv() {
  const env = useRelayEnv();
  beforeEach(() => endEarlierCases(env.sandbox));
  return {
    env,
    /** The injects Cognigy accepted, of one event and one conversation when named. */
    injects: (event?: string, urlToken?: string) => env.cognigy.delivered({ route: "inject", event, urlToken }),
    /** Case searches CXone answered (the poll's reads of the case lists). */
    searches: () => env.sandbox.requestCount({ method: "GET", path: /^\/dfo\/3\.0\/contacts$/ }),
    /** Reads of one case by id. */
    caseGets: () => env.sandbox.requestCount({ method: "GET", path: /^\/dfo\/3\.0\/contacts\/[^/]+$/ }),
  };
}

/** Handovers opened one second apart, the newest a minute ago (as in a contact center, not all in one millisecond). */
export function openedOverTime(sandbox: CxoneSandbox, caseIds: string[]): void {
  caseIds.forEach((id, i) => {
    const c = sandbox.cases.get(id)!;
    const at = Date.now() - 60_000 - (caseIds.length - i) * 1000;
    c.statusUpdatedAt = new Date(at).toISOString();
    c.updatedAt = at;
  });
}

/** Every case so far ended an hour ago: a fresh relay sees none of them open or recently closed. */
export function endEarlierCases(sandbox: CxoneSandbox): void {
  const longAgo = Date.now() - 3600_000;
  for (const c of sandbox.cases.values()) {
    c.status = "trashed";
    c.statusUpdatedAt = new Date(longAgo).toISOString();
    c.updatedAt = longAgo;
  }
}

/**
 * Opens a handover case for a conversation. Through the CXone API by default (as the Hand over node does); `direct`
 * puts the case straight into the sandbox (fast set-up for load tests).
 */
export async function openCase(sandbox: CxoneSandbox, ref: ConversationRef, direct = false): Promise<string> {
  const threadId = threadIdOf(ref);
  if (direct) return sandbox.createCases([{ threadId, endUserId: ref.userId }])[0];
  const client = new CxoneClient(parseConnection(sandbox.connection()), { sleep: async () => {} });
  const sent = await client.sendMessage({
    threadId,
    messageId: `m-${randomUUID()}`,
    text: "I want to talk to a human",
    author: { id: ref.userId, firstName: "Jane" },
  });
  if (!sent.contactId) throw new Error("sandbox opened no case");
  return sent.contactId;
}

/**
 * The environment an admin gives a relay process (or the image's CLI) for this sandbox and Cognigy endpoint, by the
 * variable names the README documents; plain-http loopback needs dev mode.
 */
export function relayProcessEnv(sandbox: CxoneSandbox, cognigyUrl: string): Record<string, string | undefined> {
  const c = sandbox.connection();
  return {
    PATH: process.env.PATH,
    CXONE_HANDOVER_DEV_MODE: "1",
    RELAY_CLIENT_ID: RELAY_CLIENT.clientId,
    RELAY_CLIENT_SECRET: RELAY_CLIENT.clientSecret,
    RELAY_THREAD_KEY: c.threadKey,
    COGNIGY_ENDPOINT_URL: cognigyUrl,
    CXONE_AUTH_HOST: c.authHost,
    CXONE_DFO_BASE_URL: c.dfoBaseUrl,
    CXONE_CLIENT_ID: c.clientId,
    CXONE_CLIENT_SECRET: c.clientSecret,
    CXONE_ACCESS_KEY_ID: c.accessKeyId,
    CXONE_ACCESS_KEY_SECRET: c.accessKeySecret,
    CXONE_CHANNEL_ID: c.channelId,
  };
}

/** Every log line a relay writes (pino's JSON lines), to assert on content and on the absence of secrets. */
export function logSink() {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, options: { logStream } };
}
