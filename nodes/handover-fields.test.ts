// Hand over: case custom fields and customer-card fields, checked against the tenant's definitions before any write.
import { errorOf, stateOf as handoverState, newSession, runWith, useNodeEnv } from "../test/support/nodes";
import { handoverNode } from "./handover";

const env = useNodeEnv();

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
