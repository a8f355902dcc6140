import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { type ChatEntry, type CognigyEndpoint, type Conversation, keyOf } from "./cognigy-endpoint";

/**
 * A Cognigy Socket endpoint on the emulator: what `@cognigy/socket-client` (and so a Webchat) speaks. The identity
 * arrives in the connect query (`urlToken`, `userId`, `sessionId`, each URI-encoded by the client), the server answers
 * `endpoint-ready`, the client sends `processInput { URLToken, userId, sessionId, text, data }`, and every output of
 * that conversation goes back as `output { type: "output", data: { text, data, source? } }` with an ack when the client
 * asked for one (`emitWithAck`). Flow outputs carry `source: "bot"`; a Notify has no source, as on the platform.
 * Outputs of a conversation reach its sockets whether they come from the flow or from the relay's Notify/Inject, so the
 * HTTP routes of CognigyEndpoint need no change. Sources: cognigy-runtime.md, Platform facts "Socket endpoints".
 *
 * socket-client 4.9.2 uses socket.io-client 2.x (Engine.IO 3); `allowEIO3` lets this socket.io 4 server talk to it and
 * to the 5.x client alike.
 */

export interface OutputEvent {
  type: "output";
  data: { text?: string; data?: unknown; source?: "bot" };
}

export interface SocketEndpointOptions {
  /** Cross-origin pages allowed to connect (default: none; same-origin pages always can). */
  corsOrigins?: string[];
  /** Typing dots while the flow runs for a socket input (Webchat draws them from `typingStatus`). */
  typingWhileFlowRuns?: boolean;
}

const decode = (value: unknown): string => {
  if (typeof value !== "string") return "";
  try {
    return decodeURIComponent(value);
  } catch {
    return "";
  }
};

export class SocketEndpoint {
  private readonly io: Server;
  private readonly sockets = new Map<string, Set<Socket>>();
  private readonly onEntry = (entry: ChatEntry) => this.route(entry);
  /** Outputs a client acknowledged (emitWithAck), for tests. */
  acked = 0;

  constructor(
    private readonly endpoint: CognigyEndpoint,
    server: HttpServer,
    private readonly options: SocketEndpointOptions = {},
  ) {
    this.io = new Server(server, {
      allowEIO3: true,
      serveClient: false,
      cors: options.corsOrigins ? { origin: options.corsOrigins } : undefined,
    });
    this.io.on("connection", (socket) => this.connected(socket));
    endpoint.on("entry", this.onEntry);
  }

  /** Sockets connected for a conversation. */
  connections(conversation: Conversation): number {
    return this.sockets.get(keyOf(conversation))?.size ?? 0;
  }

  /** Engine.IO clients still connected (any conversation). */
  get clientCount(): number {
    return this.io.engine.clientsCount;
  }

  async close(): Promise<void> {
    this.endpoint.off("entry", this.onEntry);
    this.io.disconnectSockets(true);
    // The HTTP server belongs to the caller: close the socket.io engine only.
    this.io.engine.close();
  }

  private connected(socket: Socket) {
    const query = socket.handshake.query;
    const conversation: Conversation = {
      urlToken: decode(query.urlToken),
      userId: decode(query.userId),
      sessionId: decode(query.sessionId),
    };
    if (!conversation.urlToken || !conversation.userId || !conversation.sessionId) {
      socket.emit("exception", { message: "connect with urlToken, userId and sessionId in the query" });
      socket.disconnect(true);
      return;
    }
    const key = keyOf(conversation);
    const set = this.sockets.get(key) ?? new Set<Socket>();
    set.add(socket);
    this.sockets.set(key, set);
    socket.data.withAck = decode(query.emitWithAck) === "true";
    socket.on("disconnect", () => {
      set.delete(socket);
      if (set.size === 0) this.sockets.delete(key);
    });
    socket.on("processInput", (payload: unknown) => void this.processInput(socket, conversation, payload));
    socket.emit("endpoint-ready");
  }

  private async processInput(socket: Socket, connectedAs: Conversation, payload: unknown) {
    const input = (payload ?? {}) as {
      URLToken?: unknown;
      userId?: unknown;
      sessionId?: unknown;
      text?: unknown;
      data?: unknown;
    };
    // The platform takes the identity from the payload; one that differs from the connection's is refused, so a
    // client cannot write into someone else's conversation through its socket.
    if (
      input.URLToken !== connectedAs.urlToken ||
      input.userId !== connectedAs.userId ||
      input.sessionId !== connectedAs.sessionId
    ) {
      socket.emit("exception", { message: "processInput identity differs from the connection's" });
      return;
    }
    const text = typeof input.text === "string" ? input.text : undefined;
    const data = input.data && typeof input.data === "object" ? (input.data as Record<string, unknown>) : undefined;
    if (text === undefined && data === undefined) {
      socket.emit("exception", { message: "processInput needs text or data" });
      return;
    }
    const typing = this.options.typingWhileFlowRuns !== false;
    if (typing) this.emitTo(connectedAs, "typingStatus", { status: "typingOn" });
    try {
      await this.endpoint.userSays(connectedAs, text ?? "", data);
    } catch (err) {
      socket.emit("exception", { message: `flow failed: ${(err as Error).message}` });
    } finally {
      if (typing) this.emitTo(connectedAs, "typingStatus", { status: "typingOff" });
    }
  }

  private route(entry: ChatEntry) {
    if (entry.from === "user") return;
    const set = this.sockets.get(entry.conversation);
    if (!set) return;
    const output: OutputEvent = {
      type: "output",
      data: { text: entry.text, data: entry.data, ...(entry.from === "bot" ? { source: "bot" as const } : {}) },
    };
    for (const socket of set) {
      if (socket.data.withAck) socket.emit("output", output, () => void this.acked++);
      else socket.emit("output", output);
    }
  }

  private emitTo(conversation: Conversation, event: string, payload: unknown) {
    for (const socket of this.sockets.get(keyOf(conversation)) ?? []) socket.emit(event, payload);
  }
}
