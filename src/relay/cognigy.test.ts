import { startFakeCognigy } from "../../test/support/fake-cognigy";
import type { CognigyEndpoint } from "../../testbed/emulator/cognigy-endpoint";
import type { RelayEvent } from "../handover/events";
import { CognigyClient } from "./cognigy";

/** Every event leaves the relay through CognigyClient.send, which checks it against the one event schema. */

const ref = { userId: "u-1", sessionId: "s-1", urlToken: "tok1", handoverId: "h-1", displayAgentDetails: false };
let cognigy: CognigyEndpoint;
let client: CognigyClient;

beforeAll(async () => {
  cognigy = await startFakeCognigy();
  client = new CognigyClient(cognigy.url, 1000);
});
afterAll(async () => {
  client.close();
  await cognigy.stop();
});
beforeEach(() => cognigy.reset());

test("a well-formed event goes out as data.cxone", async () => {
  const event: RelayEvent = { event: "agentJoined", contactId: "5001", agent: { id: "1001", name: "Anna" } };
  expect(await client.send("inject", ref, "", event)).toMatchObject({ ok: true });
  expect(cognigy.calls.map(({ route, urlToken, body }) => ({ route, urlToken, body }))).toEqual([
    { route: "inject", urlToken: "tok1", body: { userId: "u-1", sessionId: "s-1", text: "", data: { cxone: event } } },
  ]);
});

test.each([
  ["an agent without a name", { event: "agentJoined", contactId: "5001", agent: { id: "1001", name: "" } }],
  ["an empty case id", { event: "requeued", contactId: "" }],
  ["a queue position of 0", { event: "queueUpdate", contactId: "5001", position: 0 }],
  ["an ended event without its reason", { event: "ended", contactId: "5001" }],
])("a malformed event (%s) is a programmer error: rejected, nothing sent to Cognigy", async (_, event) => {
  const sent = client.send("notify", ref, "text", event as RelayEvent);
  await expect(sent).rejects.toThrow(/the relay built a malformed \w+ event \(\w+/);
  expect(cognigy.calls).toEqual([]);
});
