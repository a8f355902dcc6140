// The case poll's slow full pass over the channel's open cases: finds what the newest-updated read missed.
import { z } from "zod";
import { OPEN_STATUSES } from "../cxone/case-status";
import { type CxoneClient, nextScrollToken } from "../cxone/client";
import { CxoneApiError, describeError } from "../cxone/errors";
import type { CaseState, CaseStates } from "./case-state";
import type { SeenContact } from "./ended-event";
import type { Store } from "./store";
import { readStored } from "./stored";

/**
 * The slow full pass behind the newest-updated read: what that read can miss (an assignment that does not move a
 * case's updatedAt — not published either way —, a change hidden below a case touched by a message) is found here.
 * It walks the channel's open list a few pages per poll; when a pass ends, the followed cases it did not see open
 * (closed, or skipped as the list shifted under its pages) are confirmed: one search by their end users per 25, and
 * one get-contact for each the search did not find open. Its progress is in the store, so a restart or
 * another relay carries on where the last poll stopped. Cost: `requestsPerPoll` CXone requests per poll, and a full
 * cycle takes about (open cases / 25) / requestsPerPoll polls.
 */

const PROGRESS = "case-reconciliation";
const PROGRESS_TTL_MS = 7 * 24 * 3600_000;
/** Followed cases confirmed by one search (by their end users), a page's worth. */
const CONFIRM_BATCH = 25;

const progressSchema = z.object({
  /** Counts full passes; a followed case carries the last cycle that saw it open (CaseState.seenInCycle). */
  cycle: z.number().int(),
  /** Where the open list continues. */
  scrollToken: z.string().optional(),
  /**
   * The listing reached its end. The cycle ends at the start of the next poll, once the cases of its last page were
   * applied (and so marked seen).
   */
  listingDone: z.boolean().optional(),
  /** Followed cases the finished cycle did not see open: confirmed a search per 25 before the next page. */
  toConfirm: z.array(z.string()).optional(),
  /** Of those, the ones the search did not find open: one get-contact each. */
  toGetContact: z.array(z.string()).optional(),
});
type Progress = z.output<typeof progressSchema>;

export interface CaseToApply {
  contact: SeenContact;
  threadId: string;
}

export class Reconciliation {
  constructor(
    private readonly o: {
      store: Store;
      states: CaseStates;
      requestsPerPoll: number;
      log: { warn(o: object, msg: string): void };
      onCycleEnd?: (followed: number) => void;
    },
  ) {}

  /**
   * Called first in every poll: ends a cycle whose listing is done (no CXone request) and returns the cycle now
   * running, which every case this poll sees open is marked with.
   */
  async begin(): Promise<number> {
    const progress = await this.load();
    if (progress.listingDone) {
      await this.endCycle(progress);
      await this.save(progress);
    }
    return progress.cycle;
  }

  /** Spends this poll's request budget; returns the cases to apply (the caller applies them under its poll lock). */
  async step(client: CxoneClient): Promise<CaseToApply[]> {
    const progress = await this.load();
    const found: CaseToApply[] = [];
    let budget = this.o.requestsPerPoll;
    while (budget > 0) {
      const lone = progress.toGetContact?.shift();
      if (lone !== undefined) {
        const state = await this.o.states.load(lone);
        if (!state) continue; // resolved meanwhile
        budget--;
        const contact = await client.getContact(lone);
        // A case CXone no longer has is over for its conversation.
        found.push({
          contact: contact ?? { id: lone, status: "closed", threadIdOnExternalPlatform: state.threadId, gone: true },
          threadId: state.threadId,
        });
        continue;
      }
      const batch = await this.nextBatch(progress);
      if (batch.size) {
        budget--;
        found.push(...(await this.confirmBatch(client, batch, progress)));
        continue;
      }
      budget--;
      const page = await this.readPage(client, progress);
      if (!page) break;
      for (const contact of page.contacts) {
        const threadId = contact.threadIdOnExternalPlatform;
        if (threadId && this.o.states.decode(threadId)) found.push({ contact, threadId });
      }
      progress.scrollToken = nextScrollToken(page);
      if (!progress.scrollToken) {
        progress.listingDone = true;
        break;
      }
    }
    await this.save(progress);
    return found;
  }

  private save(progress: Progress) {
    return this.o.store.set(PROGRESS, JSON.stringify(progress), PROGRESS_TTL_MS);
  }

  /** Up to a page of followed cases the finished pass did not see (those resolved meanwhile are dropped). */
  private async nextBatch(progress: Progress): Promise<Map<string, CaseState>> {
    const batch = new Map<string, CaseState>();
    while (batch.size < CONFIRM_BATCH) {
      const caseId = progress.toConfirm?.shift();
      if (caseId === undefined) break;
      const state = await this.o.states.load(caseId);
      if (state) batch.set(caseId, state);
    }
    return batch;
  }

  /**
   * One search for the batch's end users' open cases: those found are open (mostly cases the pass skipped because
   * the list shifted under its pages); the others get one get-contact each (closed, or gone).
   */
  private async confirmBatch(client: CxoneClient, batch: Map<string, CaseState>, progress: Progress) {
    const endUserIds = new Set<string>();
    for (const state of batch.values()) {
      const userId = this.o.states.decode(state.threadId)?.userId;
      if (userId) endUserIds.add(userId);
    }
    const page = await client.searchContacts({ statuses: OPEN_STATUSES, endUserIds: [...endUserIds] });
    const found: CaseToApply[] = [];
    for (const contact of page.contacts) {
      const state = batch.get(contact.id);
      if (!state) continue;
      found.push({ contact, threadId: state.threadId });
      batch.delete(contact.id);
    }
    progress.toGetContact = [...(progress.toGetContact ?? []), ...batch.keys()];
    return found;
  }

  private async readPage(client: CxoneClient, progress: Progress) {
    try {
      return await client.searchContacts({ statuses: OPEN_STATUSES, scrollToken: progress.scrollToken });
    } catch (err) {
      // How long CXone keeps a scroll token is not published: a refused one restarts the listing, not the cycle.
      if (!progress.scrollToken || !(err instanceof CxoneApiError) || err.status >= 500) throw err;
      this.o.log.warn({ err: describeError(err) }, "case reconciliation: scroll token refused; listing restarts");
      progress.scrollToken = undefined;
      return undefined;
    }
  }

  private async endCycle(progress: Progress) {
    const followed = await this.o.states.loadAll();
    const unseen = [...followed].filter(([, s]) => (s.seenInCycle ?? 0) < progress.cycle).map(([id]) => id);
    this.o.onCycleEnd?.(followed.size);
    progress.cycle += 1;
    progress.listingDone = undefined;
    progress.toConfirm = unseen;
  }

  /** Progress not of this shape is dropped: a new cycle starts, as on a relay's first poll. */
  private async load(): Promise<Progress> {
    const raw = await this.o.store.get(PROGRESS);
    const progress = raw ? readStored(progressSchema, raw, this.o.log, PROGRESS) : undefined;
    if (raw && !progress) await this.o.store.del(PROGRESS);
    return progress ?? { cycle: 1 };
  }
}
