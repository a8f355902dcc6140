// The one error plugin: every refusal the relay answers has its body shaped here.
import type { FastifyError, FastifyReply } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route refuses a body its schema rejects in OAuth's words (the token route), not as `{ error, reason }`. */
    oauthRefusals?: boolean;
  }
  interface FastifyReply {
    /** Answers `{ error, reason }` with this status (and `retry-after` when CXone should come back later). */
    refuse(status: number, error: string, reason: string, retryAfterSeconds?: number): FastifyReply;
    /** The token route's refusal, in OAuth's words (RFC 6749 §5.2): `{ error, error_description }`. */
    refuseOAuth(status: number, error: string, description: string, retryAfterSeconds?: number): FastifyReply;
  }
}

/** The body of every non-OAuth refusal, also written raw for requests Fastify cannot parse at all. */
export function errorBody(error: string, reason: string): { error: string; reason: string } {
  return { error, reason };
}

/**
 * A route schema's refusal (zod, through fastify-type-provider-zod) named by its first issue: `thread.id: Too big…`,
 * or `body: …` when the body itself is wrong. The issue's message only, never the value it refused.
 */
function validationReason({ validation, validationContext }: FastifyError): string {
  const issue = validation?.[0];
  const path = issue?.instancePath.split("/").filter(Boolean).join(".");
  return `${path || validationContext || "body"}: ${issue?.message ?? "invalid"}`;
}

function withRetryAfter(reply: FastifyReply, status: number, retryAfterSeconds?: number): FastifyReply {
  reply.code(status);
  if (retryAfterSeconds !== undefined) reply.header("retry-after", String(retryAfterSeconds));
  return reply;
}

/** Thrown and framework errors (body too large, bad JSON, rate limit, bugs) become the same `{ error, reason }`. */
export const errors = fp(async (app) => {
  app.decorateReply("refuse", function (this: FastifyReply, status, error, reason, retryAfterSeconds) {
    return withRetryAfter(this, status, retryAfterSeconds).send(errorBody(error, reason));
  });
  app.decorateReply("refuseOAuth", function (this: FastifyReply, status, error, description, retryAfterSeconds) {
    return withRetryAfter(this, status, retryAfterSeconds).send({ error, error_description: description });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) {
      req.log.info({ code: err.code, status: 400 }, "request refused");
      const reason = validationReason(err);
      if (req.routeOptions.config.oauthRefusals) return reply.refuseOAuth(400, "invalid_request", reason);
      return reply.refuse(400, "invalid_request", reason);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err: { name: err.name, code: err.code } }, "request failed");
    else req.log.info({ code: err.code, status }, "request refused");
    // Never the parser's own message: JSON.parse quotes the body it failed on.
    return reply.refuse(status, errorName(status), reasonFor(status, err));
  });
});

function errorName(status: number): string {
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  if (status === 429) return "rate_limited";
  return status < 500 ? "invalid_request" : "server_error";
}

function reasonFor(status: number, err: Error & { code?: string }): string {
  if (status === 413) return "request body too large";
  if (status === 415) return "send application/json (or form-encoded to the token route)";
  if (status === 429) return "too many requests";
  if (status >= 500) return "internal error";
  if (err instanceof SyntaxError || err.code === "FST_ERR_CTP_INVALID_JSON_BODY") return "body is not valid JSON";
  if (err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return "body is empty";
  return err.code ? `request refused (${err.code})` : "request refused";
}
