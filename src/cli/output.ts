import { createColors } from "picocolors";

/**
 * How the CLI talks to the admin: lines for a person (✓/✗, colour only on a terminal and never with NO_COLOR) or one
 * JSON document for scripts. Every string passes the secret mask first, so a value the admin did not ask to see never
 * reaches the screen or a log collector.
 */

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** stdout is a terminal (colours) and stdin is one (prompts). */
  stdoutTTY: boolean;
  stdinTTY: boolean;
}

export interface Check {
  id: string;
  title: string;
  ok: boolean;
  /** A failed optional check is a warning; doctor's exit code counts required ones only. */
  required: boolean;
  detail?: string;
  /** What to do about a ✗. */
  fix?: string;
}

export class Output {
  readonly json: boolean;
  private readonly c: ReturnType<typeof createColors>;
  private readonly secrets: string[] = [];

  constructor(
    private readonly io: CliIO,
    options: { json: boolean },
  ) {
    this.json = options.json;
    const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "";
    this.c = createColors(io.stdoutTTY && !noColor && !this.json);
  }

  /** Values masked in everything printed from now on. */
  hide(...values: (string | undefined)[]): void {
    for (const v of values) if (v && v.length >= 4 && !this.secrets.includes(v)) this.secrets.push(v);
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[hidden]");
    return out;
  }

  /** A line for people (nothing in --json mode). */
  say(text = ""): void {
    if (!this.json) this.io.stdout(`${this.mask(text)}\n`);
  }

  /** A line the admin explicitly asked to see unmasked (--show-secrets). */
  raw(text: string): void {
    if (!this.json) this.io.stdout(`${text}\n`);
  }

  heading(text: string): void {
    this.say(this.c.bold(text));
  }

  check(check: Check): void {
    if (this.json) return;
    const mark = check.ok ? this.c.green("✓") : check.required ? this.c.red("✗") : this.c.yellow("!");
    this.say(`${mark} ${check.title}${check.detail ? this.c.dim(` — ${check.detail}`) : ""}`);
    if (!check.ok && check.fix) this.say(`    ${this.c.cyan("fix:")} ${check.fix}`);
  }

  /** The one JSON document of a --json run. */
  document(value: unknown): void {
    if (this.json) this.io.stdout(`${this.mask(JSON.stringify(value, null, 2))}\n`);
  }

  error(text: string): void {
    this.io.stderr(`${this.mask(text)}\n`);
  }

  dim(text: string): string {
    return this.c.dim(text);
  }
}
