import type { INodeField, INodeSection } from "@cognigy/extension-tools/build/interfaces/descriptor";
import { CxoneConfigError } from "../src/cxone";
import {
  DEFAULT_ALTERNATIVE_TEXT,
  DEFAULT_INACTIVITY_MESSAGE,
  DEFAULT_INACTIVITY_WARNING,
  DEFAULT_QUEUE_UPDATE_TEXT,
  DEFAULT_UPDATE_INTERVAL_SECONDS,
  MAX_WAIT_TEXT_LENGTH,
  MIN_UPDATE_INTERVAL_SECONDS,
  WAIT_LIMITS,
  type WaitSettings,
} from "../src/handover/wait-settings";

/**
 * Hand over's *Queue updates* and *Inactivity* options: the fields, their sections and the settings they make. The
 * relay does the work (src/relay/queue-updates.ts, src/relay/inactivity.ts); the settings reach it inside the signed
 * thread id. Labels follow Cognigy's Live Agent handover where the option is the same (incl. milliseconds for the
 * maximum wait); the update text with placeholders is ours (Cognigy's flows format raw figures themselves).
 */
export interface WaitConfig {
  getQueuePosition?: boolean;
  getEstimatedWaitTime?: boolean;
  updateIntervalQueuePosition?: number | string;
  queueUpdateText?: string;
  maximumQueuePosition?: number | string;
  maximumEstimatedWaitTime?: number | string;
  alternativeText?: string;
  inactivityTimeout?: number | string;
  inactivityMessage?: string;
  inactivityWarning?: boolean;
  inactivityWarningText?: string;
}

const queueOn = {
  or: [
    { key: "getQueuePosition", value: true },
    { key: "getEstimatedWaitTime", value: true },
  ],
};

export const WAIT_FIELDS: INodeField[] = [
  {
    key: "getQueuePosition",
    type: "toggle",
    label: "Get Queue Position",
    defaultValue: false,
    description: "While no agent has the case, tell the user their place among this channel's waiting conversations.",
  },
  {
    key: "getEstimatedWaitTime",
    type: "toggle",
    label: "Get Estimated Wait Time",
    defaultValue: false,
    description:
      "Add an estimate, only when the relay has seen enough recent assignments on this channel to support one.",
  },
  {
    key: "updateIntervalQueuePosition",
    type: "number",
    label: "Update Interval",
    defaultValue: DEFAULT_UPDATE_INTERVAL_SECONDS,
    description: `Seconds between updates (${MIN_UPDATE_INTERVAL_SECONDS} to ${WAIT_LIMITS.intervalSeconds.max}); the first comes right after the handover opens.`,
    condition: queueOn,
  },
  {
    key: "queueUpdateText",
    type: "cognigyText",
    label: "Queue update text",
    defaultValue: DEFAULT_QUEUE_UPDATE_TEXT,
    description:
      "{position} is the place in the queue, {wait} the estimate in minutes. A sentence whose number is not known " +
      "is left out. Use CognigyScript for other languages.",
    condition: queueOn,
  },
  {
    key: "maximumQueuePosition",
    type: "number",
    label: "Maximum Queue Position",
    description: "When the position is above this, the user gets the alternative text once. Empty: no maximum.",
    condition: queueOn,
  },
  {
    key: "maximumEstimatedWaitTime",
    type: "number",
    label: "Maximum Estimated Wait Time",
    description:
      "Milliseconds (300000 = 5 minutes). When the estimate is above this, the user gets the alternative text once.",
    condition: queueOn,
  },
  {
    key: "alternativeText",
    type: "cognigyText",
    label: "Alternative Text",
    defaultValue: DEFAULT_ALTERNATIVE_TEXT,
    description:
      'Said instead of the update that passes a maximum; the flow also gets data.cxone.event "queueTooLong" ' +
      "(through Send to Agent) to offer another way.",
    condition: queueOn,
  },
  {
    key: "inactivityTimeout",
    type: "number",
    label: "Inactivity timeout",
    description:
      "Minutes (decimals allowed) without a message from the user or the agent after which the handover ends: " +
      "abandoned while queued, closed once an agent has it. At most 10080 (7 days). Empty or 0: never.",
  },
  {
    key: "inactivityMessage",
    type: "cognigyText",
    label: "Inactivity message",
    defaultValue: DEFAULT_INACTIVITY_MESSAGE,
    description: 'Said when the handover ends; the flow gets data.cxone { event: "ended", reason: "inactivity" }.',
  },
  {
    key: "inactivityWarning",
    type: "toggle",
    label: "Warn one minute before",
    defaultValue: false,
    description: "Tell the user one minute before the handover ends (timeouts over one minute).",
  },
  {
    key: "inactivityWarningText",
    type: "cognigyText",
    label: "Inactivity warning",
    defaultValue: DEFAULT_INACTIVITY_WARNING,
    condition: { key: "inactivityWarning", value: true },
  },
];

export const WAIT_SECTIONS: INodeSection[] = [
  {
    key: "queueUpdates",
    label: "Queue updates",
    defaultCollapsed: true,
    fields: [
      "getQueuePosition",
      "getEstimatedWaitTime",
      "updateIntervalQueuePosition",
      "queueUpdateText",
      "maximumQueuePosition",
      "maximumEstimatedWaitTime",
      "alternativeText",
    ],
  },
  {
    key: "inactivity",
    label: "Inactivity",
    defaultCollapsed: true,
    fields: ["inactivityTimeout", "inactivityMessage", "inactivityWarning", "inactivityWarningText"],
  },
];

/** A number option: empty is undefined; anything else must be a number in range (the relay's, WAIT_LIMITS). */
function numberOf(
  config: WaitConfig,
  key: keyof WaitConfig,
  min: number,
  max: number,
  what: string,
): number | undefined {
  const raw = config[key];
  if (raw === undefined || raw === null || (typeof raw === "string" && !raw.trim())) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new CxoneConfigError(key, `must be ${what}`);
  return n;
}

function textOf(config: WaitConfig, key: keyof WaitConfig, fallback: string): string {
  const raw = config[key];
  const text = typeof raw === "string" ? raw : fallback;
  if (text.length > MAX_WAIT_TEXT_LENGTH) {
    throw new CxoneConfigError(
      key,
      `is ${text.length} characters; at most ${MAX_WAIT_TEXT_LENGTH} (it travels in the CXone thread id)`,
    );
  }
  return text;
}

/** The settings the options make, or undefined when both features are off (the thread id stays as before). */
export function waitSettingsOf(config: WaitConfig): WaitSettings | undefined {
  const out: WaitSettings = {};
  if (config.getQueuePosition === true || config.getEstimatedWaitTime === true) {
    const { intervalSeconds: i, maxPosition: p, maxWaitMs: w } = WAIT_LIMITS;
    const interval = numberOf(config, i.field, i.min, i.max, `seconds, ${i.min} to ${i.max}`);
    const maxPosition = numberOf(config, p.field, p.min, p.max, `a whole number, ${p.min} to ${p.max}`);
    const maxWaitMs = numberOf(config, w.field, w.min, w.max, `milliseconds, ${w.min} to ${w.max}`);
    if (maxPosition !== undefined && !Number.isInteger(maxPosition)) {
      throw new CxoneConfigError(p.field, `must be a whole number, ${p.min} to ${p.max}`);
    }
    out.queue = {
      position: config.getQueuePosition === true,
      estimatedWait: config.getEstimatedWaitTime === true,
      intervalSeconds: Math.round(interval ?? DEFAULT_UPDATE_INTERVAL_SECONDS),
      text: textOf(config, "queueUpdateText", DEFAULT_QUEUE_UPDATE_TEXT),
      ...(maxPosition !== undefined ? { maxPosition } : {}),
      ...(maxWaitMs !== undefined ? { maxWaitMs: Math.round(maxWaitMs) } : {}),
      alternativeText: textOf(config, "alternativeText", DEFAULT_ALTERNATIVE_TEXT),
    };
  }
  const t = WAIT_LIMITS.timeoutSeconds;
  const minutes = numberOf(config, t.field, 0, t.max / 60, `minutes, 0 (off) to ${t.max / 60} (7 days)`);
  if (minutes) {
    out.inactivity = {
      timeoutSeconds: Math.max(1, Math.round(minutes * 60)),
      message: textOf(config, "inactivityMessage", DEFAULT_INACTIVITY_MESSAGE),
      ...(config.inactivityWarning === true
        ? { warning: textOf(config, "inactivityWarningText", DEFAULT_INACTIVITY_WARNING) }
        : {}),
    };
  }
  return out.queue || out.inactivity ? out : undefined;
}
