// The relay as a Fastify app: parsers, request logging, the error plugin, rate limits, bearer check and routes.
import { randomUUID } from "node:crypto";
import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import Fastify, { LogController } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import { bearerRequired } from "./bearer";
import type { RelayDeps } from "./deps";
import { errorBody, errors } from "./errors";
import { quoteBigIntegers } from "./json";
import { bearerRoutes, opsRoutes, tokenRoute } from "./routes";

declare module "fastify" {
  interface FastifyRequest {
    /** What an agent-message request did, logged in its one request line (no text, no ids that name the user). */
    outcome: { level: "info" | "warn"; fields: Record<string, unknown> } | null;
  }
}

/** The relay's app, not listening yet: start-up (server.ts) listens; tests may `app.inject` instead. */
export function buildApp(deps: RelayDeps) {
  const { config, log, metrics } = deps;
  const app = Fastify({
    loggerInstance: log,
    // Our own onResponse line logs the route pattern, never the path (it holds the thread id).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Thread ids carry the Cognigy conversation (see src/handover/thread.ts) and are longer than Fastify's 100.
    routerOptions: { maxParamLength: 4096 },
    trustProxy: config.trustProxy,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // Fastify's own handler logs the raw bytes of a malformed request at trace (secrets, bearers, text) where
    // redaction cannot reach them: log the parser's code only.
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      log.debug({ code: err.code }, "malformed request refused");
      if (err.code === "ECONNRESET" || !socket.writable) return socket.destroy();
      const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify(errorBody("invalid_request", "malformed HTTP request"));
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });

  // CXone sends JSON; only the token route also takes a form (registered in its own scope). Anything else is a
  // 415, not a string to validate.
  app.removeContentTypeParser("text/plain");
  // Fastify's JSON parser (prototype-poisoning checks included), after quoting integers JSON.parse would round.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) =>
    parseJson(req, quoteBigIntegers(String(body)), done),
  );

  // Callback-style hooks: an async hook costs a promise and microtask turns on every request.
  app.decorateRequest("outcome", null);
  app.addHook("onSend", (req, reply, payload, done) => {
    reply.header("x-request-id", req.id);
    // A response finished while stopping closes its keep-alive socket, so the stop does not wait for the client.
    if (deps.state.closing) reply.header("connection", "close");
    done(null, payload);
  });

  app.addHook("onResponse", (req, reply, done) => {
    const route = req.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.httpDuration.observe({ method: req.method, route, status_code: String(status) }, reply.elapsedTime / 1000);
    // One line per request. Route patterns only: a path holds the thread id, which names the conversation and its
    // endpoint token. An agent message adds its outcome here rather than in a second line.
    const fields = { method: req.method, route, status, ms: Math.round(reply.elapsedTime) };
    const outcome = req.outcome;
    if (outcome) req.log[outcome.level]({ ...fields, ...outcome.fields }, "request");
    else req.log[route === "/health" || route === "/metrics" ? "debug" : "info"](fields, "request");
    done();
  });

  // Routes declare their params and bodies as zod schemas (fastify-type-provider-zod); a refusal is answered by the
  // error plugin. No response schemas: the handlers' answers are ours, and checking them would cost every request.
  app.setValidatorCompiler(validatorCompiler);
  app.register(errors);

  app.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      // x-ratelimit-* on 429s only: on every 200 they were three header validations and ~70 bytes per agent
      // message that CXone never reads. The limit itself and a 429's headers and retry-after are unchanged.
      addHeadersOnExceeding: {
        "x-ratelimit-limit": false,
        "x-ratelimit-remaining": false,
        "x-ratelimit-reset": false,
      },
      // A request whose socket is already gone (e.g. after a malformed chunked body) has no address: it is counted
      // with the others that have none instead of throwing in the plugin (a 500).
      keyGenerator: (req) => req.ip ?? req.socket?.remoteAddress ?? "unknown",
      // Thrown, and answered by the error plugin (errors.ts), which reads only the status: one 429 body for all.
      errorResponseBuilder: () => ({ statusCode: 429 }),
    });
    scope.register(async (tokenScope) => {
      // OAuth clients may post the token request form-encoded; no other route accepts a form.
      tokenScope.register(formbody, { bodyLimit: config.bodyLimitBytes });
      // No per-address limit here: failed attempts are limited per client id and overall (FailedLogins).
      tokenScope.register(tokenRoute(deps));
    });

    // Everything CXone calls besides the token route needs a valid bearer; checked before the body is read.
    scope.register(async (box) => {
      box.addHook("onRequest", bearerRequired(deps));
      for (const route of bearerRoutes) box.register(route(deps));
    });
  });

  for (const route of opsRoutes) {
    if (deps.ops) deps.ops.register(route(deps));
    else app.register(route(deps));
  }

  // app.close() stops the whole relay: responses from then on close their sockets; once in-flight requests are done,
  // the parts it was built from are closed too (deps.close), so tests that `app.inject` need no cleanup of their own.
  app.addHook("preClose", async () => {
    deps.state.closing = true;
  });
  app.addHook("onClose", () => deps.close());
  return app;
}
