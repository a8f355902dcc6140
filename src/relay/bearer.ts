// The bearer check on every CXone-facing route but the token route: a token this relay issued, or a 401.
import type { onRequestAsyncHookHandler } from "fastify";
import type { RelayDeps } from "./deps";

export function bearerRequired({ tokens, metrics }: RelayDeps): onRequestAsyncHookHandler {
  return async (req, reply) => {
    const check = tokens.verify(req.headers.authorization);
    if (check.ok) return;
    metrics.authFailures.inc({ reason: check.reason });
    req.log.info({ reason: check.reason }, "bearer refused");
    return reply
      .header("www-authenticate", `Bearer error="invalid_token"`)
      .refuse(401, "invalid_token", "a valid bearer token from /integration/box/1.0/token is required");
  };
}
