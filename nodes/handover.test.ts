import { decodeThreadId, threadKeys } from "../src/handover/thread";
import { errorOf, newSession, runWith, useNodeEnv } from "../test/support/nodes";
import { useSandbox } from "../test/support/sandbox";
import { SANDBOX_THREAD_KEY } from "../testbed/sandbox/cxone-sandbox";
import { handoverNode } from "./handover";

const env = useNodeEnv();

/** As Cognigy passes lastConversationEntries: newest first (index 0 = the current input). */
const entries = [
  { source: "bot", text: "I will connect you with an agent." },
  { source: "user", text: "jane.doe@example.com, or call +49 170 1234567" },
  { source: "bot", text: "Sorry to hear that. What is your e-mail?" },
  { source: "user", text: "Hi, my card 4111 1111 1111 1111 was charged twice" },
];

const handoverState = (session: ReturnType<typeof newSession>) =>
  session.context.cxoneHandover as Record<string, unknown> & {
    contactId: string;
    threadId: string;
    handoverId: string;
  };

describe("Hand over to NiCE CXone", () => {
  test("opens a case with the transcript first, routing hints on it, remembers it and says the accepted message", async () => {
    const session = newSession({ text: "agent please" });
    const run = await runWith(
      env,
      handoverNode,
      session,
      { skillId: "4321", customFields: { tier: "gold" }, displayAgentDetails: true, cancelKeywords: ["stop"] },
      { cognigy: { lastConversationEntries: entries } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    expect(run.outputs).toEqual([{ text: "Connecting you with an agent…", data: {} }]);

    const state = handoverState(session);
    expect(state).toMatchObject({ active: true, status: "queue", sent: 1, displayAgentDetails: true });
    expect(state.cancelKeywords).toEqual(["stop"]);
    expect(decodeThreadId(state.threadId, threadKeys([SANDBOX_THREAD_KEY]))).toEqual({
      userId: "user-42",
      sessionId: "session-42",
      urlToken: session.input.URLToken,
      handoverId: state.handoverId,
      displayAgentDetails: true,
      flowAnnouncesAgent: true,
      takesDataEvents: false,
    });
    const c = env.sandbox.caseForThread(state.threadId)!;
    expect(c.id).toBe(state.contactId);
    expect(c.skillId).toBe(4321);
    expect(c.customFields).toEqual([{ ident: "tier", value: "gold" }]);
    expect(c.messages).toHaveLength(1);
    const [transcript] = c.messages;
    expect(transcript.idOnExternalPlatform).toBe(`${state.handoverId}:t:0`);
    expect(transcript.text).toContain("Customer: Jane Doe <jane.doe@example.com>");
    expect(transcript.text).toContain("Customer: Hi, my card [card number] was charged twice");
    expect(transcript.text).toContain("Customer: [email], or call [phone]");
    expect(transcript.text).not.toContain("4111");
    // Oldest first for the agent, although Cognigy passed the entries newest first.
    expect(transcript.text.indexOf("charged twice")).toBeLessThan(transcript.text.indexOf("I will connect you"));
    expect(session.input.handover).toEqual({ status: "queue", data: { contactId: state.contactId } });
    expect(transcript.author).toMatchObject({ idOnExternalPlatform: "user-42", firstName: "Jane", lastName: "Doe" });
  });

  test("a long transcript goes as few messages as possible, cut between turns, in order", async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      source: i % 2 ? "bot" : "user",
      text: `turn ${i} ${"x".repeat(80)}`,
    }));
    const session = newSession();
    await runWith(
      env,
      handoverNode,
      session,
      { transcriptMaxChars: 1000 },
      { cognigy: { lastConversationEntries: [...many].reverse() } },
    );
    const state = handoverState(session);
    const messages = env.sandbox.caseForThread(state.threadId)!.messages;
    expect(messages.length).toBe(5);
    expect(messages.map((m) => m.idOnExternalPlatform)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${state.handoverId}:t:${i}`),
    );
    const turns = messages.flatMap((m) => m.text.split("\n").filter((l) => /^(Customer|Bot): turn /.test(l)));
    expect(turns.map((t) => Number(/turn (\d+)/.exec(t)![1]))).toEqual(many.map((_, i) => i));
    for (const m of messages) expect(m.text.length).toBeLessThanOrEqual(1000);
    expect(messages[0].text).toContain("(part 1/5)");
  });

  test("shortened, the transcript keeps the newest turns (the request for an agent) and says how many were left out", async () => {
    // Cognigy's order: index 0 is the current input, the request for an agent.
    const newestFirst = Array.from({ length: 60 }, (_, i) => ({
      source: i % 2 ? "bot" : "user",
      text: i === 0 ? "please, a human agent" : `turn ${59 - i} ${"x".repeat(80)}`,
    }));
    const session = newSession({ text: "please, a human agent" });
    await runWith(
      env,
      handoverNode,
      session,
      { transcriptMaxChars: 1000, transcriptMaxMessages: 2, redactPii: false },
      { cognigy: { lastConversationEntries: newestFirst } },
    );
    const messages = env.sandbox.caseForThread(handoverState(session).threadId)!.messages.map((m) => m.text);
    expect(messages).toHaveLength(2);
    expect(messages[1].endsWith("Customer: please, a human agent")).toBe(true);
    expect(messages[0]).toMatch(/\[\d+ earlier turns left out\]/);
    expect(messages.join("\n")).not.toContain("turn 0 ");
  });

  test("reads the Get Transcript node's output when the platform gives no entries; masking can be turned off", async () => {
    const session = newSession();
    session.context.transcript = [
      { role: "user", type: "input", payload: { text: "mail me at a@b.io" } },
      { role: "assistant", type: "output", payload: { text: "Sure" } },
    ];
    await runWith(env, handoverNode, session, { redactPii: false });
    const text = env.sandbox.caseForThread(handoverState(session).threadId)!.messages[0].text;
    expect(text).toContain("Customer: mail me at a@b.io\nBot: Sure");
  });

  test("without a transcript the case opens with the user's request", async () => {
    const session = newSession({ text: "I want a human" });
    await runWith(env, handoverNode, session, { sendTranscript: false, text: "" });
    const state = handoverState(session);
    const [m] = env.sandbox.caseForThread(state.threadId)!.messages;
    expect(m.idOnExternalPlatform).toBe(`${state.handoverId}:open`);
    expect(m.text).toContain('The customer asked for an agent: "I want a human"');
  });

  test("a failed transcript never blocks the handover: the opening message carries the routing hints", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", status: 400 });
    const session = newSession({ text: "help" });
    const run = await runWith(
      env,
      handoverNode,
      session,
      { skillId: "77" },
      { cognigy: { lastConversationEntries: entries } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    expect(run.logs.some((l) => l.level === "warn" && /transcript message 1\/1 failed/.test(l.text))).toBe(true);
    const c = env.sandbox.caseForThread(handoverState(session).threadId)!;
    expect(c.messages.map((m) => m.idOnExternalPlatform)).toEqual([`${handoverState(session).handoverId}:open`]);
    expect(c.skillId).toBe(77);
  });

  test("does not open a second handover while one is open", async () => {
    const session = newSession();
    await runWith(env, handoverNode, session);
    const first = handoverState(session);
    env.sandbox.resetRequests();
    session.input.inputId = "another-input";
    const again = await runWith(env, handoverNode, session);
    expect(again.outcome).toBe("cxoneHandoverOnSuccess");
    expect(again.outputs).toEqual([]);
    expect(handoverState(session)).toEqual(first);
    expect(env.sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /dfo/3.0/contacts/${first.contactId}`,
    ]);
  });

  test("a recorded handover whose case is closed in CXone does not block a new one", async () => {
    const session = newSession();
    await runWith(env, handoverNode, session);
    const first = handoverState(session);
    env.sandbox.closeCase(first.contactId);
    session.input.inputId = "next-input";
    await runWith(env, handoverNode, session);
    const second = handoverState(session);
    expect(second.contactId).not.toBe(first.contactId);
    expect(second.threadId).not.toBe(first.threadId);
  });

  test("re-running the same input after the state was lost reuses the thread and duplicates nothing", async () => {
    const session = newSession({ inputId: "input-fixed-1" });
    const opts = { cognigy: { lastConversationEntries: entries } };
    await runWith(env, handoverNode, session, {}, opts);
    const first = handoverState(session);
    session.context = {};
    await runWith(env, handoverNode, session, {}, opts);
    const second = handoverState(session);
    expect(second.threadId).toBe(first.threadId);
    expect(second.contactId).toBe(first.contactId);
    expect(env.sandbox.caseForThread(first.threadId)!.messages).toHaveLength(1);
  });
});

describe("Hand over to NiCE CXone: conversations agent replies could not reach", () => {
  test("an id over Cognigy's 256 characters goes to On error naming it, before any CXone call (no case, no message)", async () => {
    for (const [key, length] of [
      ["userId", 257],
      ["sessionId", 257],
      ["userId", 300],
      ["URLToken", 300],
    ] as const) {
      const session = newSession({ [key]: "x".repeat(length) });
      env.sandbox.resetRequests();
      const cases = env.sandbox.cases.size;
      const run = await runWith(env, handoverNode, session);
      expect(run.outcome).toBe("cxoneHandoverOnError");
      expect(errorOf(session)).toMatchObject({ code: "config" });
      expect(errorOf(session)!.message).toMatch(
        new RegExp(`^${key}: is ${length} characters; Cognigy accepts at most 256`),
      );
      expect(env.sandbox.requests).toHaveLength(0);
      expect(env.sandbox.cases.size).toBe(cases);
      expect(session.context.cxoneHandover).toBeUndefined();
    }
    const ok = await runWith(env, handoverNode, newSession({ sessionId: "s".repeat(256), userId: "u".repeat(256) }));
    expect(ok.outcome).toBe("cxoneHandoverOnSuccess");
  });

  test("ids that each fit but together overflow the thread id go to On error naming the longest, no CXone call", async () => {
    const session = newSession({ userId: "u".repeat(250), sessionId: "s".repeat(256), URLToken: "t".repeat(240) });
    env.sandbox.resetRequests();
    const run = await runWith(env, handoverNode, session);
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^sessionId: is 256 characters: with .*over the 1024 CXone takes/);
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test("an endpoint without Notify/Inject (REST, Alexa, Teams…) goes to On error with the reason, no case", async () => {
    for (const endpointType of ["rest", "alexa", "microsoftTeams", "twilio"]) {
      const session = newSession({ endpointType });
      env.sandbox.resetRequests();
      const run = await runWith(env, handoverNode, session);
      expect(run.outcome).toBe("cxoneHandoverOnError");
      expect(errorOf(session)!.message).toMatch(new RegExp(`^endpointType: the ${endpointType} endpoint does not`));
      expect(session.input.handover).toMatchObject({ status: "error", error: { reason: "unsupported" } });
      expect(env.sandbox.requests).toHaveLength(0);
    }
  });

  test("a socket endpoint's thread says it takes data events; WhatsApp warns about session expiry", async () => {
    const socket = newSession({ endpointType: "socket" });
    await runWith(env, handoverNode, socket);
    expect(decodeThreadId(handoverState(socket).threadId, threadKeys([SANDBOX_THREAD_KEY]))!.takesDataEvents).toBe(
      true,
    );
    const whatsapp = newSession({ endpointType: "whatsapp" });
    const run = await runWith(env, handoverNode, whatsapp);
    expect(decodeThreadId(handoverState(whatsapp).threadId, threadKeys([SANDBOX_THREAD_KEY]))!.takesDataEvents).toBe(
      false,
    );
    expect(run.logs.some((l) => /whatsapp sessions expire/.test(l.text))).toBe(true);
  });

  test("a data-only input opens the case with the generic request, never Cognigy's DATA_ONLY_MESSAGE_ text", async () => {
    const session = newSession({ text: "DATA_ONLY_MESSAGE_a1b2c3d4e5f6g7h8i9j0", data: { button: "agent" } });
    await runWith(env, handoverNode, session, { sendTranscript: false });
    const [m] = env.sandbox.caseForThread(handoverState(session).threadId)!.messages;
    expect(m.text).toContain("The customer asked for an agent.");
    expect(m.text).not.toContain("DATA_ONLY");
  });
});

describe("Hand over to NiCE CXone: error branches", () => {
  test("a bad connection names the field and calls nobody", async () => {
    const session = newSession();
    const run = await runWith(env, handoverNode, session, {
      connection: { ...env.sandbox.connection(), clientSecret: "" },
    });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "config", node: "cxoneHandover" });
    expect(errorOf(session)!.message).toMatch(/^clientSecret/);
    expect(env.sandbox.requests).toHaveLength(0);
    expect(session.context.cxoneHandover).toBeUndefined();
  });

  test("malformed routing hints are a config error before any request", async () => {
    const session = newSession();
    const run = await runWith(env, handoverNode, session, { skillId: "sales" });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^skillId/);
    const run2 = await runWith(env, handoverNode, session, { customFields: [{ value: "x" }] });
    expect(run2.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^customFields/);
    expect(env.sandbox.requestCount({ path: "/messages" })).toBe(0);
  });

  test("an input without URL token cannot be routed back and fails clearly", async () => {
    const session = newSession({ URLToken: undefined });
    const run = await runWith(env, handoverNode, session);
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(/^URLToken/);
  });

  test("CXone refusing the case (4xx) follows OnError with the status", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", status: 400, times: 5 });
    const session = newSession();
    const run = await runWith(env, handoverNode, session, { sendTranscript: false });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "api", status: 400, retryable: false });
    expect(session.context.cxoneHandover).toBeUndefined();
    expect(run.outputs).toEqual([]);
  });

  test("CXone failing (5xx) after the retries follows OnError, retryable", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", status: 503, times: 10 });
    const session = newSession();
    const run = await runWith(env, handoverNode, session, { sendTranscript: false });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "api", status: 503, retryable: true });
    // Every resend came after a look that found the message had not landed.
    expect(env.sandbox.requestCount({ method: "POST", path: "/messages" })).toBe(3);
    expect(env.sandbox.requestCount({ method: "GET", path: "/dfo/3.0/messages" })).toBe(3);
  });

  test("a transcript that stalls leaves time for the opening message: the handover still opens", async () => {
    // Only the first message (the transcript) hangs past the whole budget; the opening message is answered at once.
    env.sandbox.fault({ method: "POST", path: "/messages", delayMs: 4000, times: 1 });
    const session = newSession({ text: "agent please" });
    const run = await runWith(
      env,
      handoverNode,
      session,
      {},
      { cognigy: { lastConversationEntries: entries }, clientOptions: { deadlineMs: 3000 } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    expect(run.logs.some((l) => l.level === "warn" && /transcript message 1\/1 failed/.test(l.text))).toBe(true);
    const state = handoverState(session);
    expect(state.contactId).toBeDefined();
    const ids = env.sandbox.caseForThread(state.threadId)!.messages.map((m) => m.idOnExternalPlatform);
    expect(ids).toContain(`${state.handoverId}:open`);
  });

  test("CXone too slow for the node's budget follows OnError as a timeout", async () => {
    env.sandbox.fault({ method: "POST", path: "/messages", delayMs: 2500, times: 5 });
    const session = newSession();
    const run = await runWith(
      env,
      handoverNode,
      session,
      { sendTranscript: false },
      { clientOptions: { deadlineMs: 1000 } },
    );
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)).toMatchObject({ code: "timeout", retryable: true });
  });
});

describe("Hand over to NiCE CXone: transcript longer than CXone accepts", () => {
  const small = useSandbox({ maxTextLength: 800 });
  test("CXone rejects the oversized transcript; the case still opens with the short message", async () => {
    const session = newSession({ text: "agent" });
    const long = Array.from({ length: 30 }, (_, i) => ({ source: "user", text: `message ${i} ${"y".repeat(60)}` }));
    const run = await runNode2(small, session, long);
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    const state = handoverState(session);
    const c = small.sandbox.caseForThread(state.threadId)!;
    expect(c.messages.map((m) => m.idOnExternalPlatform)).toEqual([`${state.handoverId}:open`]);
  });
});

async function runNode2(ref: ReturnType<typeof useSandbox>, session: ReturnType<typeof newSession>, list: unknown[]) {
  return runWith(
    ref as never,
    handoverNode,
    session,
    { connection: ref.sandbox.connection(), transcriptMaxChars: 5000 },
    {
      cognigy: { lastConversationEntries: list },
    },
  );
}

describe("Hand over: case custom fields checked against the tenant's definitions", () => {
  const writes = () => env.sandbox.requests.filter((r) => r.method !== "GET" && r.path.startsWith("/dfo/"));

  test.each(["spec", "sdk"] as const)(
    "a mistyped ident fails clearly before any CXone write (%s path)",
    async (reading) => {
      env.sandbox.behaviour.caseFieldDefinitions = reading;
      try {
        env.sandbox.resetRequests();
        const session = newSession({ text: "agent" });
        const run = await runWith(env, handoverNode, session, { customFields: { tpoic: "billing", tier: "gold" } });
        expect(run.outcome).toBe("cxoneHandoverOnError");
        expect(errorOf(session)!.message).toMatch(/^customFields: unknown CXone case custom field "tpoic"; .*topic/);
        expect(writes()).toEqual([]);
        expect(session.context.cxoneHandover).toBeUndefined();
      } finally {
        env.sandbox.behaviour.caseFieldDefinitions = "spec";
      }
    },
  );

  test("a value outside a list field's values fails before any write; good fields reach the case", async () => {
    env.sandbox.resetRequests();
    const bad = newSession({ text: "agent" });
    await runWith(env, handoverNode, bad, { customFields: { tier: "platinum" } });
    expect(errorOf(bad)!.message).toMatch(/"platinum" is not a value of the list field "tier" \(gold, silver\)/);
    expect(writes()).toEqual([]);
    const good = newSession({ text: "agent" });
    const run = await runWith(env, handoverNode, good, {
      sendTranscript: false,
      customFields: { tier: "silver", intent: "{{input.intent}}" },
    });
    expect(run.outcome).toBe("cxoneHandoverOnSuccess");
    const c = env.sandbox.caseForThread((good.context.cxoneHandover as { threadId: string }).threadId)!;
    expect(c.customFields.map((f) => f.ident)).toEqual(["tier", "intent"]);
    expect(c.messages[0].text).toContain("The bot understood: intent {{input.intent}}");
  });

  test("the definitions are read once and cached in context for the next handover", async () => {
    const session = newSession({ text: "agent" });
    const defs = () => env.sandbox.requests.filter((r) => /custom-field/.test(r.path)).length;
    env.sandbox.resetRequests();
    await runWith(env, handoverNode, session, { sendTranscript: false, customFields: { topic: "a" } });
    expect(defs()).toBe(1);
    session.context.cxoneHandover = undefined;
    session.input = { ...session.input, inputId: "second-handover" };
    await runWith(env, handoverNode, session, { sendTranscript: false, customFields: { topic: "b" } });
    expect(defs()).toBe(1);
  });
});

describe("Hand over: customer-card fields", () => {
  const writes = () => env.sandbox.requests.filter((r) => r.method !== "GET" && r.path.startsWith("/dfo/"));
  const customerWrites = () =>
    env.sandbox.requests.filter((r) => r.method === "PUT" && r.path.startsWith("/dfo/3.0/customers/"));
  const customerOf = (session: ReturnType<typeof newSession>) => {
    const c = env.sandbox.caseForThread(handoverState(session).threadId)!;
    return env.sandbox.customers.get(c.endUserIdOnExternalPlatform!)!;
  };

  test("an unknown ident fails clearly, naming the tenant's fields, before any CXone write", async () => {
    env.sandbox.resetRequests();
    const session = newSession({ text: "agent" });
    const run = await runWith(env, handoverNode, session, { customerFields: { segmnet: "vip" } });
    expect(run.outcome).toBe("cxoneHandoverOnError");
    expect(errorOf(session)!.message).toMatch(
      /^customerFields: unknown CXone customer-card field "segmnet"; this tenant defines: segment, crmId .*Nothing was sent/,
    );
    expect(writes()).toEqual([]);
    expect(session.context.cxoneHandover).toBeUndefined();
  });

  test("a value outside a list field's values fails before any write", async () => {
    env.sandbox.resetRequests();
    const session = newSession({ text: "agent" });
    await runWith(env, handoverNode, session, { customerFields: { segment: "gold" } });
    expect(errorOf(session)!.message).toMatch(/^customerFields: "gold" is not a value of the list field "segment"/);
    expect(writes()).toEqual([]);
  });

  test.each(["customer", "no-content"] as const)(
    "good fields are written once on the case's customer, after the case is open (answer: %s)",
    async (answer) => {
      env.sandbox.behaviour.customerFieldsAnswer = answer;
      try {
        env.sandbox.resetRequests();
        const session = newSession({ text: "agent" });
        // Both field kinds, both definition reads cached and the transcript: still within the 10 api calls runWith checks.
        const run = await runWith(env, handoverNode, session, {
          customFields: { topic: "billing" },
          customerFields: [
            { ident: "segment", value: "vip" },
            { ident: "crmId", value: 4711 },
          ],
        });
        expect(run.outcome).toBe("cxoneHandoverOnSuccess");
        const customer = customerOf(session);
        expect(customerWrites().map((r) => [r.url, r.body])).toEqual([
          [
            `/dfo/3.0/customers/${customer.id}/custom-fields`,
            [
              { ident: "segment", value: "vip" },
              { ident: "crmId", value: "4711" },
            ],
          ],
        ]);
        const order = writes().map((r) => r.path.replace(/\/[^/]+\/custom-fields$/, "/{id}/custom-fields"));
        expect(order.indexOf("/dfo/3.0/customers/{id}/custom-fields")).toBeGreaterThan(
          order.findIndex((p) => p.endsWith("/messages")),
        );
        expect(customer.customFields).toEqual([
          { ident: "segment", value: "vip" },
          { ident: "crmId", value: "4711" },
        ]);
        expect(run.logs.filter((l) => l.level === "warn")).toEqual([]);
      } finally {
        env.sandbox.behaviour.customerFieldsAnswer = "customer";
      }
    },
  );

  test("a case CXone returns without its customer (minimal reading): no id is made up, a warning, the handover stands", async () => {
    env.sandbox.behaviour.contacts = "minimal";
    try {
      env.sandbox.resetRequests();
      const session = newSession({ text: "agent" });
      const run = await runWith(env, handoverNode, session, { sendTranscript: false, customerFields: { crmId: "1" } });
      expect(run.outcome).toBe("cxoneHandoverOnSuccess");
      expect(customerWrites()).toEqual([]);
      expect(run.logs.some((l) => l.level === "warn" && /customer-card fields crmId not written/.test(l.text))).toBe(
        true,
      );
    } finally {
      env.sandbox.behaviour.contacts = "full";
    }
  });

  test("the customer-card definitions are read once and cached beside the case ones", async () => {
    const session = newSession({ text: "agent" });
    const defs = () => env.sandbox.requests.filter((r) => r.path === "/dfo/3.0/customers/custom-field-definitions");
    env.sandbox.resetRequests();
    await runWith(env, handoverNode, session, { sendTranscript: false, customerFields: { crmId: "a" } });
    session.context.cxoneHandover = undefined;
    session.input = { ...session.input, inputId: "second-customer-handover" };
    await runWith(env, handoverNode, session, { sendTranscript: false, customerFields: { crmId: "b" } });
    expect(defs()).toHaveLength(1);
    expect(session.context.cxoneCustomerFieldDefinitions).toMatchObject({
      fields: [{ ident: "segment" }, { ident: "crmId" }],
    });
  });
});
