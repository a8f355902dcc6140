// The relay, the BYOC middleware between CXone and Cognigy: this process entry starts it from the environment.
import pino from "pino";
import { SettingError } from "../setting-error";
import { errorCode, errorMessage } from "./caught";
import { configFromEnv } from "./env";
import { type Relay, startRelay } from "./server";

/**
 * `npm run relay` / the Docker image: configuration from the environment (README, section Relay), refuses to start with one
 * line naming the variable on a bad value, stops gracefully on SIGTERM/SIGINT (in-flight deliveries finish).
 */
async function main(): Promise<void> {
  // Listening before the relay is up: a signal during start-up (the "listening" line is already out) stops it once up.
  let signalled: string | undefined;
  let stop = (signal: string) => {
    signalled ??= signal;
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  let relay: Relay;
  try {
    // Synchronous writes to stdout: pino's default buffered stdout flushes again on exit, and when whatever read
    // stdout is gone (EPIPE) that flush retries forever, so SIGTERM never ended the process. A synchronous write
    // fails at once instead, and pino then stops logging.
    const logStream = pino.destination({ dest: 1, sync: true });
    relay = await startRelay(configFromEnv(process.env), { defaultMetrics: true, logStream });
  } catch (err) {
    if (err instanceof SettingError) {
      process.stderr.write(`relay: not started: ${err.message}\n`);
    } else {
      const code = errorCode(err);
      process.stderr.write(`relay: not started: ${errorMessage(err) ?? String(err)}${code ? ` (${code})` : ""}\n`);
    }
    process.exit(1);
  }

  let stopping = false;
  stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    relay.log.info({ signal }, "stopping: finishing in-flight requests");
    // Orchestrators give ~30 s between SIGTERM and SIGKILL; leave before that with whatever is done.
    const force = setTimeout(() => {
      relay.log.error("graceful stop took too long; exiting");
      process.exit(1);
    }, 25_000);
    force.unref();
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  if (signalled) stop(signalled);
}

void main();
