import { SettingError } from "../setting-error";

/**
 * Asks the admin for a missing value — only at a terminal and outside --json / --no-input. Anywhere else a missing
 * value is an error naming the variable to set, so scripts and CI never hang on a question.
 */
export interface Prompter {
  text(variable: string, message: string, secret?: boolean): Promise<string>;
  /** undefined when nobody can be asked. */
  choose(variable: string, message: string, choices: { name: string; value: string }[]): Promise<string | undefined>;
}

export const noPrompts: Prompter = {
  async text(variable) {
    throw new SettingError(variable, "is missing: set it in the env file (--config <file>) or pass its flag");
  },
  async choose() {
    return undefined;
  },
};

export function terminalPrompts(): Prompter {
  // Loaded on first use: a non-interactive run (the Docker image, CI) never pays for the prompt library.
  const inquirer = () => require("@inquirer/prompts") as typeof import("@inquirer/prompts");
  return {
    async text(_variable, message, secret) {
      const required = (v: string) => (v.trim() === "" ? "required" : true);
      return secret
        ? inquirer().password({ message, mask: "*", validate: required })
        : inquirer().input({ message, validate: required });
    },
    async choose(_variable, message, choices) {
      return inquirer().select({ message, choices });
    },
  };
}
