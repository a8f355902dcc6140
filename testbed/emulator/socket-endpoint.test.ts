import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SocketClient } from "@cognigy/socket-client";
import { until } from "../../test/support/until";
import { CognigyEndpoint } from "./cognigy-endpoint";
import { FlowRunner } from "./flow";
import type { Session } from "./runtime";
import { SocketEndpoint } from "./socket-endpoint";

/**
 * The emulator's socket endpoint against Cognigy's own client, @cognigy/socket-client 4.9.2 (socket.io-client 2,
 * Engine.IO 3), over both transports it uses: what a Webchat sends reaches the flow, and the flow's outputs and the
 * relay's Notifies come back on the socket.
 */

const TOKEN = "4e5e0c2f9a1b4c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c17";

interface Output {
  text?: string;
  data?: Record<string, unknown>;
  source?: string;
}

describe("the emulator's socket endpoint with @cognigy/socket-client", () => {
  let endpoint: CognigyEndpoint;
  let server: Server;
  let socket: SocketEndpoint;
  let url: string;
  const inputs: Session["input"][] = [];
  const clients: SocketClient[] = [];

  beforeAll(async () => {
    // socket-client logs its transport choices on the console.
    jest.spyOn(console, "log").mockImplementation(() => undefined);
    const runner = new FlowRunner({ nodes: [] }, [
      { run: (s) => void inputs.push({ ...s.input }) },
      { say: "Got it.", data: { _cognigy: { _webchat: { message: { text: "Got it.", quick_replies: [] } } } } },
    ]);
    endpoint = await new CognigyEndpoint({ runner }).start();
    server = createServer();
    socket = new SocketEndpoint(endpoint, server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    // A polling client closes with one more request: let it land before the server goes, or on a busy machine its
    // failed request fires after the test ended.
    await until("the clients to leave", () => socket.clientCount === 0);
    await socket.close();
    await new Promise((resolve) => server.close(resolve));
    await endpoint.stop();
  });

  function client(userId: string, options: Record<string, unknown> = {}) {
    const c = new SocketClient(url, TOKEN, { userId, sessionId: `session-${userId}`, reconnection: false, ...options });
    clients.push(c);
    const outputs: Output[] = [];
    const typing: string[] = [];
    c.on("output", (o: Output) => outputs.push(o));
    c.on("typingStatus", (t: { status: string }) => typing.push(t.status));
    return { c, outputs, typing };
  }

  it.each([
    ["websocket", { forceWebsockets: true }],
    ["long polling", { disableWebsockets: true }],
  ])("over %s: the input runs the flow and its output comes back from the bot, typing around it", async (_, opts) => {
    const user = `user-${"forceWebsockets" in opts ? "ws" : "poll"}`;
    const { c, outputs, typing } = client(user, opts);
    await c.connect();
    expect(c.isEndpointReady).toBe(true);
    c.sendMessage("Yes, thanks!", { postback: true });
    await until("the bot's output", () => outputs.length === 1 && typing.length === 2);
    expect(outputs[0]).toEqual({
      text: "Got it.",
      data: { _cognigy: { _webchat: { message: { text: "Got it.", quick_replies: [] } } } },
      source: "bot",
    });
    expect(typing).toEqual(["typingOn", "typingOff"]);
    const seen = inputs.find((i) => i.userId === user);
    expect(seen).toMatchObject({ text: "Yes, thanks!", data: { postback: true }, URLToken: TOKEN });
    await until("the client's ack", () => socket.acked >= 1);
  });

  it("a Notify for the conversation reaches its socket without a source, and no one else's", async () => {
    const jane = client("jane");
    const other = client("someone-else");
    await Promise.all([jane.c.connect(), other.c.connect()]);
    const res = await fetch(`${endpoint.url}/notify/${TOKEN}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        userId: "jane",
        sessionId: "session-jane",
        text: "Hi Jane, I'm Anna.",
        data: { cxone: { event: "agentMessage", agent: { name: "Anna" } } },
      }),
    });
    expect(res.status).toBe(200);
    await until("the agent's message", () => jane.outputs.length === 1);
    expect(jane.outputs[0]).toEqual({
      text: "Hi Jane, I'm Anna.",
      data: { cxone: { event: "agentMessage", agent: { name: "Anna" } } },
    });
    expect(other.outputs).toEqual([]);
  });

  it("refuses an input that claims another conversation, and a connection without identity", async () => {
    const mallory = client("mallory");
    const errors: unknown[] = [];
    mallory.c.on("exception", (e: unknown) => errors.push(e));
    await mallory.c.connect();
    const raw = (mallory.c as unknown as { socket: { emit: (e: string, p: unknown) => void } }).socket;
    raw.emit("processInput", { URLToken: TOKEN, userId: "jane", sessionId: "session-jane", text: "hi" });
    await until("the exception", () => errors.length === 1);
    expect(errors[0]).toEqual({ message: "processInput identity differs from the connection's" });
    expect(inputs.some((i) => i.userId === "jane")).toBe(false);

    // The inner handshake leaves the identity out of the query: this emulator wants it there, as socket-client's default.
    const anonymous = client("anonymous", { enableInnerSocketHandshake: true });
    const refused: unknown[] = [];
    anonymous.c.on("exception", (e: unknown) => refused.push(e));
    void anonymous.c.connect().catch(() => undefined);
    await until("the refusal", () => refused.length === 1);
    expect(refused[0]).toEqual({ message: "connect with urlToken, userId and sessionId in the query" });
  });
});
