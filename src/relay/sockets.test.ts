import { conversation, openCase, useRelayEnv } from "../../test/support/relay";
import { until } from "../../test/support/until";

// A relay keeps its sockets to Cognigy and CXone alive between calls; stopping it must close them, or a host that
// starts and stops relays (tests, a tenant removed) leaks one connection per relay and peer.
const env = useRelayEnv();

test("a stopped relay leaves no connection open to Cognigy or CXone", async () => {
  // Cases put straight into the sandbox: the relay is the only one that talks to it over HTTP.
  const before = env.sandbox.openConnections;
  const relay = await env.relay();
  const ref = conversation("sockets");
  const caseId = await openCase(env.sandbox, ref, true);
  env.sandbox.assignAgent(caseId, "1001");
  expect((await relay.pollOnce()).events).toEqual([`agentJoined:${caseId}`]);
  expect((await env.agent(relay).reply(env.sandbox, caseId, "Hello")).status).toBe(200);
  expect(env.cognigy.delivered()).toHaveLength(2);
  // Kept alive after the answers: what the stop has to close.
  expect(env.cognigy.openConnections).toBeGreaterThan(0);
  expect(env.sandbox.openConnections).toBeGreaterThan(before);

  await relay.close();
  await until("the relay's Cognigy connections close", () => env.cognigy.openConnections === 0);
  await until("the relay's CXone connections close", () => env.sandbox.openConnections === before);
});
