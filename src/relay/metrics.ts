// The relay's Prometheus metrics, one registry per relay, served on /metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** One registry per relay instance (tests run several in one process). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    agentMessages: new Counter({
      name: "relay_agent_messages_total",
      help: "Agent messages CXone sent, by outcome (delivered = Cognigy accepted it; duplicate, failed, busy, rejected)",
      labelNames: ["variant", "outcome"] as const,
      registers,
    }),
    cognigyRequests: new Counter({
      name: "relay_cognigy_requests_total",
      help: "Notify/Inject calls to Cognigy by route and outcome",
      labelNames: ["route", "outcome"] as const,
      registers,
    }),
    caseEvents: new Counter({
      name: "relay_case_events_total",
      help: "Events the case poll sends Cognigy (case events, queue updates, inactivity) by outcome (injected, failed, gave_up)",
      labelNames: ["event", "outcome"] as const,
      registers,
    }),
    polls: new Counter({
      name: "relay_polls_total",
      help: "Case polls by outcome (ok, skipped: another relay holds the lock, error)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    pollDuration: new Histogram({
      name: "relay_poll_duration_seconds",
      help: "Duration of one case poll (search, confirmations and injects)",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    trackedCases: new Gauge({
      name: "relay_tracked_cases",
      help: "Open cases of our threads the poller follows",
      registers,
    }),
    authFailures: new Counter({
      name: "relay_auth_failures_total",
      help: "Refused credentials or bearer tokens, by reason",
      labelNames: ["reason"] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: "relay_http_request_duration_seconds",
      help: "Relay HTTP request latency by route and status code",
      labelNames: ["method", "route", "status_code"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

export type RelayMetrics = ReturnType<typeof createMetrics>;
