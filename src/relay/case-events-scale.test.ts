import { conversation, openCase, openedOverTime, useRelayEnv } from "../../test/support/relay";
import { type CxoneSandbox, type SandboxOptions, startCxoneSandbox } from "../../testbed/sandbox/cxone-sandbox";
import { MemoryStore } from "./store";

/**
 * The newest-updated read and its reconciliation keep every event exactly once where a poll that reads less than the
 * whole open list could slip: equal timestamps at the watermark, a restart, two relays, and assignments that do not
 * move a case up the list. Small pages make "deep in the list" a few cases deep.
 */

const env = useRelayEnv();
let sandbox: CxoneSandbox;

afterEach(async () => {
  await sandbox?.stop();
});

async function openHandovers(options: SandboxOptions, count: number): Promise<string[]> {
  sandbox = await startCxoneSandbox(options);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await openCase(sandbox, conversation(`scale${i}`), true));
  openedOverTime(sandbox, ids);
  return ids;
}

const relayOn = (store = new MemoryStore()) => env.relay({ cxone: sandbox.connection() }, { store });

/** "event:contactId[:agent]" for every inject Cognigy accepted, in order. */
function injected(): string[] {
  return env.cognigy.delivered({ route: "inject" }).map((c) => {
    const cx = c.body.data?.cxone as { event: string; contactId: string; agent?: { id: string } };
    return [cx.event, cx.contactId, cx.event === "agentJoined" ? cx.agent?.id : undefined].filter(Boolean).join(":");
  });
}

function expectEachOnce(expected: string[]) {
  expect([...injected()].sort()).toEqual([...expected].sort());
}

test("a watermark between two cases changed in the same millisecond: the second is still read, once", async () => {
  const cases = await openHandovers({ pageSize: 1 }, 30);
  const relay = await relayOn();
  for (let i = 0; i < 3; i++) await relay.pollOnce();
  const [a, b] = [cases[10], cases[20]];
  sandbox.closeCase(a);
  await relay.pollOnce();
  expectEachOnce([`ended:${a}`]);
  // b closes in the very millisecond of a, after the poll read a; CXone lists a first (equal sort keys).
  sandbox.closeCase(b);
  const [ca, cb] = [sandbox.cases.get(a)!, sandbox.cases.get(b)!];
  cb.statusUpdatedAt = ca.statusUpdatedAt;
  cb.updatedAt = ca.updatedAt;
  // A read that stopped at a (nothing to do, not newer than the watermark) would leave b to the reconciliation.
  await relay.pollOnce();
  expectEachOnce([`ended:${a}`, `ended:${b}`]);
  for (let i = 0; i < 3; i++) await relay.pollOnce();
  expectEachOnce([`ended:${a}`, `ended:${b}`]);
});

test("a restart between polls: watermark and reconciliation carry on from the store, nothing twice", async () => {
  const cases = await openHandovers({ pageSize: 5 }, 30);
  const store = new MemoryStore();
  const first = await relayOn(store);
  await first.pollOnce();
  for (const id of cases.slice(0, 6)) sandbox.assignAgent(id, "1001");
  sandbox.closeCase(cases[7]);
  await first.pollOnce();
  await first.close();
  for (const id of cases.slice(3, 6)) sandbox.closeCase(id);
  sandbox.assignAgent(cases[20], "1002");
  const second = await relayOn(store);
  for (let i = 0; i < 10; i++) await second.pollOnce();
  expectEachOnce([
    ...cases.slice(0, 6).map((id) => `agentJoined:${id}:1001`),
    `ended:${cases[7]}`,
    ...cases.slice(3, 6).map((id) => `ended:${id}`),
    `agentJoined:${cases[20]}:1002`,
  ]);
});

test("two relays sharing one store, polling at once: every event exactly once", async () => {
  const cases = await openHandovers({ pageSize: 5 }, 30);
  const store = new MemoryStore();
  const [a, b] = [await relayOn(store), await relayOn(store)];
  const expected: string[] = [];
  for (let round = 0; round < 6; round++) {
    const assign = cases[round * 4];
    const close = cases[round * 4 + 1];
    sandbox.assignAgent(assign, "1001");
    sandbox.closeCase(close);
    expected.push(`agentJoined:${assign}:1001`, `ended:${close}`);
    await Promise.all([a.pollOnce(), b.pollOnce()]);
    // The lock holder alternates when one stops polling for a while.
    await (round % 2 ? a : b).pollOnce();
  }
  for (let i = 0; i < 4; i++) await Promise.all([a.pollOnce(), b.pollOnce()]);
  expectEachOnce(expected);
});

test("assignment does not touch updatedAt: agents found by the reconciliation, once; every case still resolves", async () => {
  const cases = await openHandovers({ pageSize: 5, behaviour: { assignment: "keeps-updatedAt" } }, 30);
  const relay = await relayOn();
  for (let i = 0; i < 8; i++) await relay.pollOnce();
  // Old cases deep in the list: an assignment that does not move them up is invisible to the newest-updated read.
  const assigned = [cases[2], cases[9], cases[16]];
  for (const id of assigned) sandbox.assignAgent(id, "1001");
  await relay.pollOnce();
  expect(injected().filter((e) => e.startsWith("agentJoined"))).toHaveLength(0);
  // One reconciliation page per poll: 30 open cases are 6 pages, so 8 polls finish a cycle.
  for (let i = 0; i < 8; i++) await relay.pollOnce();
  expectEachOnce(assigned.map((id) => `agentJoined:${id}:1001`));
  for (const id of cases) sandbox.closeCase(id);
  for (let i = 0; i < 10; i++) await relay.pollOnce();
  expectEachOnce([...assigned.map((id) => `agentJoined:${id}:1001`), ...cases.map((id) => `ended:${id}`)]);
});

test("a pass confirms what it did not see: one search for the skipped open cases, a get-contact only per close", async () => {
  const cases = await openHandovers({ pageSize: 5 }, 30);
  const relay = await relayOn();
  // Six pages end the first pass; the 7th poll starts the second one with its first page (cases 0-4).
  for (let i = 0; i < 7; i++) await relay.pollOnce();
  sandbox.resetRequests();
  // Two closes the newest-updated read sees; the open list shifts by two under the pass, so two cases on its next
  // page slip to offsets it already read.
  sandbox.closeCase(cases[1]);
  sandbox.closeCase(cases[2]);
  // Two closes it cannot see: their updatedAt does not move (a reading the contract does not rule out).
  for (const id of [cases[20], cases[21]]) {
    Object.assign(sandbox.cases.get(id)!, { status: "closed", statusUpdatedAt: new Date().toISOString() });
  }
  for (let i = 0; i < 10; i++) await relay.pollOnce();
  expectEachOnce([1, 2, 20, 21].map((n) => `ended:${cases[n]}`));
  const caseGets = sandbox.requestCount({ method: "GET", path: /^\/dfo\/3\.0\/contacts\/[^/]+$/ });
  expect(caseGets).toBe(2);
});
