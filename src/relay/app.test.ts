import { startFakeCognigy } from "../../test/support/fake-cognigy";
import { conversation, RELAY_CLIENT } from "../../test/support/relay";
import type { CognigyEndpoint } from "../../testbed/emulator/cognigy-endpoint";
import { SANDBOX_THREAD_KEY } from "../../testbed/sandbox/cxone-sandbox";
import { encodeThreadId } from "../handover/thread";
import { buildApp } from "./app";
import { BOX } from "./box-path";
import { parseRelayConfig } from "./config";
import { relayDeps } from "./deps";
import { bearerRoutes } from "./routes";

// buildApp without a listening socket: what a test of one route needs (Fastify's inject).
describe("buildApp", () => {
  let cognigy: CognigyEndpoint;
  beforeAll(async () => {
    cognigy = await startFakeCognigy();
  });
  afterAll(() => cognigy.stop());

  async function app(overrides: { rateLimitPerMinute?: number; trustProxy?: string } = {}) {
    const config = parseRelayConfig({
      ...overrides,
      ...RELAY_CLIENT,
      threadKey: SANDBOX_THREAD_KEY,
      cognigyEndpointUrl: cognigy.url,
      logLevel: "silent",
    });
    const { deps } = await relayDeps(config);
    return { relay: buildApp(deps) };
  }

  /** The Authorization header for a token the relay issued to CXone's credentials. */
  async function bearerFrom(relay: ReturnType<typeof buildApp>): Promise<string> {
    const token = await relay.inject({
      method: "POST",
      url: `${BOX}/1.0/token`,
      payload: {
        grant_type: "client_credentials",
        client_id: RELAY_CLIENT.clientId,
        client_secret: RELAY_CLIENT.clientSecret,
      },
    });
    expect(token.statusCode).toBe(200);
    return `Bearer ${token.json().access_token}`;
  }

  test("issues a token and delivers an outbound agent reply through inject, with the error plugin's shapes", async () => {
    const { relay } = await app();
    try {
      const refused = await relay.inject({ method: "POST", url: `${BOX}/1.0/token`, payload: { client_id: "x" } });
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toEqual({ error: "invalid_client", error_description: "client authentication failed" });

      const bearer = await bearerFrom(relay);

      const threadId = encodeThreadId(conversation("inject"), SANDBOX_THREAD_KEY);
      const outbound = (authorization?: string) =>
        relay.inject({
          method: "POST",
          url: `${BOX}/2.0/channel/chat_x/outbound`,
          headers: authorization ? { authorization } : {},
          payload: {
            thread: { idOnExternalPlatform: threadId },
            messageContent: { type: "TEXT", payload: { text: "Hello from inject" } },
            createdAtWithMilliseconds: "2026-12-02T10:00:00.000Z",
          },
        });
      const noBearer = await outbound();
      expect(noBearer.statusCode).toBe(401);
      expect(noBearer.json()).toEqual({
        error: "invalid_token",
        reason: "a valid bearer token from /integration/box/1.0/token is required",
      });

      const delivered = await outbound(bearer);
      expect(delivered.statusCode).toBe(200);
      expect(delivered.json()).toMatchObject({ thread: { idOnExternalPlatform: threadId } });
      expect(cognigy.delivered({ route: "notify" }).map((c) => c.body.text)).toEqual(["Hello from inject"]);

      const notJson = await relay.inject({
        method: "POST",
        url: `${BOX}/2.0/channel/chat_x/outbound`,
        headers: { authorization: bearer, "content-type": "application/json" },
        payload: "{not json",
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json()).toEqual({ error: "invalid_request", reason: "body is not valid JSON" });
    } finally {
      await relay.close();
    }
  });

  test("a rate-limited agent message gets the error plugin's body and a retry-after", async () => {
    const { relay } = await app({ rateLimitPerMinute: 1 });
    try {
      const authorization = await bearerFrom(relay);
      const send = () =>
        relay.inject({
          method: "POST",
          url: `${BOX}/2.0/channel/chat_x/outbound`,
          headers: { authorization },
          payload: {},
        });
      expect((await send()).statusCode).toBe(400);
      const limited = await send();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers["retry-after"]).toBeDefined();
      expect(limited.json()).toEqual({ error: "rate_limited", reason: "too many requests" });
    } finally {
      await relay.close();
    }
  });

  test("RELAY_TRUST_PROXY as the proxy's address: the client address is the one that proxy saw", async () => {
    // inject's socket address is 127.0.0.1: here, the load balancer.
    const { relay } = await app({ rateLimitPerMinute: 1, trustProxy: "127.0.0.1" });
    try {
      const authorization = await bearerFrom(relay);
      const from = (forwardedFor: string) =>
        relay.inject({
          method: "POST",
          url: `${BOX}/2.0/channel/chat_x/outbound`,
          headers: { authorization, "x-forwarded-for": forwardedFor },
          payload: {},
        });
      expect((await from("198.51.100.7")).statusCode).toBe(400);
      // The same client: a forged address further out changes nothing.
      expect((await from("203.0.113.66, 198.51.100.7")).statusCode).toBe(429);
      // Another client behind the same proxy has its own budget.
      expect((await from("192.0.2.10")).statusCode).toBe(400);
    } finally {
      await relay.close();
    }
  });

  test("a body its route's schema refuses: the error plugin's shape naming the field (OAuth's on the token route)", async () => {
    const { relay } = await app();
    try {
      const token = await relay.inject({ method: "POST", url: `${BOX}/1.0/token`, payload: { grant_type: 5 } });
      expect(token.statusCode).toBe(400);
      expect(token.headers["cache-control"]).toBe("no-store");
      expect(token.json()).toEqual({
        error: "invalid_request",
        error_description: "grant_type: Invalid input: expected string, received number",
      });

      const authorization = await bearerFrom(relay);
      const send = (url: string, payload: unknown) =>
        relay.inject({ method: "POST", url: `${BOX}${url}`, headers: { authorization }, payload: payload as object });
      const typing = await send("/1.0/channel/c/thread/t/sender-action", { senderAction: { action: "typing" } });
      expect(typing.json()).toEqual({
        error: "invalid_request",
        reason: "senderAction.action: must be isTypingOn or isTypingOff",
      });
      const outbound = await send("/2.0/channel/c/outbound", { content: "hi" });
      expect(outbound.statusCode).toBe(400);
      expect(outbound.json()).toEqual({
        error: "invalid_request",
        reason: "thread: Invalid input: expected object, received undefined",
      });
      const metrics = await relay.inject({ method: "GET", url: "/metrics" });
      expect(metrics.body).toContain('relay_agent_messages_total{variant="outbound",outcome="rejected"} 1');
    } finally {
      await relay.close();
    }
  });

  test("every route behind the bearer lives under BOX with its own rate limit (copying any route keeps both)", async () => {
    const { relay } = await app();
    const routes: { method: string; url: string; perMinute?: unknown }[] = [];
    relay.addHook("onRoute", (route) => {
      for (const method of [route.method].flat()) {
        const limit = route.config?.rateLimit;
        if (method !== "HEAD") routes.push({ method, url: route.url, perMinute: limit ? limit.max : undefined });
      }
    });
    try {
      await relay.ready();
      // Behind the bearer is what a request without one is refused by: the route list itself cannot say.
      const bearer: typeof routes = [];
      for (const route of routes) {
        const url = route.url.replace(/:\w+/g, "x");
        const answer = await relay.inject({ method: route.method as "GET" | "POST", url, payload: {} });
        if (answer.statusCode === 401 && answer.json().error === "invalid_token") bearer.push(route);
      }
      expect(bearer.length).toBeGreaterThanOrEqual(bearerRoutes.length);
      expect(bearer.filter((r) => !r.url.startsWith(`${BOX}/`))).toEqual([]);
      expect(bearer.filter((r) => typeof r.perMinute !== "number")).toEqual([]);
      // And every route under BOX but the token route is behind it.
      const underBox = routes.filter((r) => r.url.startsWith(`${BOX}/`) && r.url !== `${BOX}/1.0/token`);
      expect(underBox).toEqual(bearer);
    } finally {
      await relay.close();
    }
  });
});
