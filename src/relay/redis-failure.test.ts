import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/support/http";
import { type RedisServer, startRedisServer } from "../../test/support/redis";
import { conversation, openCase, useRelayEnv } from "../../test/support/relay";
import { until } from "../../test/support/until";

/**
 * Redis frozen (SIGSTOP), killed and restarted under a running relay: every answer comes within a few seconds (a 503
 * that CXone retries, never a hang), /health says 503 while Redis is gone, and nothing acknowledged is lost or
 * delivered twice once it is back. The redis-server here persists (AOF) as the README requires in production.
 */

const env = useRelayEnv();
let server: RedisServer;
let dir: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "relay-redis-"));
  port = await freePort();
  server = await startRedisServer(port, dir);
});

afterAll(async () => {
  server.process.kill("SIGCONT");
  await server.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Generous against a noisy machine, yet far below the ~12 s per call (and the endless hang) before the bound. */
const PROMPT_MS = 6_000;
const TIMEOUT_MS = 500;

const notifiedTexts = () => env.cognigy.delivered({ route: "notify" }).map((c) => c.body.text);

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

const health = (url: string) => fetch(`${url}/health`).then((r) => r.status);

test("a frozen Redis: CXone gets a 503 within seconds, /health 503; after it thaws the retry is delivered once", async () => {
  const relay = await env.relay({ redisUrl: server.url, redisCommandTimeoutMs: TIMEOUT_MS });
  const caseId = await openCase(env.sandbox, conversation("frozen"));
  const agent = env.agent(relay, { maxAttempts: 1 });
  const before = await agent.reply(env.sandbox, caseId, "Before the freeze");
  expect(before.status).toBe(200);

  server.process.kill("SIGSTOP");
  let during: Awaited<ReturnType<typeof agent.reply>>;
  try {
    const answered = await timed(() => agent.reply(env.sandbox, caseId, "During the freeze"));
    during = answered.value;
    expect(during.status).toBe(503);
    expect(answered.ms).toBeLessThan(PROMPT_MS);
    const checked = await timed(() => health(relay.url));
    expect(checked.value).toBe(503);
    expect(checked.ms).toBeLessThan(PROMPT_MS);
  } finally {
    server.process.kill("SIGCONT");
  }
  expect(notifiedTexts()).toEqual(["Before the freeze"]);

  await until("/health recovers", async () => (await health(relay.url)) === 200, 20_000);
  const retried = await agent.deliver(env.sandbox, caseId, during.message);
  expect(retried.status).toBe(200);
  const repeated = await agent.deliver(env.sandbox, caseId, before.message);
  expect(repeated.idOnExternalPlatform).toBe(before.idOnExternalPlatform);
  expect(notifiedTexts()).toEqual(["Before the freeze", "During the freeze"]);
});

test("a killed Redis: prompt 503s; restarted, it still knows what was delivered, and the retry lands once", async () => {
  const relay = await env.relay({ redisUrl: server.url, redisCommandTimeoutMs: TIMEOUT_MS });
  const caseId = await openCase(env.sandbox, conversation("killed"));
  const agent = env.agent(relay, { maxAttempts: 1 });
  const before = await agent.reply(env.sandbox, caseId, "Before the crash");
  expect(before.status).toBe(200);

  await server.kill();
  const answered = await timed(() => agent.reply(env.sandbox, caseId, "While Redis is down"));
  expect(answered.value.status).toBe(503);
  expect(answered.ms).toBeLessThan(PROMPT_MS);
  const checked = await timed(() => health(relay.url));
  expect(checked.value).toBe(503);
  expect(checked.ms).toBeLessThan(PROMPT_MS);

  server = await startRedisServer(port, dir);
  await until("the relay reconnects", async () => (await health(relay.url)) === 200, 20_000);
  // CXone's retries: the acknowledged message is recognised (persisted), the refused one is delivered now, once.
  const repeated = await agent.deliver(env.sandbox, caseId, before.message);
  expect(repeated.status).toBe(200);
  expect(repeated.idOnExternalPlatform).toBe(before.idOnExternalPlatform);
  const retried = await agent.deliver(env.sandbox, caseId, answered.value.message);
  expect(retried.status).toBe(200);
  expect(await agent.deliver(env.sandbox, caseId, answered.value.message)).toMatchObject({ status: 200 });
  expect(notifiedTexts()).toEqual(["Before the crash", "While Redis is down"]);
});
