import net from "node:net";
import { bearer } from "../../test/support/http";
import { conversation, logSink, RELAY_CLIENT, threadIdOf, useRelayEnv } from "../../test/support/relay";
import { SANDBOX_THREAD_KEY } from "../../testbed/sandbox/cxone-sandbox";
import { type ConversationRef, encodeThreadId } from "../handover/thread";

/**
 * A seeded, bounded fuzz run against a relay on loopback: a few thousand hostile and half-valid requests, one at a
 * time so each delivery can be traced to the request that caused it. Must hold: the relay never crashes, answers no
 * 5xx besides the documented ones (502/503 with their error codes), delivers nothing without a valid bearer AND a
 * thread id Hand over signed, and logs no secret at any level (the run logs at trace).
 */

const SEED = 0x13c0ffee;
const REQUESTS = 2500;
const RAW_REQUESTS = 60;

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick };
}

const env = useRelayEnv();

const DOCUMENTED_5XX = new Set([
  "503:in_progress",
  "503:unavailable",
  "503:cognigy_unavailable",
  "502:cognigy_refused",
]);

test("fuzz: no crash, only documented 5xx, no delivery without bearer and signed thread, no secret in logs", async () => {
  const rnd = prng(SEED);
  const { lines, options } = logSink();
  const relay = await env.relay({ logLevel: "trace", forwardTyping: true }, options);
  const box = relay.boxUrl;

  const genuine: ConversationRef[] = [0, 1, 2].map((i) => conversation(`fuzz${i}`));
  const genuineIds = new Map(genuine.map((ref) => [threadIdOf(ref), ref]));
  const forgedIds = [
    encodeThreadId(conversation("fuzzx"), "an-attacker-chosen-thread-key-0123456789"),
    `cgy1.${Buffer.from(JSON.stringify(["user-fuzz0", "session-fuzz0", "tokfuzz0", "h", 1])).toString("base64url")}`,
    "cgy2.e30.AAAAAAAAAAAAAAAAAAAAAA",
    "..",
    "%2e%2e",
    "x".repeat(3000),
  ];
  const mutate = (s: string) => {
    const i = rnd.int(s.length);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.%/";
    return s.slice(0, i) + rnd.pick([...alphabet.replace(s[i], "")]) + s.slice(i + 1);
  };
  const threadFor = () => {
    const roll = rnd.next();
    if (roll < 0.45) return rnd.pick([...genuineIds.keys()]);
    if (roll < 0.75) return mutate(rnd.pick([...genuineIds.keys()]));
    return rnd.pick(forgedIds);
  };

  const valid = (await bearer(box)).authorization;
  const token = { access_token: valid.slice("Bearer ".length) };
  const [p, body, mac] = token.access_token.split(".");
  const bearers = [
    valid,
    valid,
    valid,
    `Bearer ${p}.${body}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
    `Bearer ${p}.${mutate(body)}.${mac}`,
    "Bearer rt1.e30.",
    `Basic ${Buffer.from(`${RELAY_CLIENT.clientId}:${RELAY_CLIENT.clientSecret}`).toString("base64")}`,
    "",
  ];

  const jsonBody = (thread: string, kind: "posts" | "outbound", n: number) => {
    const content = rnd.pick([
      { type: "TEXT", payload: { text: `fuzz message ${n}` } },
      { type: "TEXT", payload: { text: "" } },
      { type: "TEXT", payload: { text: 42 } },
      { type: "QUICK_REPLIES", payload: { text: { content: `fuzz ${n}` } }, fallbackText: `fuzz fallback ${n}` },
      null,
    ]);
    const b: Record<string, unknown> = {
      id: rnd.pick([`m${n}`, n, 2 ** 53 + 2 * n, null, "", "../x"]),
      messageContent: content,
      createdAtWithMilliseconds: rnd.pick(["2026-12-02T08:00:00.000Z", "yesterday", 5]),
      authorUser: rnd.pick([
        { id: 7, firstName: "Eve", imageUrl: "javascript:alert(1)" },
        { id: "x", nickname: "N", publicImageUrl: "https://cdn.example.com/a.png" },
        undefined,
      ]),
      attachments: rnd.pick([[], [{ url: "javascript:x", friendlyName: "a" }], [{ url: "https://f.example/a" }], "x"]),
    };
    if (kind === "outbound") b.thread = { idOnExternalPlatform: thread };
    else b.post = { idOnExternalPlatform: thread };
    let text = JSON.stringify(b);
    if (rnd.next() < 0.15) text = text.slice(0, rnd.int(text.length));
    if (rnd.next() < 0.1) text = `{"__proto__":{"x":1},${text.slice(1)}`;
    return text;
  };

  const statuses = new Map<number, number>();
  const violations: string[] = [];
  for (let n = 0; n < REQUESTS; n++) {
    const route = rnd.pick(["posts", "posts", "outbound", "outbound", "typing", "token", "events", "other"] as const);
    const thread = threadFor();
    const authorization = rnd.pick(bearers);
    let url: string;
    let text: string;
    let contentType =
      rnd.next() < 0.9 ? "application/json" : rnd.pick(["text/plain", "application/x-www-form-urlencoded", ""]);
    switch (route) {
      case "posts":
        url = `${box}/1.0/posts/${encodeURIComponent(thread)}/messages`;
        text = jsonBody(thread, "posts", n);
        break;
      case "outbound":
        url = `${box}/2.0/channel/chat_fuzz/outbound`;
        text = jsonBody(thread, "outbound", n);
        break;
      case "typing":
        url = `${box}/1.0/channel/chat_fuzz/thread/${encodeURIComponent(thread)}/${rnd.pick(["sender-action", "sender-actions"])}`;
        text = JSON.stringify(
          rnd.pick([{ senderAction: { action: "isTypingOn" } }, { action: "isTypingOff" }, { action: "dance" }]),
        );
        break;
      case "token":
        url = `${box}/1.0/token`;
        contentType = rnd.pick(["application/json", "application/x-www-form-urlencoded"]);
        text =
          contentType === "application/json"
            ? JSON.stringify({
                grant_type: rnd.pick(["client_credentials", "password", undefined]),
                client_id: RELAY_CLIENT.clientId,
                client_secret: rnd.pick([RELAY_CLIENT.clientSecret, "guess-guess-guess"]),
              })
            : `grant_type=client_credentials&client_id=${RELAY_CLIENT.clientId}&client_secret=${rnd.pick([encodeURIComponent(RELAY_CLIENT.clientSecret), "%E0%A4%A"])}`;
        break;
      case "events":
        url = `${box}/1.0/events`;
        text = JSON.stringify({
          contactId: rnd.pick([".", "..", "12345", 1e20, "a/b", "", null]),
          event: "x",
        });
        break;
      default:
        url = `${relay.url}${rnd.pick(["/", "/health", "/metrics", `${"/integration/box"}/1.0/posts/${thread}`, "/integration/box/9/x"])}`;
        text = "{}";
    }
    const before = env.cognigy.calls.length;
    const method = route === "other" ? rnd.pick(["GET", "POST", "PUT", "DELETE"]) : rnd.next() < 0.97 ? "POST" : "GET";
    const headers: Record<string, string> = {};
    if (authorization) headers.authorization = authorization;
    if (contentType) headers["content-type"] = contentType;
    const res = await fetch(url, { method, headers, body: method === "GET" ? undefined : text });
    const answer = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) {
      let code = "";
      try {
        code = (JSON.parse(answer) as { error?: string }).error ?? "";
      } catch {}
      if (!DOCUMENTED_5XX.has(`${res.status}:${code}`))
        violations.push(`#${n} ${route}: ${res.status} ${answer.slice(0, 80)}`);
    }
    const delivered = env.cognigy.calls.slice(before);
    if (delivered.length > 0) {
      // What the request carried: the thread in the path and, when the body parses, the one in the body.
      const carried = new Set([thread]);
      try {
        const parsed = JSON.parse(text) as {
          thread?: { idOnExternalPlatform?: string };
          post?: { idOnExternalPlatform?: string };
        };
        for (const id of [parsed.thread?.idOnExternalPlatform, parsed.post?.idOnExternalPlatform])
          if (id) carried.add(id);
      } catch {}
      const signed = [...carried].map((id) => genuineIds.get(id)).filter((r): r is ConversationRef => !!r);
      if (authorization !== valid) violations.push(`#${n} ${route}: delivered without a valid bearer`);
      for (const call of delivered) {
        const to = signed.find(
          (r) => r.urlToken === call.urlToken && r.userId === call.body.userId && r.sessionId === call.body.sessionId,
        );
        if (!to) violations.push(`#${n} ${route}: delivered to a conversation no signed thread id named`);
      }
    }
  }

  // A burst of malformed HTTP on raw sockets.
  const { port } = new URL(relay.url);
  const raw = Array.from({ length: RAW_REQUESTS }, (_, i) => {
    const junk = Array.from({ length: 20 + rnd.int(200) }, () => String.fromCharCode(rnd.int(256))).join("");
    return rnd.pick([
      `POST /integration/box/1.0/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${RELAY_CLIENT.clientSecret}\r\n0\r\n\r\n`,
      `GET /health HTTP/1.1\r\nHost: x\r\n${"X: y\r\n".repeat(3000)}\r\n`,
      `${junk}\r\n\r\n`,
      `POST /integration/box/1.0/posts/${i}/messages HTTP/1.1\r\nContent-Length: -1\r\nAuthorization: ${valid}\r\n\r\n`,
    ]);
  });
  for (let i = 0; i < raw.length; i += 20) {
    await Promise.all(
      raw.slice(i, i + 20).map(
        (bytes) =>
          new Promise<void>((resolve) => {
            const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(bytes, "latin1"));
            const timer = setTimeout(() => socket.destroy(), 500);
            socket.on("data", (d) => {
              if (/^HTTP\/1\.1 5/.test(d.toString("latin1")))
                violations.push(`raw: ${d.toString("latin1").slice(0, 40)}`);
            });
            socket.on("close", () => {
              clearTimeout(timer);
              resolve();
            });
            socket.on("error", () => undefined);
          }),
      ),
    );
  }

  expect(violations).toEqual([]);
  // Still alive and well.
  expect((await fetch(`${relay.url}/health`)).status).toBe(200);
  // The run exercised both sides: deliveries happened, and most requests were refused.
  expect(env.cognigy.calls.length).toBeGreaterThan(20);
  expect([...statuses.keys()].filter((s) => s >= 400 && s < 500).length).toBeGreaterThan(3);

  const log = lines.join("");
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  const cx = env.sandbox.connection();
  const secrets = [
    RELAY_CLIENT.clientSecret,
    SANDBOX_THREAD_KEY,
    token.access_token,
    cx.clientSecret,
    cx.accessKeySecret,
  ];
  for (const secret of secrets) {
    expect(log).not.toContain(secret);
    expect(log).not.toContain(encodeURIComponent(secret));
    expect(log).not.toContain([...Buffer.from(secret)].join(","));
  }
}, 120_000);
