import type { CxoneClient } from "../cxone/client";
import { CxoneApiError } from "../cxone/errors";
import { walkPages } from "../cxone/paging";
import type { CxoneChannel } from "../cxone/schemas";

/** CXone's media type id for Digital skills (1 email, 3 chat, 4 phone, 5 voicemail, 6 work item, 8 social, 9 digital). */
export const DIGITAL_MEDIA_TYPE = 9;

const PAGE_SIZE = 100;
/** Page numbers below this are read (whichever base the tenant counts from). */
const MAX_PAGES = 50;

/**
 * Every channel of the tenant. NiCE documents `page` and `size` but not whether pages count from 0 or 1, so this
 * starts at 0, goes on from 1 when CXone refuses page 0, and stops at a short page or one that brings nothing new.
 */
export async function allChannels(client: CxoneClient): Promise<CxoneChannel[]> {
  const seen = new Map<string, CxoneChannel>();
  const read = async (from = 0): Promise<{ page: CxoneChannel[]; next?: number }> => {
    let page = from;
    let batch: CxoneChannel[];
    try {
      batch = await client.listChannels({ page, size: PAGE_SIZE });
    } catch (err) {
      if (page !== 0 || !(err instanceof CxoneApiError) || err.status !== 400) throw err;
      page = 1;
      batch = await client.listChannels({ page, size: PAGE_SIZE });
    }
    return { page: batch, next: batch.length < PAGE_SIZE || page + 1 >= MAX_PAGES ? undefined : page + 1 };
  };
  for await (const batch of walkPages(read)) {
    const before = seen.size;
    for (const c of batch) seen.set(c.id, c);
    if (seen.size === before) break;
  }
  return [...seen.values()];
}
