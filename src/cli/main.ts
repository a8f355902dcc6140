// The admin CLI (`npm run cli -- setup|doctor`): sets up CXone and Cognigy for the relay and checks both.
import { Command, CommanderError } from "commander";
import { SettingError } from "../setting-error";
import { runDoctor } from "./doctor";
import { loadEnv, secretValues } from "./env";
import { type CliIO, Output } from "./output";
import { noPrompts, terminalPrompts } from "./prompts";
import { runSetup } from "./setup";

/**
 * The admin CLI (`npm run cli -- <command>`, the `cxone-handover` bin, `docker run … cxone-relay doctor`): `setup`
 * and `doctor`. Exit codes: 0 done / all required checks pass, 1 a step or check failed, 2 bad or missing input.
 */

const DEFAULT_ENV_FILE = ".env.relay";

interface SetupFlags {
  integrationId?: string;
  channelName: string;
  relayUrl?: string;
  cognigyEndpointUrl?: string;
  skillId?: string;
  out?: string;
  cognigyApiKey?: string;
  cognigyApiUrl?: string;
  cognigyProjectId?: string;
  extensionFile: string;
  connectionName: string;
}

interface GlobalOptions {
  config?: string;
  json?: boolean;
  showSecrets?: boolean;
  input: boolean;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("cxone-handover")
    .description("Set up and check the Cognigy ↔ NiCE CXone handover (BYOC channel, relay, Cognigy connection).")
    .version(packageVersion(), "-V, --version")
    // Never `--env-file`: Node 20 takes that flag for itself.
    .option(
      "-c, --config <file>",
      `env file with the CXONE_* / RELAY_* variables (setup writes ${DEFAULT_ENV_FILE} when omitted)`,
    )
    .option("--json", "one JSON document on stdout, for scripts and monitoring (never carries a secret)")
    .option("--show-secrets", "print client secrets in the paste-ready values (never into --json)")
    .option("--no-input", "never ask: fail with the variable to set instead")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  let current: Output | undefined;
  const context = () => {
    const g = program.opts<GlobalOptions>();
    const out = new Output(io, { json: !!g.json });
    current = out;
    const interactive = g.input && io.stdinTTY && !g.json;
    const env = loadEnv(g.config, io.env);
    out.hide(...secretValues(env));
    const apiKeyAt = argv.indexOf("--cognigy-api-key");
    if (apiKeyAt >= 0) out.hide(argv[apiKeyAt + 1]);
    return { g, out, ask: interactive ? terminalPrompts() : noPrompts, env };
  };

  program
    .command("setup")
    .description(
      "check the CXone credentials, find or create the BYOC channel, list digital skills, write the relay env file",
    )
    .option("--integration-id <id>", "the BYOC integration's id in CXone (or CXONE_INTEGRATION_ID)")
    .option("--channel-name <name>", "name of the channel agents see", "Cognigy handover")
    .option("--relay-url <url>", "public https URL of the relay (or RELAY_PUBLIC_URL)")
    .option("--cognigy-endpoint-url <url>", "Cognigy endpoint base URL (or COGNIGY_ENDPOINT_URL)")
    .option("--skill-id <id>", "digital skill handovers route to (or CXONE_SKILL_ID)")
    .option("-o, --out <file>", "env file to write (default: the --config file, else .env.relay)")
    .option(
      "--cognigy-api-key <key>",
      "also upload the extension and create its connection in Cognigy (or COGNIGY_API_KEY; never written to the file)",
    )
    .option("--cognigy-api-url <url>", "Cognigy API base URL, e.g. https://api-trial.cognigy.ai (or COGNIGY_API_URL)")
    .option("--cognigy-project-id <id>", "Cognigy project to install into (or COGNIGY_PROJECT_ID)")
    .option("--extension-file <file>", "extension tarball built by ./build.sh", "nice-cxone-handover.tar.gz")
    .option("--connection-name <name>", "name of the Cognigy connection", "NiCE CXone")
    .action(async (o: SetupFlags) => {
      const { g, out, ask, env } = context();
      const cognigy =
        o.cognigyApiKey || env.COGNIGY_API_KEY
          ? {
              apiKey: o.cognigyApiKey,
              apiUrl: o.cognigyApiUrl,
              projectId: o.cognigyProjectId,
              extensionFile: o.extensionFile,
              connectionName: o.connectionName,
            }
          : undefined;
      const result = await runSetup(
        env,
        { ...o, out: o.out ?? g.config ?? DEFAULT_ENV_FILE, showSecrets: !!g.showSecrets, cognigy },
        out,
        ask,
      );
      out.document(result);
    });

  program
    .command("doctor")
    .description("check the whole chain: CXone credentials, channel, skill and agents, relay, Cognigy, clocks")
    .action(async () => {
      const { out, env } = context();
      const result = await runDoctor(env, out);
      out.document(result);
      exitCode = result.ok ? 0 : 1;
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    // The command's own output knows every secret it has seen (the env file's included).
    const out = current ?? new Output(io, { json: !!program.opts<GlobalOptions>().json });
    out.hide(...secretValues(io.env));
    if (err instanceof SettingError) {
      out.error(`error: ${err.message}`);
      out.document({ ok: false, error: { variable: err.variable, message: err.fix } });
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    out.error(`error: ${message}`);
    out.document({ ok: false, error: { message } });
    return 1;
  }
}

function packageVersion(): string {
  return (require("../../package.json") as { version: string }).version;
}

/** Runs the CLI on this process's arguments, streams and environment; sets the exit code. */
export function runFromProcess(): void {
  runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    stdoutTTY: !!process.stdout.isTTY,
    stdinTTY: !!process.stdin.isTTY,
  }).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runFromProcess();
