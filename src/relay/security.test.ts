import net from "node:net";
import { bearer, creds, post } from "../../test/support/http";
import { conversation, logSink, openCase, RELAY_CLIENT, threadIdOf, useRelayEnv } from "../../test/support/relay";
import { SANDBOX_THREAD_KEY } from "../../testbed/sandbox/cxone-sandbox";
import { encodeThreadId } from "../handover/thread";
import { quoteBigIntegers } from "./json";

/** What an attacker with a relay bearer, a CXone API token or a raw socket can and cannot make the relay do. */

const env = useRelayEnv();

/** Writes raw bytes on one connection and collects the answer until the relay closes it (or 2 s pass). */
function rawRequest(url: string, bytes: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    let answer = "";
    const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(bytes));
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on("data", (d) => {
      answer += d.toString();
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on("error", () => undefined);
  });
}

const OTHER_KEY = "a-key-only-the-attacker-knows-0123456789";

describe("thread ids", () => {
  test("a forged, altered or spliced thread id is never delivered, whatever the bearer", async () => {
    const relay = await env.relay();
    const auth = await bearer(relay.boxUrl);
    const victim = conversation("victim");
    const genuine = threadIdOf(victim);
    const other = threadIdOf(conversation("attacker"));
    const unsigned = `cgy1.${Buffer.from(JSON.stringify([victim.userId, victim.sessionId, victim.urlToken, "h", 1])).toString("base64url")}`;
    const candidates = [
      encodeThreadId(victim, OTHER_KEY),
      unsigned,
      `${genuine.slice(0, genuine.lastIndexOf("."))}${other.slice(other.lastIndexOf("."))}`,
      genuine.slice(0, 10) + (genuine[10] === "A" ? "B" : "A") + genuine.slice(11),
    ];
    for (const threadId of candidates) {
      const body = { id: `m-${threadId.length}`, messageContent: { type: "TEXT", payload: { text: "hi" } } };
      const posts = await post(`${relay.boxUrl}/1.0/posts/${encodeURIComponent(threadId)}/messages`, body, auth);
      expect(posts.status).toBe(404);
      const outbound = await post(
        `${relay.boxUrl}/2.0/channel/chat/outbound`,
        { ...body, thread: { idOnExternalPlatform: threadId } },
        auth,
      );
      expect(outbound.status).toBe(404);
      const typing = await post(
        `${relay.boxUrl}/1.0/channel/chat/thread/${encodeURIComponent(threadId)}/sender-action`,
        { senderAction: { action: "isTypingOn" } },
        auth,
      );
      expect(typing.status).toBe(404);
    }
    expect(env.cognigy.calls).toHaveLength(0);
  });

  test("key rotation: a handover opened with the previous key is still delivered while the relay keeps it", async () => {
    const old = "the-previous-thread-key-0123456789abcdef";
    const ref = conversation("rotated");
    const caseId = await openCase(env.sandbox, ref);
    // The case was opened by Hand over before the rotation: its thread carries the old key's MAC.
    env.sandbox.cases.get(caseId)!.threadIdOnExternalPlatform = encodeThreadId(ref, old);
    const rotating = await env.relay({ threadKey: SANDBOX_THREAD_KEY, threadKeyPrevious: old });
    expect((await env.agent(rotating).reply(env.sandbox, caseId, "Still reaches you")).status).toBe(200);
    const rotated = await env.relay({ threadKey: SANDBOX_THREAD_KEY });
    expect((await env.agent(rotated, { maxAttempts: 1 }).reply(env.sandbox, caseId, "Too late")).status).toBe(404);
    expect(env.cognigy.delivered({ route: "notify" }).map((c) => c.body.text)).toEqual(["Still reaches you"]);
  });

  test("the allow-list of endpoint URL tokens refuses a genuine thread for another endpoint", async () => {
    const relay = await env.relay({ urlTokens: "tokallowed" });
    const allowed = await openCase(env.sandbox, conversation("allowed"));
    const elsewhere = await openCase(env.sandbox, conversation("elsewhere"));
    const agent = env.agent(relay, { maxAttempts: 1 });
    expect((await agent.reply(env.sandbox, allowed, "yes")).status).toBe(200);
    expect((await agent.reply(env.sandbox, elsewhere, "no")).status).toBe(404);
  });
});

describe("bearer tokens", () => {
  test("only the canonical spelling of a bearer's signature is accepted", async () => {
    const relay = await env.relay();
    const { authorization } = await bearer(relay.boxUrl);
    const token = authorization.slice("Bearer ".length);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(token[token.length - 1]);
    // A 32-byte MAC in 43 characters: the last one has two spare bits.
    const twin = token.slice(0, -1) + alphabet[(last & ~3) | ((last + 1) & 3)];
    const threadId = threadIdOf(conversation("canonical"));
    const url = `${relay.boxUrl}/1.0/posts/${threadId}/messages`;
    const body = { messageContent: { type: "TEXT", payload: { text: "x" } } };
    expect((await post(url, body, { authorization: `Bearer ${twin}` })).status).toBe(401);
  });
});

describe("token route limits", () => {
  test("rotating X-Forwarded-For does not reset the limit, and guessers behind a shared proxy do not lock CXone out", async () => {
    const relay = await env.relay({ trustProxy: true, rateLimitPerMinute: 5 });
    const url = `${relay.boxUrl}/1.0/token`;
    const wrong = { grant_type: "client_credentials", ...creds(), client_secret: "guess-guess-guess-guess" };
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      statuses.push((await post(url, wrong, { "x-forwarded-for": `203.0.113.${i}` })).status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    // CXone, from the same proxy address as the guesser or any other: still served.
    for (const xff of ["203.0.113.1", "198.51.100.7"]) {
      const ok = await post(url, { grant_type: "client_credentials", ...creds() }, { "x-forwarded-for": xff });
      expect(ok.status).toBe(200);
    }
    // Many different wrong client ids: limited overall too.
    const overall: number[] = [];
    for (let i = 0; i < 300; i++) {
      overall.push((await post(url, { ...wrong, client_id: `id-${i}` })).status);
    }
    expect(overall.slice(-5).every((s) => s === 429)).toBe(true);
    expect((await post(url, { grant_type: "client_credentials", ...creds() })).status).toBe(200);
  });
});

describe("hostile requests", () => {
  test("a request after a malformed chunked body: a 400, no server error, nothing raw in the logs even at trace", async () => {
    const sink = logSink();
    const relay = await env.relay({ logLevel: "trace" }, sink.options);
    const { authorization } = await bearer(relay.boxUrl);
    const threadId = threadIdOf(conversation("chunked"));
    const path = `/integration/box/1.0/posts/${threadId}/messages`;
    const answer = await rawRequest(
      relay.url,
      `POST ${path} HTTP/1.1\r\nHost: relay\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\nzz\r\n${RELAY_CLIENT.clientSecret}\r\n0\r\n\r\n` +
        `POST ${path} HTTP/1.1\r\nHost: relay\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\n` +
        "Content-Length: 2\r\n\r\n{}",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).not.toMatch(/HTTP\/1\.1 5\d\d/);
    const log = sink.lines.join("");
    expect(log).not.toMatch(/"level":50/);
    expect(log).not.toContain("rawPacket");
    expect(log).not.toContain(RELAY_CLIENT.clientSecret);
    expect(log).not.toContain(authorization.slice(7));
    // The bytes as pino prints a Buffer: no run of the secret's char codes either.
    const codes = [...Buffer.from(RELAY_CLIENT.clientSecret)].join(",");
    expect(log).not.toContain(codes);
  });

  test("a pushed contactId of . or .. (or with a slash) is refused before it reaches a CXone URL", async () => {
    const relay = await env.relay();
    const auth = await bearer(relay.boxUrl);
    env.sandbox.requests.length = 0;
    for (const contactId of [".", "..", "../contacts", "1/2", "a b"]) {
      const res = await post(`${relay.boxUrl}/1.0/events`, { contactId }, auth);
      expect(res.status).toBe(400);
    }
    expect(env.sandbox.requests.filter((r) => r.path.includes("/contacts"))).toHaveLength(0);
  });

  test("an agent avatar that is not http(s) never reaches Notify data", async () => {
    const relay = await env.relay();
    const ref = conversation("avatar", { displayAgentDetails: true });
    const caseId = await openCase(env.sandbox, ref);
    const agent = env.agent(relay);
    const sent = await agent.reply(env.sandbox, caseId, "Hello", {
      extra: {
        authorUser: { id: 7, firstName: "Eve", imageUrl: "javascript:alert(1)", publicImageUrl: "data:text/html,x" },
      },
    });
    expect(sent.status).toBe(200);
    const [notify] = env.cognigy.delivered({ route: "notify" });
    expect(notify.body.data?.cxone?.agent).toEqual({ id: "7", name: "Eve" });
    expect(JSON.stringify(notify.body)).not.toMatch(/javascript:|data:text/);
  });
});

describe("ids and ports", () => {
  test("numeric CXone message ids beyond 2^53 stay distinct: two messages, two deliveries", async () => {
    const relay = await env.relay();
    const auth = await bearer(relay.boxUrl);
    const threadId = threadIdOf(conversation("bigids"));
    const url = `${relay.boxUrl}/1.0/posts/${threadId}/messages`;
    const send = (id: string, text: string) =>
      post(url, undefined, auth, `{"id":${id},"messageContent":{"type":"TEXT","payload":{"text":"${text}"}}}`);
    expect((await send("9007199254740993", "first")).status).toBe(200);
    expect((await send("9007199254740992", "second")).status).toBe(200);
    expect((await send("9007199254740993", "first")).status).toBe(200); // CXone's retry: still recognised
    const notified = env.cognigy.delivered({ route: "notify" });
    expect(notified.map((c) => c.body.text)).toEqual(["first", "second"]);
  });

  test("quoteBigIntegers quotes only unsafe integers outside strings", () => {
    expect(quoteBigIntegers('{"a":1,"b":"12345678901234567890"}')).toBe('{"a":1,"b":"12345678901234567890"}');
    expect(quoteBigIntegers('{"id":12345678901234567890,"n":-99999999999999999,"f":12345678901234567.5}')).toBe(
      '{"id":"12345678901234567890","n":"-99999999999999999","f":12345678901234567.5}',
    );
    expect(quoteBigIntegers('{"s":"a\\"12345678901234567890","x":[9007199254740991]}')).toBe(
      '{"s":"a\\"12345678901234567890","x":[9007199254740991]}',
    );
  });

  test("with a metrics port, /health and /metrics answer only there", async () => {
    const relay = await env.relay({ metricsPort: 0 });
    expect(relay.metricsUrl).not.toBe(relay.url);
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${relay.url}/health`)).status).toBe(404);
    expect((await fetch(`${relay.metricsUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${relay.metricsUrl}/health`)).status).toBe(200);
  });
});
