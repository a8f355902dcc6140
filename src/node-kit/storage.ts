import type { INodeField, INodeSection } from "@cognigy/extension-tools/build/interfaces/descriptor";
import type { CognigyApi } from "./index";

/** The Cognigy convention for node results: store in input (this turn) or context (the session). */
export interface StorageConfig {
  storeLocation: "input" | "context";
  inputKey: string;
  contextKey: string;
}

export function storageFields(defaultKey: string): INodeField[] {
  return [
    {
      key: "storeLocation",
      type: "select",
      label: "Where to store the result",
      defaultValue: "input",
      params: {
        options: [
          { label: "Input", value: "input" },
          { label: "Context", value: "context" },
        ],
        required: true,
      },
    },
    {
      key: "inputKey",
      type: "cognigyText",
      label: "Input Key to store result",
      defaultValue: defaultKey,
      condition: { key: "storeLocation", value: "input" },
    },
    {
      key: "contextKey",
      type: "cognigyText",
      label: "Input Context to store result",
      defaultValue: defaultKey,
      condition: { key: "storeLocation", value: "context" },
    },
  ];
}

export const storageSection: INodeSection = {
  key: "storage",
  label: "Storage Options",
  defaultCollapsed: true,
  fields: ["storeLocation", "inputKey", "contextKey"],
};

export function storeResult(api: CognigyApi, config: Partial<StorageConfig>, defaultKey: string, value: unknown) {
  if (config.storeLocation === "context") {
    api.addToContext?.(config.contextKey || defaultKey, value, "simple");
  } else {
    (api as { addToInput?: (key: string, value: unknown) => void }).addToInput?.(config.inputKey || defaultKey, value);
  }
}
