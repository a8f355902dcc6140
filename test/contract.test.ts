import { agentDetailsNode } from "../nodes/agentDetails";
import { checkAvailabilityNode } from "../nodes/checkAvailability";
import { endHandoverNode } from "../nodes/endHandover";
import { handoverNode } from "../nodes/handover";
import { sendToAgentNode } from "../nodes/sendToAgent";
import { sendTranscriptNode } from "../nodes/sendTranscript";
import { allChannels, DIGITAL_MEDIA_TYPE } from "../src/cli/channels";
import { CxoneClient, clearAuthCache, parseConnection } from "../src/cxone";
import { newSession, runNode, type Session } from "../testbed/emulator/runtime";
import { SANDBOX_INTEGRATION_ID } from "../testbed/sandbox/admin-api";
import { CALLBACKS, ENDPOINTS, endpointFor } from "../testbed/sandbox/contract";
import { DEFAULT_BEHAVIOUR } from "../testbed/sandbox/cxone-sandbox";
import { NODE_TEST_CLIENT_OPTIONS } from "./support/nodes";
import { conversation, openCase, useRelayEnv } from "./support/relay";
import { sandboxRequests } from "./support/sandbox";

/**
 * Every request the product sends to CXone (the nodes, the relay's poll, the client's other methods), as it left the
 * process, checked against NiCE's published contract (testbed/sandbox/contract.ts names the source of each schema); and
 * every callback shape the relay accepts, with the answer CXone expects.
 */

const env = useRelayEnv();
const hit = new Set<string>();

beforeEach(() => {
  env.sandbox.behaviour = { ...DEFAULT_BEHAVIOUR };
  env.sandbox.resetRequests();
  clearAuthCache();
});

/** Each request is one the contract names, passed its check, and carried the right credentials and encoding. */
function expectAllOnContract() {
  expect(env.sandbox.requests.length).toBeGreaterThan(0);
  for (const r of env.sandbox.requests) {
    const endpoint = endpointFor(r.method, r.path);
    expect({ request: `${r.method} ${r.path}`, known: !!endpoint }).toEqual({
      request: `${r.method} ${r.path}`,
      known: true,
    });
    if (!endpoint) continue;
    hit.add(endpoint.name);
    expect({ request: `${r.method} ${r.url}`, problems: r.problems ?? [] }).toEqual({
      request: `${r.method} ${r.url}`,
      problems: [],
    });
    if (r.path.startsWith("/dfo/") || r.path.startsWith("/InContactAPI/")) expect(r.authorized).toBe(true);
    if (endpoint.form) expect(r.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    else if (r.body !== undefined) expect(r.contentType).toMatch(/^application\/json/);
    // Array filters go out with their brackets, never the bare name axios used to send.
    for (const name of Object.keys(r.query ?? {})) expect(endpoint.query).toContain(name);
  }
}

async function node(descriptor: Parameters<typeof runNode>[0], session: Session, config: Record<string, unknown> = {}) {
  const run = await runNode(descriptor, {
    config: { connection: env.sandbox.connection(), ...config },
    session,
    clientOptions: NODE_TEST_CLIENT_OPTIONS,
  });
  expect(run.error).toBeUndefined();
  return run;
}

function nextInput(session: Session, input: Record<string, unknown>) {
  session.input = { ...session.input, data: {}, inputId: `in-${Math.random().toString(36).slice(2)}`, ...input };
  delete session.input.cxone;
}

describe("requests the product sends", () => {
  test("a whole handover through the nodes: every request is on the contract", async () => {
    env.sandbox.setSkillActivity("4321", { agentsAvailable: 2, agentsLoggedIn: 3 });
    const session = newSession({ text: "I want a human" });
    await node(checkAvailabilityNode, session, { skillId: "4321" });
    const opened = await node(handoverNode, session, {
      skillId: "4321",
      customFields: { order: "A-17" },
      customerFields: { segment: "vip" },
      transcriptSource: "field",
      transcriptJson: [
        { source: "user", text: "where is my order?" },
        { source: "bot", text: "Let me check." },
      ],
    });
    expect(opened.outcome).toBe("cxoneHandoverOnSuccess");
    const state = session.context.cxoneHandover as { contactId: string; threadId: string };
    nextInput(session, {
      text: "it is urgent",
      data: { attachments: [{ url: "https://files.example/photo.png", name: "photo.png" }] },
    });
    await node(sendToAgentNode, session);
    env.sandbox.assignAgent(state.contactId);
    nextInput(session, { text: "who is this?" });
    await node(agentDetailsNode, session);
    await node(sendTranscriptNode, session, {
      transcriptSource: "field",
      transcriptJson: [{ source: "user", text: "one more thing" }],
    });
    await node(endHandoverNode, session);
    expect(env.sandbox.cases.get(state.contactId)?.status).toBe("closed");
    expectAllOnContract();
  });

  test("case custom fields are checked on the path NiCE's SDK names when the spec's path is not found", async () => {
    env.sandbox.behaviour.caseFieldDefinitions = "sdk";
    const session = newSession({ text: "agent" });
    const opened = await node(handoverNode, session, { sendTranscript: false, customFields: { topic: "billing" } });
    expect(opened.outcome).toBe("cxoneHandoverOnSuccess");
    expectAllOnContract();
  });

  test("a cancel while queued, where abandon only flags the case: abandon, look, close", async () => {
    env.sandbox.behaviour.abandon = "flags";
    const session = newSession({ text: "agent" });
    await node(handoverNode, session, { sendTranscript: false, cancelKeywords: ["stop"] });
    nextInput(session, { text: "stop" });
    const run = await node(sendToAgentNode, session);
    expect(run.outcome).toBe("cxoneSendToAgentOnCancelled");
    expect(env.sandbox.requests.map((r) => `${r.method} ${r.path.replace(/contacts\/\d+/, "contacts/{id}")}`)).toEqual(
      expect.arrayContaining([
        "POST /dfo/3.0/contacts/{id}/abandon",
        "GET /dfo/3.0/contacts/{id}",
        "PUT /dfo/3.0/contacts/{id}/status",
      ]),
    );
    expectAllOnContract();
  });

  test("the relay's poll, newest-updated read and reconciliation, sends only named query parameters", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("contract-poll"));
    env.sandbox.resetRequests();
    for (let i = 0; i < 5; i++) await relay.pollOnce();
    env.sandbox.assignAgent(caseId);
    env.sandbox.closeCase(caseId);
    await relay.pollOnce();
    const searches = env.sandbox.requests.filter((r) => r.path === "/dfo/3.0/contacts").map((r) => r.url);
    const channel = `channel[]=${env.sandbox.channels[0].id}`;
    const open = "status[]=new&status[]=open&status[]=pending&status[]=escalated";
    expect(searches).toContain(
      `/dfo/3.0/contacts?${channel}&${open}&status[]=resolved&status[]=closed&status[]=trashed&sorting=updatedAt&sortingType=desc`,
    );
    expect(searches).toContain(`/dfo/3.0/contacts?${channel}&${open}`);
    expectAllOnContract();
  });

  test("the client's other calls: message lookup after a lost answer, typing, channel list", async () => {
    const client = new CxoneClient(parseConnection(env.sandbox.connection()), { sleep: async () => {} });
    env.sandbox.fault({ method: "POST", path: "/messages", landed: true, status: 500 });
    const sent = await client.sendMessage({
      threadId: "contract-thread",
      messageId: "contract-msg-1",
      text: "hi",
      author: { id: "u-1" },
    });
    expect(sent.duplicate).toBe(true);
    await client.sendTyping("contract-thread", true);
    await client.sendTyping("contract-thread", false);
    expect((await client.listChannels()).map((c) => c.id)).toEqual([env.sandbox.channels[0].id]);
    const lookup = env.sandbox.requests.find((r) => r.path === "/dfo/3.0/messages");
    expect(lookup?.url).toBe(
      `/dfo/3.0/messages?idOnExternalPlatform[]=contract-msg-1&channel[]=${env.sandbox.channels[0].id}`,
    );
    expectAllOnContract();
  });

  test("the admin CLI's calls: channel pages, create/update channel, digital skills and their agents", async () => {
    const client = new CxoneClient(parseConnection(env.sandbox.connection()), { sleep: async () => {} });
    const before = env.sandbox.channels.length;
    await client.saveChannel({
      id: "contract-channel",
      idOnExternalPlatform: "contract-channel-ext",
      channelIntegrationId: SANDBOX_INTEGRATION_ID,
      realExternalPlatformId: "custom",
      name: "Contract",
      isPrivate: false,
      hasTreeStructure: false,
      contentFormat: "plain",
    });
    expect((await allChannels(client)).map((c) => c.id)).toContain("contract-channel");
    const skills = await client.listSkills(DIGITAL_MEDIA_TYPE);
    expect(skills.length).toBeGreaterThan(0);
    expect(await client.listSkillAgents(skills[0].skillId)).toEqual(expect.any(Array));
    expect(env.sandbox.requests.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        "/dfo/3.0/channels?page=0&size=100",
        `/InContactAPI/services/v23.0/skills?mediaTypeId=${DIGITAL_MEDIA_TYPE}`,
        `/InContactAPI/services/v23.0/skills/${skills[0].skillId}/agents`,
      ]),
    );
    env.sandbox.channels.splice(before);
    expectAllOnContract();
  });

  test("the sandbox refuses what the contract does not name, with CXone's error body", async () => {
    const { request } = await sandboxRequests(env.sandbox);
    const bare = await request("GET", `/dfo/3.0/contacts?channel=${env.sandbox.channels[0].id}&status=new`);
    expect(bare.status).toBe(400);
    expect(bare.body.errors.map((e) => e.field)).toEqual(["channel", "status"]);
    expect(bare.body.uid).toEqual(expect.any(String));
    const post = await request("POST", "/dfo/3.0/contacts/1/abandon", { type: "abandon", reason: "left" });
    expect(post.status).toBe(400);
    expect(post.body.errors[0].message).toContain("reason");
  });

  test("the admin endpoints refuse the same way: unknown query names and body fields get CXone's 400 body", async () => {
    const { request } = await sandboxRequests(env.sandbox);
    const refusals = [
      await request("GET", "/dfo/3.0/channels?limit=5"),
      await request("GET", `/InContactAPI/services/v23.0/skills?mediaTypeId=${DIGITAL_MEDIA_TYPE}&isActive=true`),
      await request("GET", "/InContactAPI/services/v23.0/skills/4001/agents?fields=agentId"),
      await request("POST", "/dfo/3.0/channels", {
        id: "refused-channel",
        idOnExternalPlatform: "refused-channel",
        channelIntegrationId: SANDBOX_INTEGRATION_ID,
        realExternalPlatformId: "custom",
        name: "Refused",
        isPrivate: false,
        hasTreeStructure: false,
        color: "red",
      }),
    ];
    expect(refusals.map((r) => [r.status, r.body.errors.map((e) => [e.field, e.errorCode])])).toEqual([
      [400, [["limit", "InvalidRequest"]]],
      [400, [["isActive", "InvalidRequest"]]],
      [400, [["fields", "InvalidRequest"]]],
      [400, [["body", "InvalidRequest"]]],
    ]);
    expect(refusals[3].body.errors[0].message).toContain("color");
    expect(refusals.every((r) => typeof r.body.uid === "string")).toBe(true);
    expect(env.sandbox.channels.some((c) => c.id === "refused-channel")).toBe(false);
  });

  test("every CXone endpoint in the contract was exercised by the tests above", () => {
    expect([...hit].sort()).toEqual(ENDPOINTS.map((e) => e.name).sort());
  });
});

describe("callbacks the relay accepts (CXone → relay)", () => {
  test("each shape, as NiCE's samples and models show it, gets the answer CXone expects", async () => {
    const relay = await env.relay();
    const ref = conversation("contract-callbacks");
    const caseId = await openCase(env.sandbox, ref);
    env.sandbox.assignAgent(caseId);
    const agents = [
      env.agent(relay, { legacyPostId: "thread" }),
      env.agent(relay, { legacyPostId: "cxone-post", tokenEncoding: "form" }),
      env.agent(relay, { legacyPostId: "cxone-thread" }),
      env.agent(relay, { mode: "outbound" }),
    ];
    for (const [i, agent] of agents.entries()) {
      const reply = await agent.reply(env.sandbox, caseId, `reply ${i}`, {
        attachments: [{ url: "https://files.example/a.pdf", name: "a.pdf" }],
      });
      expect(reply.status).toBe(200);
      await agent.reply(env.sandbox, caseId, "(choices)", {
        content: {
          type: "QUICK_REPLIES",
          payload: { text: { content: "Pick" }, actions: [{ type: "REPLY_BUTTON", text: "Yes", postback: "yes" }] },
          fallbackText: "Pick: Yes",
        },
      });
      expect((await agent.typing(env.sandbox, caseId, true)).status).toBe(204);
    }
    let checked = 0;
    for (const agent of agents) {
      for (const call of agent.sent) {
        const path = new URL(call.url).pathname;
        if (path.endsWith("/1.0/token")) {
          if (call.contentType === "application/json")
            expect(CALLBACKS.token.json.parse(JSON.parse(call.body))).toBeTruthy();
          if (call.status === 200) CALLBACKS.token.answer.parse(call.answer);
          continue;
        }
        if (call.status === 401) continue;
        const kind = path.includes("/1.0/posts/") ? "legacyReply" : path.endsWith("/outbound") ? "outbound" : "typing";
        expect(CALLBACKS[kind].body.safeParse(JSON.parse(call.body)).success).toBe(true);
        if (kind !== "typing") {
          expect(call.status).toBe(200);
          expect(CALLBACKS[kind].answer.safeParse(call.answer).error).toBeUndefined();
        } else expect(call.status).toBe(204);
        checked++;
      }
    }
    expect(checked).toBe(agents.length * 3);
  });
});
