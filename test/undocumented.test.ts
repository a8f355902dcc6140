import { handoverNode } from "../nodes/handover";
import { sendToAgentNode } from "../nodes/sendToAgent";
import { CxoneApiError, CxoneClient, clearAuthCache, parseConnection } from "../src/cxone";
import type { Session } from "../testbed/emulator/runtime";
import { DEFAULT_BEHAVIOUR, type SandboxBehaviour } from "../testbed/sandbox/cxone-sandbox";
import { newSession, runWith, useNodeEnv } from "./support/nodes";

/**
 * What NiCE leaves undocumented, run under every plausible reading (the sandbox's `behaviour` switches): the product
 * must end in the same place whichever one a real tenant turns out to have.
 */

const env = useNodeEnv();

beforeEach(() => {
  env.sandbox.behaviour = { ...DEFAULT_BEHAVIOUR };
});

type State = { contactId?: string; threadId: string; status: string; active: boolean; sent: number };
const stateOf = (s: Session) => s.context.cxoneHandover as State;

function client() {
  return new CxoneClient(parseConnection(env.sandbox.connection()), { sleep: async () => {}, requestTimeoutMs: 800 });
}

function message(n: string) {
  return {
    threadId: `thread-${n}`,
    messageId: `msg-${n}`,
    text: `hello ${n}`,
    author: { id: "user-7", firstName: "Jane" },
  };
}

const DUPLICATE_READINGS: SandboxBehaviour["duplicateMessage"][] = ["conflict", "accept", "reject"];

describe.each(DUPLICATE_READINGS)("duplicate idOnExternalPlatform answered as %s", (reading) => {
  beforeEach(() => {
    env.sandbox.behaviour.duplicateMessage = reading;
  });

  test("a 5xx after CXone stored the message: the client looks, finds it and does not send it again", async () => {
    const m = message(`5xx-${reading}`);
    env.sandbox.fault({ method: "POST", path: "/messages", landed: true, status: 503 });
    const sent = await client().sendMessage(m);
    expect(env.sandbox.timesStored(m.messageId)).toBe(1);
    expect(sent.duplicate).toBe(true);
    expect(sent.contactId).toBe(env.sandbox.caseForThread(m.threadId)?.id);
    expect(env.sandbox.requestCount({ method: "POST", path: "/messages" })).toBe(1);
  });

  test("a timeout after CXone stored the message: still exactly one message for the agent", async () => {
    const m = message(`timeout-${reading}`);
    env.sandbox.fault({ method: "POST", path: "/messages", landed: true, delayMs: 1600 });
    const sent = await client().sendMessage(m);
    expect(sent.duplicate).toBe(true);
    expect(env.sandbox.timesStored(m.messageId)).toBe(1);
  });

  test("a 5xx before CXone stored anything: the client looks, finds nothing and sends once more", async () => {
    const m = message(`lost-${reading}`);
    env.sandbox.fault({ method: "POST", path: "/messages", status: 502 });
    const sent = await client().sendMessage(m);
    expect(sent.duplicate).toBe(false);
    expect(sent.contactId).toBeDefined();
    expect(env.sandbox.timesStored(m.messageId)).toBe(1);
    expect(env.sandbox.requestCount({ method: "POST", path: "/messages" })).toBe(2);
  });

  test("the handover's transcript with a lost answer in the middle: each message reaches the agent once", async () => {
    const session = newSession({ text: "agent please" });
    env.sandbox.fault({ method: "POST", path: "/messages", landed: true, status: 504, skip: 1 });
    const run = await runWith(env, handoverNode, session, {
      transcriptSource: "field",
      // Turns too long to share a message: three transcript messages.
      transcriptMaxChars: 500,
      transcriptJson: [
        { source: "user", text: `my parcel did not arrive. ${"It was order 1234. ".repeat(18)}` },
        { source: "bot", text: `I am sorry to hear that. ${"Let me get someone. ".repeat(18)}` },
        { source: "user", text: `thank you. ${"It was due last Tuesday. ".repeat(15)}` },
      ],
    });
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    const c = env.sandbox.caseForThread(stateOf(session).threadId)!;
    const ids = c.messages.map((m) => m.idOnExternalPlatform);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stateOf(session)).toMatchObject({ contactId: c.id, sent: ids.length });
    // The lost answer was looked up once and not sent again.
    expect(env.sandbox.requestCount({ method: "GET", path: "/dfo/3.0/messages" })).toBe(1);
    expect(env.sandbox.requestCount({ method: "POST", path: "/messages" })).toBe(ids.length);
  });

  test("a user message re-sent with the same id (the same input ran twice) never fails the flow", async () => {
    const m = message(`again-${reading}`);
    await client().sendMessage(m);
    const again = await client().sendMessage(m);
    // Under "accept" CXone cannot tell it is the same message; the client only avoids its own resends.
    expect(env.sandbox.timesStored(m.messageId)).toBe(reading === "accept" ? 2 : 1);
    expect(again.duplicate).toBe(reading !== "accept");
  });
});

const ANSWERS: SandboxBehaviour["createMessageAnswer"][] = ["full", "empty-object", "no-body-201", "no-body-204"];

describe.each(ANSWERS)("create-message answered %s", (answer) => {
  test("the handover still knows its case id (looked up by thread when the answer does not say it)", async () => {
    env.sandbox.behaviour.createMessageAnswer = answer;
    const session = newSession({ text: "agent please" });
    const run = await runWith(env, handoverNode, session, { sendTranscript: false });
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    const state = stateOf(session);
    expect(state.contactId).toBe(env.sandbox.caseForThread(state.threadId)?.id);
    expect(state.contactId).toBeDefined();
    // Without a case in the answer, the stored message names it: one exact look-up, no paging through cases.
    expect(env.sandbox.requestCount({ method: "GET", path: "/dfo/3.0/messages" })).toBe(answer === "full" ? 0 : 1);
    expect(env.sandbox.requestCount({ method: "GET", path: /^\/dfo\/3\.0\/contacts$/ })).toBe(0);
  });
});

describe.each(["closes", "flags"] as const)("abandon that %s the case", (reading) => {
  test("a cancel while queued reports the case abandoned and it can never reach an agent", async () => {
    env.sandbox.behaviour.abandon = reading;
    const session = newSession({ text: "agent please" });
    await runWith(env, handoverNode, session, { sendTranscript: false, cancelKeywords: ["cancel"] });
    const caseId = stateOf(session).contactId as string;
    session.input = { ...session.input, text: "cancel", inputId: "in-cancel" };
    delete session.input.cxone;
    const run = await runWith(env, sendToAgentNode, session);
    expect(run.outcome).toBe("cxoneSendToAgentOnCancelled");
    const c = env.sandbox.cases.get(caseId)!;
    expect(c.abandon?.type).toBe("abandon");
    expect(c.status).toBe("closed");
    expect(env.sandbox.routable(caseId)).toBe(false);
    expect(() => env.sandbox.assignAgent(caseId)).toThrow(/cannot assign/);
    expect(env.sandbox.requestCount({ method: "PUT", path: /\/status$/ })).toBe(reading === "flags" ? 1 : 0);
  });
});

describe("answers with only what the contract requires", () => {
  test("cxone-configuration without area: a CxoneApiError naming the field, unless the Digital host is configured", async () => {
    env.sandbox.behaviour.configuration = "minimal";
    clearAuthCache();
    const { dfoBaseUrl: _configured, ...rest } = env.sandbox.connection();
    const err = await new CxoneClient(parseConnection(rest), { sleep: async () => {} }).getContact("1").catch((e) => e);
    expect(err).toBeInstanceOf(CxoneApiError);
    expect(err.message).toContain("field area");
    expect(err.message).toContain("dfoBaseUrl");
    clearAuthCache();
    await expect(client().getContact("no-such-case")).resolves.toBeUndefined();
  });

  test("a contact without status is a CxoneApiError naming the field, never a parse crash", async () => {
    const sent = await client().sendMessage(message("nostatus"));
    env.sandbox.fault({
      method: "GET",
      path: `/contacts/${sent.contactId}`,
      status: 200,
      body: { id: sent.contactId },
    });
    const err = await client()
      .getContact(sent.contactId as string)
      .catch((e) => e);
    expect(err).toBeInstanceOf(CxoneApiError);
    expect(err.message).toBe("CXone get case: unexpected answer (field status: missing)");
  });

  test("contacts with every optional field absent still read (status, thread, agent)", async () => {
    env.sandbox.behaviour.contacts = "minimal";
    const sent = await client().sendMessage(message("minimal"));
    env.sandbox.assignAgent(sent.contactId as string);
    const contact = await client().getContact(sent.contactId as string);
    expect(contact).toMatchObject({ id: sent.contactId, status: "open", threadIdOnExternalPlatform: "thread-minimal" });
    expect(contact?.inboxAssigneeUser).toMatchObject({ id: "1001", firstName: "Anna" });
    expect(contact?.channelId).toBeUndefined();
  });
});
