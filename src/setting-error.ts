// A setting the admin gave is missing or wrong (env variable, CLI flag, `startRelay({...})` key): one error, one line.

/**
 * The relay refuses to start with it (exit code 1), the CLI exits with code 2; both print the same line, the
 * setting's name as the admin typed it followed by what to fix ("RELAY_CLIENT_SECRET is too short: …"), never its
 * value.
 */
export class SettingError extends Error {
  constructor(
    /** The name as the admin typed it: an env variable, a flag or a config key. */
    readonly variable: string,
    /** What is wrong and what to do, starting lower-case ("is missing: …"). */
    readonly fix: string,
  ) {
    super(`${variable} ${fix}`);
    this.name = "SettingError";
  }
}
