// What the case poll reads (case-events.ts): the events Cognigy did not take yet, and the newest-updated read.
import { z } from "zod";
import { ALL_STATUSES } from "../cxone/case-status";
import type { CxoneClient } from "../cxone/client";
import { contactSchema } from "../cxone/schemas";
import { type CaseStates, EVENTS_TO_RETRY } from "./case-state";
import type { CaseToApply } from "./reconciliation";
import type { Store } from "./store";
import { readStored } from "./stored";

/** Newest statusUpdatedAt (ms, CXone's clock) the last newest-updated read saw. */
const WATERMARK = "case-poll-watermark";
const WATERMARK_TTL_MS = 7 * 24 * 3600_000;
/** Bounds one read when very many cases changed at once; the reconciliation finds whatever lies deeper. */
const MAX_PAGES_PER_READ = 40;
const MAX_RETRIES_PER_POLL = 100;

/** The newest-updated read (step 2 in case-events.ts); a read that fails leaves the watermark where it was. */
export async function readNewestUpdated(
  client: CxoneClient,
  store: Store,
  states: CaseStates,
  log: { warn(o: object, msg: string): void },
): Promise<CaseToApply[]> {
  const raw = await store.get(WATERMARK);
  // A stored value that is no time reads as no watermark (this read then writes a good one).
  const stored = Number(raw);
  const watermark = raw && Number.isFinite(stored) ? stored : undefined;
  let newest = watermark ?? 0;
  const found: CaseToApply[] = [];
  let pages = 0;
  for await (const page of client.contactPages({ statuses: ALL_STATUSES, newestFirst: true })) {
    pages++;
    let lastNeedsNothing = true;
    for (const contact of page.contacts) {
      const changedAt = Date.parse(contact.statusUpdatedAt ?? "");
      if (changedAt > newest) newest = changedAt;
      const threadId = contact.threadIdOnExternalPlatform;
      // needsWork is true only for a case carrying one of our thread ids.
      const work = await states.needsWork(contact);
      if (work && threadId) found.push({ contact, threadId });
      // Equal to the watermark is not "before": a case changed in the same millisecond as the last one seen is read.
      lastNeedsNothing = !work && (watermark === undefined || !(changedAt >= watermark));
    }
    if (lastNeedsNothing) break;
    if (pages >= MAX_PAGES_PER_READ && page.scrollToken) {
      log.warn({ pages }, "case poll: very many changed cases; the reconciliation finds the rest");
      break;
    }
  }
  await store.set(WATERMARK, String(newest), WATERMARK_TTL_MS);
  return found;
}

/** A case as apply() stored it for a retry (case-state.ts): a contact as read, with the thread id it was applied to. */
const caseToRetrySchema = contactSchema.extend({
  threadIdOnExternalPlatform: z.string().min(1),
  gone: z.literal(true).optional(),
});

/** Events Cognigy did not take last time (step 1): the cases as last read, no CXone request. */
export async function eventsToRetry(store: Store, log: { warn(o: object, msg: string): void }): Promise<CaseToApply[]> {
  const found: CaseToApply[] = [];
  for (const [id, raw] of await store.hashGetAll(EVENTS_TO_RETRY)) {
    if (found.length >= MAX_RETRIES_PER_POLL) break;
    const contact = readStored(caseToRetrySchema, raw, log, `${EVENTS_TO_RETRY}/${id}`);
    if (contact) found.push({ contact, threadId: contact.threadIdOnExternalPlatform });
    else await store.hashDelete(EVENTS_TO_RETRY, id);
  }
  return found;
}
