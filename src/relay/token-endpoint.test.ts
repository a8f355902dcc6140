// The token endpoint CXone signs in at, and the bearer every agent callback must carry.
import { bearer, creds, post } from "../../test/support/http";
import { conversation, openCase, RELAY_CLIENT, useRelayEnv } from "../../test/support/relay";

const env = useRelayEnv();

describe("token endpoint", () => {
  test("a Basic header with a malformed escape is invalid_client (401), not a server error", async () => {
    const relay = await env.relay();
    const basic = Buffer.from("%E0%A4%A:secret").toString("base64");
    const res = await post(
      `${relay.boxUrl}/1.0/token`,
      { grant_type: "client_credentials" },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("invalid_client");
  });

  test("client credentials as JSON, form or HTTP Basic get a short-lived bearer", async () => {
    const relay = await env.relay({ tokenTtlSeconds: 600 });
    const json = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials", ...creds() });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 600 });
    expect(json.headers.get("cache-control")).toBe("no-store");

    const form = await fetch(`${relay.boxUrl}/1.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", ...creds() }).toString(),
    });
    expect(form.status).toBe(200);

    const basic = Buffer.from(`${RELAY_CLIENT.clientId}:${RELAY_CLIENT.clientSecret}`).toString("base64");
    const viaBasic = await post(
      `${relay.boxUrl}/1.0/token`,
      { grant_type: "client_credentials" },
      {
        authorization: `Basic ${basic}`,
      },
    );
    expect(viaBasic.status).toBe(200);
  });

  test("wrong credentials are invalid_client (401); a wrong grant is unsupported_grant_type (400)", async () => {
    const relay = await env.relay();
    const wrongSecret = await post(`${relay.boxUrl}/1.0/token`, {
      grant_type: "client_credentials",
      client_id: RELAY_CLIENT.clientId,
      client_secret: `${RELAY_CLIENT.clientSecret}x`,
    });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe("invalid_client");
    const wrongId = await post(`${relay.boxUrl}/1.0/token`, {
      grant_type: "client_credentials",
      client_id: "someone",
      client_secret: RELAY_CLIENT.clientSecret,
    });
    expect(wrongId.status).toBe(401);
    const missing = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "client_credentials" });
    expect(missing.status).toBe(401);
    const grant = await post(`${relay.boxUrl}/1.0/token`, { grant_type: "password", ...creds() });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe("unsupported_grant_type");
  });

  test("calls without, with a forged or with an expired bearer are refused 401", async () => {
    let now = Date.now();
    const relay = await env.relay({ tokenTtlSeconds: 60 }, { now: () => now });
    const caseId = await openCase(env.sandbox, conversation("tok-1"));
    const threadId = env.sandbox.cases.get(caseId)!.threadIdOnExternalPlatform;
    const url = `${relay.boxUrl}/1.0/posts/${threadId}/messages`;
    const body = { id: "m-1", messageContent: { type: "TEXT", payload: { text: "hi" } } };

    expect((await post(url, body)).status).toBe(401);
    const good = await bearer(relay.boxUrl);
    const [prefix, payload, mac] = good.authorization.slice(7).split(".");
    const flipped = `${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`;
    expect((await post(url, body, { authorization: `Bearer ${prefix}.${payload}.${flipped}` })).status).toBe(401);
    // A token signed by a relay with another secret (or by anyone guessing) does not verify.
    const other = await env.relay({ clientSecret: "another-relay-secret-000000" });
    const otherToken = await post(`${other.boxUrl}/1.0/token`, {
      grant_type: "client_credentials",
      client_id: RELAY_CLIENT.clientId,
      client_secret: "another-relay-secret-000000",
    });
    expect((await post(url, body, { authorization: `Bearer ${otherToken.body.access_token}` })).status).toBe(401);
    expect((await post(url, body, { authorization: "Bearer nonsense" })).status).toBe(401);

    expect((await post(url, body, good)).status).toBe(200);
    now += 61_000;
    const expired = await post(url, { ...body, id: "m-2" }, good);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toContain("invalid_token");
    expect(env.cognigy.delivered()).toHaveLength(1);
  });

  test("the byoc agent follows CXone's flow: 401, token, retry with the bearer", async () => {
    const relay = await env.relay();
    const caseId = await openCase(env.sandbox, conversation("flow"));
    const agent = env.agent(relay, { tokenEncoding: "form" });
    const first = await agent.reply(env.sandbox, caseId, "Hello from Anna");
    expect(first.status).toBe(200);
    expect(first.tokenRequests).toBe(1);
    expect(first.attempts.map((a) => a.status)).toEqual([200]);
    const second = await agent.reply(env.sandbox, caseId, "Second message");
    expect(second.tokenRequests).toBe(0);
  });
});
