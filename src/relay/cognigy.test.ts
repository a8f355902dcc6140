import http from "node:http";
import type { AddressInfo } from "node:net";
import type { RelayEvent } from "../handover/events";
import { CognigyClient } from "./cognigy";

/** Every event leaves the relay through CognigyClient.send, which checks it against the one event schema. */

const ref = { userId: "u-1", sessionId: "s-1", urlToken: "tok1", handoverId: "h-1", displayAgentDetails: false };
const bodies: unknown[] = [];
let server: http.Server;
let url = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  bodies.length = 0;
});

test("a well-formed event goes out as data.cxone", async () => {
  const event: RelayEvent = { event: "agentJoined", contactId: "5001", agent: { id: "1001", name: "Anna" } };
  expect(await new CognigyClient(url, 1000).send("inject", ref, "", event)).toMatchObject({ ok: true });
  expect(bodies).toEqual([{ userId: "u-1", sessionId: "s-1", text: "", data: { cxone: event } }]);
});

test.each([
  ["an agent without a name", { event: "agentJoined", contactId: "5001", agent: { id: "1001", name: "" } }],
  ["an empty case id", { event: "requeued", contactId: "" }],
  ["a queue position of 0", { event: "queueUpdate", contactId: "5001", position: 0 }],
  ["an ended event without its reason", { event: "ended", contactId: "5001" }],
])("a malformed event (%s) is a programmer error: rejected, nothing sent to Cognigy", async (_, event) => {
  const sent = new CognigyClient(url, 1000).send("notify", ref, "text", event as RelayEvent);
  await expect(sent).rejects.toThrow(/the relay built a malformed \w+ event \(\w+/);
  expect(bodies).toEqual([]);
});
