import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { cxoneConnection } from "../../connections/cxoneConnection";

/**
 * A loopback stand-in for the part of Cognigy's management API that `setup --cognigy-api-key` uses, exactly as
 * @cognigy/rest-api-client 0.19.0 calls it: `x-api-key` auth, `GET /new/v2.0/extensions|connections?limit&projectId`,
 * multipart `POST /new/v2.0/extensions/upload|update` answered with a task, `GET /new/v2.0/tasks/{id}`,
 * `POST /new/v2.0/connections`, `PATCH /new/v2.0/connections/{id}`. Anything else is refused, including a connection
 * field the extension's `nice-cxone` schema does not declare.
 */

export interface ManagementRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  apiKey?: string;
  /** JSON body, or the multipart field names (and the file part's name and size). */
  body?: unknown;
}

interface Extension {
  _id: string;
  name: string;
  version: string;
  uploads: number;
}
interface Connection {
  _id: string;
  name: string;
  type: string;
  extension: string;
  fields: Record<string, string>;
  projectId: string;
}

const PAGINATION = ["limit", "skip", "next", "previous", "filter", "sort", "query", "projectId"];
const CONNECTION_FIELDS = new Set(cxoneConnection.fields.map((f) => f.fieldName));

export class CognigyManagementEmulator {
  readonly requests: ManagementRequest[] = [];
  readonly extensions: Extension[] = [];
  readonly connections: Connection[] = [];
  url = "";
  private readonly app: FastifyInstance;
  private readonly tasks = new Map<string, { polls: number; status: string }>();

  constructor(
    readonly apiKey: string,
    readonly projectId: string,
    /** What the uploaded tarball's package.json names (the emulator does not unpack it). */
    private readonly extensionName = "nice-cxone-handover",
  ) {
    this.app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 });
    // Multipart bodies are parsed with the platform's own FormData (undici), not a hand-written parser.
    this.app.addContentTypeParser(/^multipart\/form-data/, { parseAs: "buffer" }, (req, body, done) => {
      new Response(body as Buffer, { headers: { "content-type": String(req.headers["content-type"]) } })
        .formData()
        .then((form) => done(null, form), done);
    });
    this.routes();
  }

  async start(): Promise<this> {
    const address = await this.app.listen({ host: "127.0.0.1", port: 0 });
    this.url = address.replace("localhost", "127.0.0.1");
    return this;
  }

  stop(): Promise<void> {
    return this.app.close();
  }

  private routes() {
    const app = this.app;
    app.addHook("onRequest", async (req, reply) => {
      const [path] = req.url.split("?");
      const apiKey = req.headers["x-api-key"] as string | undefined;
      this.requests.push({ method: req.method, path, query: { ...(req.query as Record<string, string>) }, apiKey });
      if (apiKey !== this.apiKey) return reply.code(401).send({ status: 401, title: "Unauthorized" });
    });
    app.addHook("preHandler", async (req) => {
      const last = this.requests[this.requests.length - 1];
      last.body = req.body instanceof FormData ? describeForm(req.body) : req.body;
    });

    app.get("/new/v2.0/extensions", async (req, reply) => {
      const bad = this.badQuery(req);
      if (bad) return badRequest(reply, bad);
      return page(this.extensions.map(({ uploads: _, ...e }) => ({ ...e, label: e.name, trustedCode: false })));
    });

    app.post("/new/v2.0/extensions/upload", async (req, reply) => {
      const form = req.body;
      if (!(form instanceof FormData)) return badRequest(reply, "expected multipart/form-data");
      const bad = unknownFields(form, ["projectId", "file", "fileName", "name", "url"]);
      if (bad) return badRequest(reply, bad);
      if (form.get("projectId") !== this.projectId) return badRequest(reply, "unknown projectId");
      const file = form.get("file");
      if (!(file instanceof Blob) || !isGzip(await file.arrayBuffer()))
        return badRequest(reply, "file must be a .tar.gz");
      if (this.extensions.some((e) => e.name === this.extensionName)) {
        return reply.code(409).send({ status: 409, title: "Conflict", detail: "extension exists: use update" });
      }
      this.extensions.push({ _id: mongoId(), name: this.extensionName, version: "1", uploads: 1 });
      return this.task("uploadExtension");
    });

    app.post("/new/v2.0/extensions/update", async (req, reply) => {
      const form = req.body;
      if (!(form instanceof FormData)) return badRequest(reply, "expected multipart/form-data");
      const bad = unknownFields(form, ["extension", "projectId", "file", "fileName", "url"]);
      if (bad) return badRequest(reply, bad);
      const extension = this.extensions.find((e) => e._id === form.get("extension"));
      if (!extension) return reply.code(404).send({ status: 404, title: "Not Found" });
      const file = form.get("file");
      if (!(file instanceof Blob) || !isGzip(await file.arrayBuffer()))
        return badRequest(reply, "file must be a .tar.gz");
      extension.uploads += 1;
      extension.version = String(extension.uploads);
      return this.task("updateExtension");
    });

    app.get("/new/v2.0/tasks/:taskId", async (req, reply) => {
      const task = this.tasks.get((req.params as { taskId: string }).taskId);
      if (!task) return reply.code(404).send({ status: 404, title: "Not Found" });
      // Queued on the first read, done on the next: the client has to poll.
      task.polls += 1;
      task.status = task.polls >= 2 ? "done" : "active";
      return { _id: (req.params as { taskId: string }).taskId, status: task.status, type: "extension" };
    });

    app.get("/new/v2.0/connections", async (req, reply) => {
      const bad = this.badQuery(req);
      if (bad) return badRequest(reply, bad);
      return page(this.connections.map(({ fields: _, projectId: __, ...c }) => c));
    });

    app.post("/new/v2.0/connections", async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const allowed = ["projectId", "type", "extension", "name", "fields", "referenceId", "isDeprecated"];
      const bad = Object.keys(body).find((k) => !allowed.includes(k));
      if (bad) return badRequest(reply, `unknown property ${bad}`);
      if (body.projectId !== this.projectId) return badRequest(reply, "unknown projectId");
      if (!this.extensions.some((e) => e.name === body.extension)) return badRequest(reply, "unknown extension");
      if (body.type !== cxoneConnection.type) return badRequest(reply, "unknown connection type");
      const fieldError = checkFields(body.fields);
      if (fieldError) return badRequest(reply, fieldError);
      const connection: Connection = {
        _id: mongoId(),
        name: String(body.name ?? ""),
        type: body.type,
        extension: String(body.extension),
        fields: body.fields as Record<string, string>,
        projectId: this.projectId,
      };
      this.connections.push(connection);
      return { ...connection, referenceId: connection._id, isDeprecated: false };
    });

    app.patch("/new/v2.0/connections/:connectionId", async (req, reply) => {
      const connection = this.connections.find((c) => c._id === (req.params as { connectionId: string }).connectionId);
      if (!connection) return reply.code(404).send({ status: 404, title: "Not Found" });
      const body = (req.body ?? {}) as Record<string, unknown>;
      const bad = Object.keys(body).find((k) => k !== "fields");
      if (bad) return badRequest(reply, `unknown property ${bad}`);
      const fieldError = checkFields(body.fields);
      if (fieldError) return badRequest(reply, fieldError);
      connection.fields = body.fields as Record<string, string>;
      return reply.code(204).send();
    });
  }

  private badQuery(req: FastifyRequest): string | undefined {
    const query = req.query as Record<string, string>;
    const bad = Object.keys(query).find((k) => !PAGINATION.includes(k));
    if (bad) return `unknown query ${bad}`;
    if (query.projectId !== this.projectId) return "unknown projectId";
    return undefined;
  }

  private task(type: string) {
    const id = mongoId();
    this.tasks.set(id, { polls: 0, status: "queued" });
    const now = Date.now();
    return { _id: id, status: "queued", type, parameters: {}, lastChangedAt: now, createdAt: now };
  }
}

function checkFields(fields: unknown): string | undefined {
  if (!fields || typeof fields !== "object") return "fields must be an object";
  const bad = Object.keys(fields).find((k) => !CONNECTION_FIELDS.has(k));
  if (bad) return `field ${bad} is not in the nice-cxone connection schema`;
  const notString = Object.entries(fields).find(([, v]) => typeof v !== "string");
  return notString ? `field ${notString[0]} must be a string` : undefined;
}

function unknownFields(form: FormData, allowed: string[]): string | undefined {
  const bad = [...form.keys()].find((k) => !allowed.includes(k));
  return bad ? `unknown form field ${bad}` : undefined;
}

function describeForm(form: FormData) {
  return [...form.entries()].map(([k, v]) =>
    v instanceof Blob ? { field: k, fileName: (v as File).name, bytes: v.size } : { field: k, value: v },
  );
}

const isGzip = (buf: ArrayBuffer) => {
  const b = new Uint8Array(buf);
  return b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
};
const mongoId = () => randomBytes(12).toString("hex");
const page = <T>(items: T[]) => ({ items, total: items.length, nextCursor: null, previousCursor: null });
const badRequest = (reply: FastifyReply, detail: string) =>
  reply.code(400).send({ status: 400, title: "Bad Request", detail });

export async function startCognigyManagement(apiKey: string, projectId: string): Promise<CognigyManagementEmulator> {
  return new CognigyManagementEmulator(apiKey, projectId).start();
}
