import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { INodeFunctionBaseParams } from "@cognigy/extension-tools";
import pino from "pino";
import { cxoneConnection } from "../connections/cxoneConnection";
import {
  CXONE_INTEGRATION_ID,
  CXONE_SKILL_ID,
  connectionEnv,
  cxoneInput,
  parseCredentials,
  RELAY_PUBLIC_URL,
  secretValues,
} from "../src/cli/env";
import { CxoneApiError, type CxoneConfigError, connectionSchema, parseConnection } from "../src/cxone";
import { CASE_POLL_ENV, connectionFields, SECRET_FIELDS } from "../src/cxone/connection-fields";
import { executeNode } from "../src/node-kit";
import { REDACTED_LOG_PATHS } from "../src/relay/deps";
import { configFromEnv, ENV_NAMES } from "../src/relay/env";
import { SettingError } from "../src/setting-error";

/**
 * src/cxone/connection-fields.ts lists each connection field once; these tests hold every place that derives from it
 * to what it says: the Cognigy form, the nodes' schema, the relay's and the CLI's variables, the secret scrubbing and
 * the README.
 */

/** A distinct value per field, long enough to be scrubbed, none a substring of another. */
const VALUES: Record<string, string> = {
  authHost: "https://cxone.eu1.example.com",
  clientId: "client-id-7a1f",
  clientSecret: "client-secret-3e9d0b",
  accessKeyId: "ACCESSKEYID4c2",
  accessKeySecret: "access/key+secret==91",
  channelId: "chat_5d1e",
  threadKey: "thread-key-0123456789abcdef-0123456789",
  dfoBaseUrl: "https://api-de-eu1.example.com",
};

const RELAY_BASE = {
  RELAY_CLIENT_ID: "cxone-byoc",
  RELAY_CLIENT_SECRET: "0123456789abcdef-secret",
  COGNIGY_ENDPOINT_URL: "https://endpoint-trial.cognigy.ai",
};

/** Every field's value under its variable: what an env file setup wrote would hold. */
const allEnv = () => Object.fromEntries(connectionFields.map((f) => [f.env, VALUES[f.name]]));

test("the test covers every field", () => {
  expect(Object.keys(VALUES)).toEqual(connectionFields.map((f) => f.name));
});

describe("the Cognigy form", () => {
  test("lists the schema's keys in the list's order, with the list's label, required and description", () => {
    expect(cxoneConnection.fields.map((f) => f.fieldName)).toEqual(Object.keys(connectionSchema.shape));
    for (const [i, f] of connectionFields.entries()) {
      expect(cxoneConnection.fields[i]).toEqual({
        fieldName: f.name,
        label: f.label,
        required: f.required,
        description: f.description,
      });
    }
  });
});

describe("the nodes' schema", () => {
  test("accepts every field filled in and keeps the values", () => {
    expect(parseConnection(VALUES)).toEqual(VALUES);
  });

  test.each(connectionFields.map((f) => [f.name, f] as const))(
    "an empty %s is refused, naming it, exactly when the form requires it and every node needs it",
    (name, f) => {
      const refused = (() => {
        try {
          parseConnection({ ...VALUES, [name]: "" });
          return undefined;
        } catch (err) {
          return err as CxoneConfigError;
        }
      })();
      expect(refused?.field).toBe(f.required && !f.usedOnlyBy ? name : undefined);
    },
  );
});

describe("the env variables", () => {
  const cliOwn = [RELAY_PUBLIC_URL, CXONE_SKILL_ID, CXONE_INTEGRATION_ID];
  const relayOwn = Object.values(ENV_NAMES);
  const fieldEnv = connectionFields.map((f) => f.env);

  test("are unique, upper-case names, and none is taken for an env-file setting", () => {
    const fieldOnly = fieldEnv.filter((name) => !relayOwn.includes(name));
    // The thread key is the one field the relay reads as a setting of its own (it verifies thread ids without CXone).
    expect(fieldEnv.filter((name) => relayOwn.includes(name))).toEqual([ENV_NAMES.threadKey]);
    const all = [...relayOwn, ...fieldOnly, ...cliOwn];
    expect(new Set(all).size).toBe(all.length);
    for (const name of all) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(name).not.toMatch(/ENV_FILE|^NODE_/);
    }
  });

  test("the relay reads every case-poll field from its variable, and the thread key from RELAY_THREAD_KEY", () => {
    const config = configFromEnv({ ...RELAY_BASE, ...allEnv() });
    const { threadKey, ...casePoll } = VALUES;
    expect(config.cxone).toEqual(casePoll);
    expect(config.threadKey).toBe(threadKey);
    expect(Object.keys(CASE_POLL_ENV)).toEqual(Object.keys(casePoll));
  });

  test.each(connectionFields.filter((f) => f.relay === "case poll").map((f) => [f.env, f] as const))(
    "a bad %s stops the relay and the CLI with the variable's name",
    (env, f) => {
      // A required field left out, an optional one given a value no URL check accepts.
      const bad = { ...RELAY_BASE, ...allEnv(), [env]: f.required ? "" : "not a url" };
      const relayError = catchSetting(() => configFromEnv(bad));
      expect(relayError.variable).toBe(env);
      if (f.name === "channelId") return; // setup runs before the channel exists
      expect(catchSetting(() => parseCredentials(bad)).message).toBe(relayError.message);
    },
  );

  test("setup writes the connection back under the same variables it and the relay read", () => {
    const connection = parseConnection(VALUES);
    const written = connectionEnv(connection);
    expect(written).toEqual(allEnv());
    expect(parseConnection({ ...cxoneInput(written), threadKey: written[ENV_NAMES.threadKey] })).toEqual(connection);
    // The default auth host is not written: an empty variable means the same.
    expect(connectionEnv(parseConnection({ ...VALUES, authHost: "" }))).not.toHaveProperty("CXONE_AUTH_HOST");
  });
});

describe("secrets", () => {
  test("are the fields the list marks secret", () => {
    expect(SECRET_FIELDS).toEqual(["clientSecret", "accessKeySecret", "threadKey"]);
  });

  test("no secret field's value reaches a node's log or error output, whatever the error says", async () => {
    const logged: string[] = [];
    const input: Record<string, unknown> = {};
    const everything = Object.values(VALUES).join(" ");
    const params = {
      cognigy: {
        api: {
          log: (_level: string, text: string) => logged.push(text),
          addToInput: (key: string, value: unknown) => {
            input[key] = value;
          },
          setNextNode: () => {},
        },
        input: {},
        context: {},
        profile: {},
      },
      childConfigs: [],
      nodeId: "n1",
      config: { connection: VALUES },
    } as unknown as INodeFunctionBaseParams;
    await executeNode("probe", params, async (run) => {
      run.log("info", `connection: ${everything}`);
      expect(run.connection.clientId).toBe(VALUES.clientId);
      throw new CxoneApiError(500, `CXone echoed ${everything}`);
    });
    const out = `${logged.join("\n")}\n${JSON.stringify(input)}`;
    for (const f of connectionFields) {
      if (f.secret) expect(out).not.toContain(VALUES[f.name]);
      // The others stay readable: the mask hides secrets, not the line.
      else expect(out).toContain(VALUES[f.name]);
    }
  });

  test("the CLI masks every secret variable and the relay's log redacts every secret field by name", () => {
    const env = allEnv();
    const masked = secretValues(env);
    for (const f of connectionFields) expect(masked.includes(env[f.env])).toBe(f.secret);

    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = pino({ redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" } }, sink);
    log.info({ ...VALUES, cxone: VALUES }, "config");
    for (const name of SECRET_FIELDS) expect(lines.join("")).not.toContain(VALUES[name]);
    expect(lines.join("")).toContain(VALUES.clientId);
  });
});

describe("the README", () => {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  /** The rows of the first table after a heading, as cells without Markdown emphasis. */
  const table = (heading: string) => {
    const section = readme.slice(readme.indexOf(`\n${heading}\n`));
    const rows = section.slice(section.indexOf("\n|")).split("\n\n")[0].trim().split("\n").slice(2);
    return rows.map((row) =>
      row
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  };
  const plain = (text: string) => text.replace(/[`*]/g, "");

  test("the Connection table says what the list says", () => {
    const rows = table("## Connection").map((cells) => cells.map(plain));
    expect(rows).toEqual(
      connectionFields.map((f) => [
        f.name,
        f.env,
        f.required ? (f.usedOnlyBy ? `for ${f.usedOnlyBy}` : "yes") : "no",
        plain(f.description),
      ]),
    );
    expect(readme).toContain(`Secret fields: ${SECRET_FIELDS.map((n) => `\`${n}\``).join(", ")}.`);
  });

  test("the Relay variables table lists every variable the relay reads, and only those", () => {
    const listed = table("### Run it").flatMap(([names]) => [...names.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]));
    const read = [...Object.values(ENV_NAMES), ...Object.values(CASE_POLL_ENV), "PORT"];
    expect([...listed].sort()).toEqual([...new Set(read)].sort());
  });
});

function catchSetting(run: () => unknown): SettingError {
  try {
    run();
  } catch (err) {
    if (err instanceof SettingError) return err;
    throw err;
  }
  throw new Error("expected a SettingError");
}
