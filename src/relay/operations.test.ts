// Running the relay: health, metrics and secret-free logs, the token rate limit, and a graceful stop.
import { creds, post } from "../../test/support/http";
import { conversation, logSink, openCase, RELAY_CLIENT, useRelayEnv } from "../../test/support/relay";
import { ByocAgent } from "../../testbed/sandbox/byoc-agent";

const env = useRelayEnv();

describe("operations", () => {
  test("health, metrics, request ids; no token, secret or message text in info logs", async () => {
    const { lines, options } = logSink();
    const relay = await env.relay({ logLevel: "info" }, options);
    const caseId = await openCase(env.sandbox, conversation("ops"));
    const agent = new ByocAgent({ relayBoxUrl: relay.boxUrl, ...RELAY_CLIENT, mode: "posts", retryDelayMs: 0 });
    const sent = await agent.reply(env.sandbox, caseId, "very private words");
    expect(sent.status).toBe(200);
    await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials", client_id: "x", client_secret: "y" });

    const health = await fetch(`${relay.url}/health`);
    expect(health.status).toBe(200);
    const healthBody = await health.json();
    expect(healthBody).toMatchObject({ status: "ok", caseEvents: "on", store: "memory" });
    expect(JSON.stringify(healthBody)).not.toContain(RELAY_CLIENT.clientSecret);

    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain('relay_agent_messages_total{variant="posts",outcome="delivered"} 1');
    expect(metrics).toContain("relay_http_request_duration_seconds_bucket");
    expect(metrics).toContain('relay_auth_failures_total{reason="invalid_client"} 1');

    const withId = await fetch(`${relay.url}/health`, { headers: { "x-request-id": "trace-123" } });
    expect(withId.headers.get("x-request-id")).toBe("trace-123");

    const log = lines.join("");
    const threadId = env.sandbox.cases.get(caseId)!.threadIdOnExternalPlatform;
    expect(log).toContain('"reqId"');
    expect(log).toContain('"route":"/integration/box/1.0/posts/:postId/messages"');
    for (const secret of [RELAY_CLIENT.clientSecret, "very private words", threadId, "tokops", "Bearer rt1"]) {
      expect(log).not.toContain(secret);
    }
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  test("fields the relay does not use are logged once per shape by each relay, not once per process", async () => {
    const logOf = async (n: number) => {
      const { lines, options } = logSink();
      const relay = await env.relay({ logLevel: "info" }, options);
      const caseId = await openCase(env.sandbox, conversation(`unused-fields-${n}`));
      const agent = env.agent(relay);
      for (const text of ["one", "two"]) {
        expect((await agent.reply(env.sandbox, caseId, text, { extra: { brandNewField: true } })).status).toBe(200);
      }
      return lines.filter((l) => l.includes("fields the relay does not use"));
    };
    for (const n of [1, 2]) {
      const logged = await logOf(n);
      expect(logged).toHaveLength(1);
      expect(JSON.parse(logged[0]).fields).toEqual(["brandNewField"]);
    }
  });

  test("failed token requests beyond the limit answer 429; the right credentials still get a token", async () => {
    const relay = await env.relay({ rateLimitPerMinute: 5 });
    const wrong = { grant_type: "client_credentials", ...creds(), client_secret: "not-the-secret-at-all" };
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await post(`${relay.boxUrl}/1.0/token`, wrong)).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
    const right = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials", ...creds() });
    expect(right.status).toBe(200);
  });

  test("close() lets an in-flight delivery finish before the relay stops", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("shutdown"));
    const agent = env.agent(relay, { maxAttempts: 1 });
    await agent.reply(env.sandbox, caseId, "warm-up");
    env.cognigy.delay(300, 1, "notify");
    const sending = agent.reply(env.sandbox, caseId, "in flight during shutdown");
    while (env.cognigy.inFlight === 0) await new Promise((r) => setTimeout(r, 2));
    await relay.close();
    const answer = await sending;
    expect(answer.status).toBe(200);
    expect(env.cognigy.delivered({ route: "notify" }).map((c) => c.body.text)).toContain("in flight during shutdown");
  });
});
