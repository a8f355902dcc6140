import type { CxoneClient } from "../cxone/client";
import { CxoneApiError } from "../cxone/errors";
import type { CxoneChannel } from "../cxone/schemas";

/** CXone's media type id for Digital skills (1 email, 3 chat, 4 phone, 5 voicemail, 6 work item, 8 social, 9 digital). */
export const DIGITAL_MEDIA_TYPE = 9;

const PAGE_SIZE = 100;
const MAX_PAGES = 50;

/**
 * Every channel of the tenant. NiCE documents `page` and `size` but not whether pages count from 0 or 1, so this
 * starts at 0, goes on from 1 when CXone refuses page 0, and stops at a short page or one that brings nothing new.
 */
export async function allChannels(client: CxoneClient): Promise<CxoneChannel[]> {
  const seen = new Map<string, CxoneChannel>();
  for (let page = 0; page < MAX_PAGES; page++) {
    let batch: CxoneChannel[];
    try {
      batch = await client.listChannels({ page, size: PAGE_SIZE });
    } catch (err) {
      if (page === 0 && err instanceof CxoneApiError && err.status === 400) continue;
      throw err;
    }
    const before = seen.size;
    for (const c of batch) seen.set(c.id, c);
    if (batch.length < PAGE_SIZE || seen.size === before) break;
  }
  return [...seen.values()];
}
