import { errorOf, newSession, runWith, useNodeEnv } from "../test/support/nodes";
import { checkAvailabilityNode } from "./checkAvailability";

const env = useNodeEnv();

describe("Check agent availability", () => {
  test("agents free: OnAvailable, figures stored in input", async () => {
    env.sandbox.setSkillActivity("4321", { agentsAvailable: 2, agentsLoggedIn: 5, queueCount: 1 });
    const session = newSession();
    const run = await runWith(env, checkAvailabilityNode, session, { skillId: "4321" });
    expect(run.outcome).toBe("cxoneCheckAvailabilityOnAvailable");
    expect(session.input.cxoneAvailability).toMatchObject({
      available: true,
      skillId: "4321",
      agentsAvailable: 2,
      agentsLoggedIn: 5,
      queueCount: 1,
    });
  });

  test("too few agents or a queue over the cap: OnUnavailable, stored in context when asked", async () => {
    env.sandbox.setSkillActivity("55", { agentsAvailable: 1, queueCount: 4 });
    const session = newSession();
    const run = await runWith(env, checkAvailabilityNode, session, {
      skillId: "55",
      maxQueueCount: 3,
      storeLocation: "context",
      contextKey: "avail",
    });
    expect(run.outcome).toBe("cxoneCheckAvailabilityOnUnavailable");
    expect(session.context.avail).toMatchObject({ available: false, queueCount: 4 });
  });

  test("a skill CXone does not know: OnUnavailable with a warning", async () => {
    const session = newSession();
    const run = await runWith(env, checkAvailabilityNode, session, { skillId: "999" });
    expect(run.outcome).toBe("cxoneCheckAvailabilityOnUnavailable");
    expect(run.logs.some((l) => l.level === "warn")).toBe(true);
  });

  test("a non-numeric skill id and a bad connection are config errors without a request", async () => {
    const session = newSession();
    const run = await runWith(env, checkAvailabilityNode, session, { skillId: "chat" });
    expect(run.outcome).toBe("cxoneCheckAvailabilityOnError");
    expect(errorOf(session)!.message).toMatch(/^skillId/);
    const bad = await runWith(env, checkAvailabilityNode, session, { skillId: "1", connection: {} });
    expect(bad.outcome).toBe("cxoneCheckAvailabilityOnError");
    expect(errorOf(session)).toMatchObject({ code: "config" });
    expect(env.sandbox.requests).toHaveLength(0);
  });

  test.each([
    ["4xx", { status: 401, times: 5 }, { code: "auth", status: 401 }],
    ["5xx", { status: 500, times: 5 }, { code: "api", status: 500, retryable: true }],
  ])("CXone %s follows OnError", async (_name, fault, expected) => {
    env.sandbox.setSkillActivity("4321", { agentsAvailable: 2 });
    env.sandbox.fault({ path: "/skills/", ...fault });
    const session = newSession();
    const run = await runWith(env, checkAvailabilityNode, session, { skillId: "4321" });
    expect(run.outcome).toBe("cxoneCheckAvailabilityOnError");
    expect(errorOf(session)).toMatchObject(expected);
  });

  test("timeout follows OnError", async () => {
    env.sandbox.setSkillActivity("4321", { agentsAvailable: 2 });
    env.sandbox.fault({ path: "/skills/", delayMs: 2500, times: 5 });
    const session = newSession();
    const run = await runWith(
      env,
      checkAvailabilityNode,
      session,
      { skillId: "4321" },
      { clientOptions: { deadlineMs: 1000 } },
    );
    expect(run.outcome).toBe("cxoneCheckAvailabilityOnError");
    expect(errorOf(session)).toMatchObject({ code: "timeout" });
  });

  describe("Error Handling", () => {
    const failSkills = () => {
      env.sandbox.setSkillActivity("4321", { agentsAvailable: 2 });
      env.sandbox.fault({ path: "/skills/", status: 500, times: 5 });
    };

    test("the section carries Cognigy's name and key; a node placed before it had it (no keys) follows On error", async () => {
      const section = checkAvailabilityNode.sections?.find((s) => s.key === "errors");
      expect(section).toMatchObject({ label: "Error Handling", fields: ["abortOnError", "errorBranch"] });
      const abort = checkAvailabilityNode.fields?.find((f) => f.key === "abortOnError");
      expect(abort).toMatchObject({ label: "Abort Flow Execution on Error", type: "toggle", defaultValue: false });
      expect(checkAvailabilityNode.fields?.find((f) => f.key === "errorBranch")?.defaultValue).toBe("error");
      failSkills();
      const session = newSession();
      const run = await runWith(env, checkAvailabilityNode, session, { skillId: "4321" });
      expect(run.outcome).toBe("cxoneCheckAvailabilityOnError");
      expect(run.stopped).toBeFalsy();
    });

    test("'On error' chosen: a CXone failure follows On error with the reason", async () => {
      failSkills();
      const session = newSession();
      const run = await runWith(env, checkAvailabilityNode, session, { skillId: "4321", errorBranch: "error" });
      expect(run.outcome).toBe("cxoneCheckAvailabilityOnError");
      expect(errorOf(session)).toMatchObject({ code: "api", status: 500 });
    });

    test("'No agent available' chosen: a CXone failure follows No agent available, reason still in input", async () => {
      failSkills();
      const session = newSession();
      const run = await runWith(env, checkAvailabilityNode, session, { skillId: "4321", errorBranch: "unavailable" });
      expect(run.outcome).toBe("cxoneCheckAvailabilityOnUnavailable");
      expect(run.stopped).toBeFalsy();
      expect(errorOf(session)).toMatchObject({ code: "api", status: 500 });
      expect(run.logs.some((l) => l.level === "error")).toBe(true);
    });

    test("'No agent available' chosen: a bad skill id is the designer's to fix and still follows On error", async () => {
      const session = newSession();
      const run = await runWith(env, checkAvailabilityNode, session, { skillId: "chat", errorBranch: "unavailable" });
      expect(run.outcome).toBe("cxoneCheckAvailabilityOnError");
      expect(env.sandbox.requests).toHaveLength(0);
    });

    test("Abort Flow Execution on Error: the flow stops, no branch is followed", async () => {
      failSkills();
      const session = newSession();
      const run = await runWith(env, checkAvailabilityNode, session, {
        skillId: "4321",
        abortOnError: true,
        errorBranch: "unavailable",
      });
      expect(run.stopped).toBe(true);
      expect(run.outcome).toBeUndefined();
      expect(errorOf(session)).toMatchObject({ code: "api", status: 500 });
    });

    test("Abort on a platform without stopExecution: On error, the closest it can do", async () => {
      failSkills();
      const session = newSession();
      const run = await runWith(
        env,
        checkAvailabilityNode,
        session,
        { skillId: "4321", abortOnError: true },
        { omitApi: ["stopExecution"] },
      );
      expect(run.outcome).toBe("cxoneCheckAvailabilityOnError");
    });
  });
});
