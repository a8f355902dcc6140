// Start-up: builds one relay's parts, listens, and stops it gracefully (the app itself is in app.ts).

import type { Logger } from "pino";
import { buildApp } from "./app";
import { BOX } from "./box-path";
import type { CaseEvents, PollReport } from "./case-events";
import type { ChannelFormat } from "./channel-format";
import {
  CASE_EVENT_SWITCHES,
  describeConfig,
  parseRelayConfig,
  type RelayConfig,
  type RelayConfigInput,
} from "./config";
import { type RelayOptions, relayDeps } from "./deps";
import type { RelayMetrics } from "./metrics";
import type { Store } from "./store";

export { BOX } from "./box-path";
export type { RelayOptions } from "./deps";

export interface Relay {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /** What the CXone admin enters as Integration Box URL: `{url}/integration/box`. */
  boxUrl: string;
  /** Where /health and /metrics answer: `url`, or the RELAY_METRICS_PORT listener. */
  metricsUrl: string;
  config: RelayConfig;
  store: Store;
  metrics: RelayMetrics;
  log: Logger;
  caseEvents?: CaseEvents;
  /** The CXone channel's contentFormat (html/plain), read in the background when CXone is configured. */
  channelFormat?: ChannelFormat;
  /** One case poll now (no-op report when case events are off). */
  pollOnce(): Promise<PollReport>;
  /** Graceful stop: no new requests, in-flight deliveries and the running poll finish, the poll lock is released. */
  close(): Promise<void>;
}

/** Starts a relay (in-process API for tests, the demo and main.ts). Port 0 picks a free port. */
export async function startRelay(input: RelayConfigInput | RelayConfig, options: RelayOptions = {}): Promise<Relay> {
  const config = parseRelayConfig(input);
  const { deps } = await relayDeps(config, options);
  const { log, store, metrics, caseEvents, channelFormat, ops } = deps;
  const app = buildApp(deps);
  let address: string;
  let opsAddress: string | undefined;
  try {
    address = await app.listen({ host: config.host, port: config.port });
    opsAddress = await ops?.listen({ host: config.host, port: config.metricsPort });
  } catch (err) {
    await app.close();
    throw err;
  }
  const loopback = (a: string) => a.replace(/\/\/(0\.0\.0\.0|\[::\]|localhost)(?=:)/, "//127.0.0.1");
  const url = loopback(address);
  const metricsUrl = opsAddress ? loopback(opsAddress) : url;
  log.info({ url, ...describeConfig(config) }, "relay listening");
  if (config.legacyThreadsUntil > Date.now()) {
    const until = new Date(config.legacyThreadsUntil).toISOString();
    log.warn({ until }, "unsigned thread ids of handovers opened before the upgrade are routed until this date");
  }
  if (!caseEvents) {
    const names = CASE_EVENT_SWITCHES.map((f) => f.env);
    log.info(
      `case events off: set ${names.slice(0, -1).join(", ")} and ${names.at(-1)} to detect agent joined / case closed`,
    );
  } else if (options.autoPoll !== false) caseEvents.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    boxUrl: url + BOX,
    metricsUrl,
    config,
    store,
    metrics,
    log,
    caseEvents,
    channelFormat,
    pollOnce: () => caseEvents?.pollOnce() ?? Promise.resolve({ skipped: true, open: 0, events: [] }),
    close() {
      closing ??= (async () => {
        // In-flight requests finish first, then the app's onClose stops the poller and closes the relay's parts.
        await app.close();
        log.info("relay stopped");
      })();
      return closing;
    },
  };
}
