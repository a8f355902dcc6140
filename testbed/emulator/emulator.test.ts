import { createNodeDescriptor, type INodeDescriptor } from "@cognigy/extension-tools";
import { CognigyEndpoint, DEFAULT_BOT_AVATAR } from "./cognigy-endpoint";
import { type FlowExecution, FlowRunner, type FlowRunnerOptions, type FlowStep } from "./flow";
import { ARGUMENT_LIMIT_BYTES, newSession, runNode } from "./runtime";

/**
 * The emulator follows what Cognigy's own packages and docs say (../shared/cognigy-runtime.md, Platform facts). Each
 * test here pins one of those facts; each would fail on the emulator before it did.
 */

type Fn = NonNullable<INodeDescriptor["function"]>;
// biome-ignore lint/suspicious/noExplicitAny: the platform's argument is untyped for test nodes.
type Cognigy = any;

const node = (type: string, fn: (cognigy: Cognigy) => Promise<void> | void, children: string[] = []) =>
  createNodeDescriptor({
    type,
    defaultLabel: type,
    dependencies: { children },
    function: (async ({ cognigy }: { cognigy: Cognigy }) => fn(cognigy)) as Fn,
  });

const conversation = { userId: "u1", sessionId: "s1", urlToken: "tok1" };

function runner(nodes: INodeDescriptor[], flow: FlowStep[], options: FlowRunnerOptions = {}) {
  return new FlowRunner({ nodes }, flow, {}, options);
}

const texts = (e: FlowExecution) => e.outputs.map((o) => o.text);

describe("lastConversationEntries", () => {
  const seen: unknown[] = [];
  const probe = node("probe", (c) => {
    seen.push("lastConversationEntries" in c ? c.lastConversationEntries : "absent");
  });
  const flow: FlowStep[] = [{ node: "probe" }, { say: "bot reply" }];

  beforeEach(() => {
    seen.length = 0;
  });

  test("newest first, index 0 is the current input, at most 10 entries", async () => {
    const r = runner([probe], flow);
    for (let i = 1; i <= 7; i++) await r.execute(conversation, { text: `user ${i}` }, "user");
    const last = seen[seen.length - 1] as { source: string; text: string }[];
    expect(last[0]).toEqual({ source: "user", text: "user 7" });
    expect(last[1]).toEqual({ source: "bot", text: "bot reply" });
    expect(last[2]).toEqual({ source: "user", text: "user 6" });
    expect(last).toHaveLength(10);
  });

  test("absent when Generative AI is off", async () => {
    const r = runner([probe], flow, { generativeAi: false });
    await r.execute(conversation, { text: "hi" }, "user");
    expect(seen).toEqual(["absent"]);
  });
});

describe("the input object", () => {
  test("is new for every execution: keys a node added do not leak into the next input", async () => {
    const inputs: Record<string, unknown>[] = [];
    const add = node("add", (c) => {
      inputs.push({ ...c.input });
      c.api.addToInput("scratch", { from: c.input.text });
    });
    const r = runner([add], [{ node: "add" }]);
    await r.execute(conversation, { text: "one" }, "user");
    await r.execute(conversation, { text: "two" }, "user");
    expect(inputs[1].scratch).toBeUndefined();
    expect(inputs[1].text).toBe("two");
  });

  test("dotted keys in addToContext and addToInput create nested paths", async () => {
    let input: Record<string, unknown> = {};
    const write = node("write", (c) => {
      c.api.addToContext("a.b.c", 1, "simple");
      c.api.addToInput("handover.status", "active");
      input = c.input;
    });
    const r = runner([write], [{ node: "write" }]);
    await r.execute(conversation, { text: "x" }, "user");
    expect(r.session(conversation).context).toMatchObject({ a: { b: { c: 1 } } });
    expect(r.session(conversation).context["a.b.c"]).toBeUndefined();
    expect(input.handover).toEqual({ status: "active" });
  });

  test("data-only inputs and injects carry Cognigy's implicit DATA_ONLY_MESSAGE_ text", async () => {
    const inputs: Record<string, unknown>[] = [];
    const probe = node("probe", (c) => void inputs.push({ ...c.input }));
    const r = runner([probe], [{ node: "probe" }]);
    await r.execute(conversation, { data: { file: "x" } }, "user");
    await r.execute(conversation, { text: "", data: { cxone: { event: "resolved" } } }, "api");
    await r.execute(conversation, { text: "plain" }, "user");
    for (const input of inputs.slice(0, 2)) {
      expect(input.text).toMatch(/^DATA_ONLY_MESSAGE_[a-z0-9]{20}$/);
      expect(input.mode).toBe("TextData");
    }
    expect(inputs[2]).toMatchObject({ text: "plain", mode: "TextOnly" });
  });
});

describe("extension failures (input.extensionError)", () => {
  test("an 11th api call terminates the node: extensionError set, later calls ignored, the flow continues below", async () => {
    const greedy = node(
      "greedy",
      (c) => {
        try {
          for (let i = 0; i < 11; i++) c.api.addToContext(`k${i}`, i, "simple");
        } catch {
          // As our nodes do: try to follow an error branch. The platform has already terminated the node.
          c.api.setNextNode("greedyOnError-id");
          c.api.say("caught");
        }
      },
      ["greedyOnError"],
    );
    const r = runner(
      [greedy],
      [{ node: "greedy", branches: { OnError: [{ say: "error branch" }] } }, { say: "below" }],
    );
    const e = await r.execute(conversation, { text: "x" }, "user");
    expect(texts(e)).toEqual(["below"]);
    const run = e.nodes[0].run;
    expect(run.extensionError).toMatch(/more than 10 api calls/);
    expect(run.error).toBeUndefined();
    expect(run.ignoredCalls.map((c) => c.method)).toEqual(["addToContext", "setNextNode", "say"]);
    expect(r.session(conversation).input.extensionError).toBe(run.extensionError);
    expect(r.session(conversation).context.k10).toBeUndefined();
  });

  test("a timeout terminates the node the same way; what it does afterwards is ignored", async () => {
    let late: Promise<void> = Promise.resolve();
    const slow = node("slow", (c) => {
      late = new Promise((resolve) =>
        setTimeout(() => {
          c.api.say("too late");
          c.api.addToContext("late", true, "simple");
          resolve();
        }, 80),
      );
      return late;
    });
    const session = newSession();
    const run = await runNode(slow, { config: {}, session, executionLimitMs: 20 });
    await late;
    expect(run.extensionError).toMatch(/exceeded 20 ms/);
    expect(session.input.extensionError).toBe(run.extensionError);
    expect(run.outputs).toEqual([]);
    expect(session.context.late).toBeUndefined();
    expect(run.ignoredCalls.map((c) => c.method)).toEqual(["say", "addToContext"]);
  });

  test("the argument limit (62 KB, read as 62,000 bytes) holds for objects, and for strings unless told otherwise", async () => {
    const big = node("big", (c) => {
      c.api.say("x".repeat(70_000));
      c.api.addToContext("blob", { v: "y".repeat(ARGUMENT_LIMIT_BYTES) }, "simple");
    });
    // Strict reading (default): whether a long string escapes the documented object limit is not published.
    const strict = await runNode(big, { config: {}, session: newSession() });
    expect(strict.outputs).toHaveLength(0);
    expect(String(strict.error)).toMatch(/api\.say argument of 7000\d bytes exceeds 62 KB/);
    // Literal reading of the docs: only objects are limited.
    const literal = await runNode(big, { config: {}, session: newSession(), limitStrings: false });
    expect(literal.outputs).toHaveLength(1);
    expect(String(literal.error)).toMatch(/api\.addToContext argument of 6200\d bytes exceeds 62 KB/);
  });
});

describe("session expiry", () => {
  test("after the endpoint's session expiration the next user input starts a new session with a new context", async () => {
    let now = 0;
    const remember = node("remember", (c) => {
      if (!c.context.seen) c.api.addToContext("seen", c.input.text, "simple");
    });
    const r = runner([remember], [{ node: "remember" }], { sessionExpiryMs: 30 * 60_000, now: () => now });
    await r.execute(conversation, { text: "first" }, "user");
    now += 29 * 60_000;
    await r.execute(conversation, { text: "second" }, "user");
    expect(r.session(conversation).context.seen).toBe("first");

    now += 31 * 60_000;
    await r.execute(conversation, { text: "third" }, "user");
    const current = r.currentSessionId(conversation);
    expect(current).not.toBe("s1");
    expect(r.session({ ...conversation, sessionId: current }).context.seen).toBe("third");
    expect(r.session({ ...conversation, sessionId: current }).input.sessionId).toBe(current);
  });
});

describe("the endpoint draws every output as Webchat v3 does", () => {
  let endpoint: CognigyEndpoint;
  const flow: FlowStep[] = [{ say: "hello from the bot" }];

  beforeAll(async () => {
    endpoint = await new CognigyEndpoint({ runner: runner([], flow), apiKey: "legacy-api-key" }).start();
  });
  afterAll(() => endpoint.stop());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${endpoint.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  test("a Notify has no source: it is a bot bubble; the avatar override sticks until reset", async () => {
    const body = { userId: "u1", sessionId: "s1" };
    await post("/notify/tok1", { ...body, text: "agent says hi", data: { cxone: { event: "agentMessage" } } });
    await post("/notify/tok1", {
      ...body,
      text: "with avatar",
      data: { _webchat: { botAvatarOverrideUrl: "https://x.invalid/anna.png", botAvatarOverrideNameOnce: "Anna" } },
    });
    await post("/notify/tok1", { ...body, text: "still anna's face", data: {} });
    await post("/notify/tok1", { ...body, text: "", data: { _webchat: { botAvatarOverrideUrl: "" } } });
    await post("/notify/tok1", { ...body, text: "bot again", data: {} });
    const drawn = endpoint.chat.slice(-5).map((e) => e.drawn);
    expect(drawn[0]).toEqual({ as: "bubble", source: "bot", name: "Bot", avatarUrl: DEFAULT_BOT_AVATAR });
    expect(drawn[1]).toEqual({ as: "bubble", source: "bot", name: "Anna", avatarUrl: "https://x.invalid/anna.png" });
    expect(drawn[2]).toMatchObject({ name: "Bot", avatarUrl: "https://x.invalid/anna.png" });
    expect(drawn[3]).toEqual({ as: "nothing" });
    expect(drawn[4]).toMatchObject({ avatarUrl: DEFAULT_BOT_AVATAR });
  });

  test("the liveAgentEvent chip is drawn as an event; an empty typing event draws nothing", async () => {
    const body = { userId: "u2", sessionId: "s2" };
    await post("/notify/tok1", {
      ...body,
      text: "You are now chatting with Anna",
      data: {
        _cognigy: { _webchat3: { type: "liveAgentEvent", payload: { text: "You are now chatting with Anna" } } },
      },
    });
    await post("/notify/tok1", { ...body, text: "", data: { cxone: { event: "agentTyping", typing: true } } });
    expect(endpoint.chat.slice(-2).map((e) => e.drawn.as)).toEqual(["chip", "nothing"]);
  });

  test("the older /new/v2.0/endpoint route needs the API key and text + data", async () => {
    const body = { URLToken: "tok1", userId: "u3", sessionId: "s3", text: "old route", data: {} };
    expect((await post("/new/v2.0/endpoint/notify", body)).status).toBe(401);
    const { text: _text, ...noText } = body;
    expect((await post("/new/v2.0/endpoint/notify", noText, { "x-api-key": "legacy-api-key" })).status).toBe(400);
    expect((await post("/new/v2.0/endpoint/notify", body, { "x-api-key": "legacy-api-key" })).status).toBe(200);
    expect(endpoint.chat[endpoint.chat.length - 1]).toMatchObject({ text: "old route", drawn: { as: "bubble" } });
  });
});
