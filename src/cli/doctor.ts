import { clearAuthCache } from "../cxone/auth";
import { CxoneClient } from "../cxone/client";
import { CONNECTION_ENV } from "../cxone/connection-fields";
import { CxoneAuthError, CxoneError } from "../cxone/errors";
import type { CxoneChannel } from "../cxone/schemas";
import { BOX } from "../relay/box-path";
import { configFromEnv } from "../relay/env";
import { SettingError } from "../setting-error";
import { allChannels, DIGITAL_MEDIA_TYPE } from "./channels";
import {
  CXONE_INTEGRATION_ID,
  CXONE_SKILL_ID,
  type Env,
  parseCredentials,
  RELAY_PUBLIC_URL,
  secretValues,
} from "./env";
import type { Check, Output } from "./output";

/** `doctor`: the handover chain checked end to end, one line per check, a fix for every ✗. */

/** Clocks further apart than this break token lifetimes and make logs disagree. */
export const MAX_CLOCK_SKEW_MS = 30_000;
/** Shorter CXone tokens mean a token request in most node runs. */
export const MIN_TOKEN_LIFETIME_MS = 5 * 60_000;
const RELAY_TIMEOUT_MS = 5_000;

export interface DoctorResult {
  ok: boolean;
  checks: Check[];
}

export async function runDoctor(env: Env, out: Output): Promise<DoctorResult> {
  const checks: Check[] = [];
  const add = (check: Check) => {
    checks.push(check);
    out.check(check);
  };
  out.hide(...secretValues(env));

  // ---- the env file itself: the relay reads the same variables ----
  try {
    configFromEnv(env as NodeJS.ProcessEnv);
    add({ id: "config", title: "relay settings are valid", ok: true, required: true });
  } catch (err) {
    if (!(err instanceof SettingError)) throw err;
    add({
      id: "config",
      title: "relay settings are valid",
      ok: false,
      required: true,
      detail: err.message,
      fix: `set ${err.variable} in the env file (setup writes it), then restart the relay`,
    });
  }

  await cxoneChecks(env, add);
  await relayChecks(env, add);

  const ok = checks.every((c) => c.ok || !c.required);
  out.say();
  out.say(ok ? "All required checks passed." : "Some required checks failed: see the fixes above.");
  return { ok, checks };
}

async function cxoneChecks(env: Env, add: (c: Check) => void) {
  let client: CxoneClient;
  try {
    client = new CxoneClient(parseCredentials(env, env[CONNECTION_ENV.channelId] ?? ""), { deadlineMs: 60_000 });
  } catch (err) {
    add({
      id: "credentials",
      title: "CXone credentials work",
      ok: false,
      required: true,
      detail: err instanceof Error ? err.message : String(err),
      fix: `set ${err instanceof SettingError ? err.variable : "the CXONE_* variables"} in the env file`,
    });
    return;
  }

  // ---- credentials, token lifetime, clock ----
  // A fresh token: "the credentials work now" (not a cached token from earlier), and its iat is from this moment.
  clearAuthCache();
  let session: Awaited<ReturnType<CxoneClient["describeSession"]>>;
  const asked = Date.now();
  try {
    session = await client.describeSession();
  } catch (err) {
    add({
      id: "credentials",
      title: "CXone credentials work",
      ok: false,
      required: true,
      detail: err instanceof Error ? err.message : String(err),
      fix: credentialFix(err),
    });
    return;
  }
  const answered = Date.now();
  add({
    id: "credentials",
    title: "CXone credentials work",
    ok: true,
    required: true,
    detail: `tenant ${session.tenantId}, area ${session.area ?? "?"}, Digital host ${session.dfoBaseUrl}`,
  });
  const lifetimeOk = session.tokenLifetimeMs >= MIN_TOKEN_LIFETIME_MS;
  add({
    id: "token-lifetime",
    title: "CXone token lifetime",
    ok: lifetimeOk,
    required: true,
    detail: `${Math.round(session.tokenLifetimeMs / 1000)} s`,
    fix: lifetimeOk
      ? undefined
      : `CXone issues tokens for less than ${MIN_TOKEN_LIFETIME_MS / 1000} s: check ${CONNECTION_ENV.authHost} points at CXone's own auth host`,
  });
  if (session.issuedAt !== undefined) {
    // The token's iat is whole seconds: allow the second it was rounded to, plus the round trip.
    const skew = session.issuedAt < asked - 1000 ? session.issuedAt - asked : Math.max(0, session.issuedAt - answered);
    add(clockCheck("clock-cxone", "clock agrees with CXone", skew));
  }

  // ---- channel ----
  const channelId = env[CONNECTION_ENV.channelId];
  const integrationId = env[CXONE_INTEGRATION_ID];
  let channel: CxoneChannel | undefined;
  if (!channelId) {
    add({
      id: "channel",
      title: "BYOC channel exists",
      ok: false,
      required: true,
      detail: `${CONNECTION_ENV.channelId} is not set`,
      fix: "run `setup --integration-id <your BYOC integration id>`: it creates the channel and writes its id",
    });
  } else {
    channel = (await allChannels(client)).find((c) => c.id === channelId);
    if (!channel) {
      add({
        id: "channel",
        title: "BYOC channel exists",
        ok: false,
        required: true,
        detail: `no channel ${channelId} in this tenant`,
        fix: `correct ${CONNECTION_ENV.channelId}, or remove it and run \`setup\` to create the channel`,
      });
    } else if (integrationId && channel.channelIntegrationId !== integrationId) {
      add({
        id: "channel",
        title: "BYOC channel exists",
        ok: false,
        required: true,
        detail: `channel ${channelId} belongs to integration ${channel.channelIntegrationId}, not ${integrationId}`,
        fix: `remove ${CONNECTION_ENV.channelId} and run \`setup --integration-id ${integrationId}\` to make a channel on your integration (or set CXONE_INTEGRATION_ID=${channel.channelIntegrationId} if that one is the relay's)`,
      });
    } else {
      add({
        id: "channel",
        title: "BYOC channel exists",
        ok: true,
        required: true,
        detail: `${channel.id} (${channel.name ?? ""}) on integration ${channel.channelIntegrationId}${integrationId ? "" : "; set CXONE_INTEGRATION_ID to check it is yours"}`,
      });
    }
  }

  // ---- routing skill and agents ----
  const skillId = env[CXONE_SKILL_ID] ?? channel?.defaultSkillId;
  if (!skillId) {
    add({
      id: "skill",
      title: "routing skill is known",
      ok: false,
      required: true,
      detail: "no CXONE_SKILL_ID and the channel names no default skill",
      fix: "run `setup --skill-id <id>` (setup lists the digital skills) or set CXONE_SKILL_ID",
    });
    return;
  }
  const skill = (await client.listSkills(DIGITAL_MEDIA_TYPE)).find((s) => s.skillId === skillId);
  add({
    id: "skill",
    title: "routing skill is known",
    ok: !!skill,
    required: true,
    detail: skill ? `${skill.skillId} ${skill.skillName ?? ""}` : `${skillId} is not a digital skill of this tenant`,
    fix: skill ? undefined : "set CXONE_SKILL_ID to one of the digital skills `setup` lists",
  });
  if (!skill) return;
  const activity = await client.getSkillActivity(skillId);
  const loggedIn = activity?.agentsLoggedIn ?? 0;
  add({
    id: "agents",
    title: "agents of the skill are logged in now",
    ok: loggedIn > 0,
    // Nobody logged in is normal out of hours: a warning, not a broken setup.
    required: false,
    detail: `${loggedIn} logged in, ${activity?.agentsAvailable ?? 0} available`,
    fix:
      loggedIn > 0
        ? undefined
        : `no agent of skill ${skillId} is logged in: have an agent with this skill log in to CXone (assign agents under ACD > Skills)`,
  });
}

async function relayChecks(env: Env, add: (c: Check) => void) {
  const base = env[RELAY_PUBLIC_URL]?.trim().replace(/\/+$/, "");
  if (!base) {
    add({
      id: "relay-health",
      title: "relay answers at its public URL",
      ok: false,
      required: true,
      detail: `${RELAY_PUBLIC_URL} is not set`,
      fix: `set ${RELAY_PUBLIC_URL} to the https URL CXone reaches the relay at (setup writes it)`,
    });
    return;
  }

  // ---- /health ----
  let health: RelayHealth;
  let relayDate: string | null;
  const asked = Date.now();
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(RELAY_TIMEOUT_MS) });
    relayDate = res.headers.get("date");
    health = (await res.json()) as RelayHealth;
    if (!res.ok) {
      add({
        id: "relay-health",
        title: "relay answers at its public URL",
        ok: false,
        required: true,
        detail: `HTTP ${res.status}, store reachable: ${health.storeReachable}`,
        fix: "the relay reports its store unreachable: check REDIS_URL and that Redis is up",
      });
      return;
    }
  } catch (err) {
    add({
      id: "relay-health",
      title: "relay answers at its public URL",
      ok: false,
      required: true,
      detail: `nothing answered at ${base}/health (${(err as Error).name === "TimeoutError" ? "timeout" : ((err as { cause?: { code?: string } }).cause?.code ?? "error")})`,
      fix: `start the relay (npm run relay, or docker run … cxone-relay) and check ${RELAY_PUBLIC_URL} and any proxy in front of it`,
    });
    return;
  }
  add({ id: "relay-health", title: "relay answers at its public URL", ok: true, required: true, detail: base });
  if (relayDate) {
    const at = Date.parse(relayDate);
    // The Date header is whole seconds too.
    const skew = at < asked - 1000 ? at - asked : Math.max(0, at - Date.now());
    add(clockCheck("clock-relay", "clock agrees with the relay's", skew));
  }

  // ---- token route with the configured client ----
  try {
    const res = await fetch(`${base}${BOX}/1.0/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credentials",
        client_id: env.RELAY_CLIENT_ID ?? "",
        client_secret: env.RELAY_CLIENT_SECRET ?? "",
      }),
      signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string };
    const ok = res.ok && typeof body.access_token === "string";
    add({
      id: "relay-token",
      title: "relay's token route accepts RELAY_CLIENT_ID / RELAY_CLIENT_SECRET",
      ok,
      required: true,
      detail: `HTTP ${res.status}`,
      fix: ok
        ? undefined
        : res.status === 401
          ? "the relay runs with a different client id or secret: restart it with this env file, and enter the same Client ID / Client Secret in CXone's BYOC integration"
          : "the token route did not issue a token: check the relay's log",
    });
  } catch (err) {
    add({
      id: "relay-token",
      title: "relay's token route accepts RELAY_CLIENT_ID / RELAY_CLIENT_SECRET",
      ok: false,
      required: true,
      detail: (err as Error).message,
      fix: "the token route did not answer: check the relay's log",
    });
  }

  // ---- Cognigy, as the relay sees it ----
  const cognigy = health.cognigy;
  const ourHost = safeHost(env.COGNIGY_ENDPOINT_URL);
  const sameEndpoint = !ourHost || !health.cognigyEndpoint || health.cognigyEndpoint === ourHost;
  add({
    id: "relay-cognigy",
    title: "relay reaches the Cognigy endpoint",
    ok: !!cognigy?.reachable && sameEndpoint,
    required: true,
    detail: !cognigy
      ? "this relay's /health does not report Cognigy (older relay)"
      : !sameEndpoint
        ? `relay uses ${health.cognigyEndpoint}, the env file says ${ourHost}`
        : cognigy.reachable
          ? `${health.cognigyEndpoint} answered`
          : `${health.cognigyEndpoint}: ${cognigy.reason ?? "unreachable"}`,
    fix:
      cognigy?.reachable && sameEndpoint
        ? undefined
        : !cognigy
          ? "update the relay to this version"
          : !sameEndpoint
            ? "restart the relay with this env file"
            : "the relay cannot reach COGNIGY_ENDPOINT_URL: check the URL (Endpoint settings in Cognigy) and the relay host's outbound network / proxy",
  });

  // ---- the case poll (agent joined / case closed) ----
  const poll = health.lastPoll;
  const pollOk = health.caseEvents === "on" && !!poll && poll.ok;
  add({
    id: "relay-poll",
    title: "relay's case poll is healthy",
    ok: pollOk,
    required: true,
    detail:
      health.caseEvents !== "on"
        ? "case events are off on the relay"
        : poll
          ? `last poll ${poll.at} ${poll.ok ? "ok" : "failed"}`
          : "no poll has finished yet",
    fix: pollOk
      ? undefined
      : health.caseEvents !== "on"
        ? "give the relay the CXONE_* variables of this env file (agent joined / case closed need them) and restart it"
        : !poll
          ? "wait one poll interval (CXONE_POLL_INTERVAL_MS) and run doctor again"
          : "the relay's CXone poll fails: check its log lines with component case-events (usually its CXONE_* values)",
  });
}

interface RelayHealth {
  status?: string;
  cognigyEndpoint?: string;
  caseEvents?: string;
  storeReachable?: boolean;
  lastPoll?: { at: string; ok: boolean; skipped: boolean };
  cognigy?: { reachable: boolean; status?: number; reason?: string };
}

function clockCheck(id: string, title: string, skewMs: number): Check {
  const ok = Math.abs(skewMs) <= MAX_CLOCK_SKEW_MS;
  return {
    id,
    title,
    ok,
    required: true,
    detail: `${skewMs >= 0 ? "+" : ""}${Math.round(skewMs / 1000)} s`,
    fix: ok
      ? undefined
      : "set this machine (and the relay host) to sync time with NTP (e.g. systemd-timesyncd, chrony)",
  };
}

function credentialFix(err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  if (err instanceof CxoneAuthError && message.includes("invalid_client")) {
    return `${CONNECTION_ENV.clientId} / ${CONNECTION_ENV.clientSecret} are wrong: copy them from NiCE's app registration (the client secret, not the access key secret)`;
  }
  if (err instanceof CxoneAuthError && message.includes("invalid_grant")) {
    return `${CONNECTION_ENV.accessKeyId} / ${CONNECTION_ENV.accessKeySecret} are wrong or the key's user is inactive: create a new access key (Admin > Employees > Access Keys)`;
  }
  if (err instanceof CxoneError)
    return `check ${CONNECTION_ENV.authHost} (your CXone region's auth host) and this machine's network`;
  return "check the CXONE_* variables";
}

function safeHost(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}
