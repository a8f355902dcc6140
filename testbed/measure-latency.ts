/**
 * Measures the case-event latency of polling, end to end on loopback: the sandbox CXone assigns or closes cases at
 * random moments, a relay polls on its real timer, and we time each change until Cognigy (fake) got the inject.
 *
 *   npx ts-node --transpile-only testbed/measure-latency.ts [intervalMs=3000] [events=20]
 *
 * Expect roughly uniform(0, interval) + one poll's duration: the change waits for the next poll.
 */

import { clearAuthCache } from "../src/cxone";
import { startRelay } from "../src/relay/server";
import { startFakeCognigy } from "../test/support/fake-cognigy";
import { conversation, openCase, RELAY_CLIENT } from "../test/support/relay";
import { startCxoneSandbox } from "./sandbox/cxone-sandbox";

// Sandbox and fake Cognigy on plain-http loopback: dev mode (src/cxone/config.ts).
process.env.CXONE_HANDOVER_DEV_MODE = "1";

async function main() {
  const intervalMs = Number(process.argv[2] ?? 3000);
  const count = Number(process.argv[3] ?? 20);
  const sandbox = await startCxoneSandbox();
  const cognigy = await startFakeCognigy();
  const relay = await startRelay({
    port: 0,
    host: "127.0.0.1",
    ...RELAY_CLIENT,
    cognigyEndpointUrl: cognigy.url,
    cxone: sandbox.connection(),
    threadKey: sandbox.connection().threadKey,
    pollIntervalMs: intervalMs,
    logLevel: "warn",
  });
  const refs = Array.from({ length: count }, (_, i) => conversation(`lat${i}`));
  const cases = await Promise.all(refs.map((r) => openCase(sandbox, r)));
  // Let the relay see every case open before the clock starts.
  await new Promise((r) => setTimeout(r, intervalMs * 2));

  const latencies: Record<"agentJoined" | "resolved", number[]> = { agentJoined: [], resolved: [] };
  const waitFor = async (event: "agentJoined" | "resolved", urlToken: string, since: number) => {
    while (!cognigy.delivered({ route: "inject", event, urlToken }).length) await new Promise((r) => setTimeout(r, 5));
    latencies[event].push(Date.now() - since);
  };
  const windowMs = intervalMs * 6;
  await Promise.all(
    cases.map(async (caseId, i) => {
      await new Promise((r) => setTimeout(r, Math.random() * windowMs));
      const assignedAt = Date.now();
      sandbox.assignAgent(caseId);
      await waitFor("agentJoined", refs[i].urlToken, assignedAt);
      await new Promise((r) => setTimeout(r, Math.random() * intervalMs));
      const closedAt = Date.now();
      sandbox.closeCase(caseId);
      await waitFor("resolved", refs[i].urlToken, closedAt);
    }),
  );
  const pollSeconds = (await relay.metrics.pollDuration.get()).values.find((v) => v.metricName?.endsWith("_sum"));
  const polls = (await relay.metrics.pollDuration.get()).values.find((v) => v.metricName?.endsWith("_count"));
  console.log(
    `poll interval ${intervalMs} ms, ${count} cases, ${polls?.value} polls, mean poll ${Math.round(((pollSeconds?.value ?? 0) / (polls?.value || 1)) * 1000)} ms`,
  );
  for (const [event, values] of Object.entries(latencies)) {
    const sorted = [...values].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    const mean = Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length);
    console.log(
      `${event}: n=${sorted.length} min ${sorted[0]} ms, median ${pct(50)} ms, mean ${mean} ms, p95 ${pct(95)} ms, max ${sorted[sorted.length - 1]} ms`,
    );
  }
  await relay.close();
  await cognigy.stop();
  await sandbox.stop();
  clearAuthCache();
}

void main();
