/**
 * The one way the product walks CXone's paged lists (case searches by scrollToken, channels by page number): read a
 * page, hand it over, ask where the next one starts; stop when there is none or after maxPages reads. Pages are read
 * one at a time as the caller asks for them, so a caller that breaks out early sends no request beyond the page it
 * stopped at.
 */
export async function* walkPages<Page, Cursor>(
  read: (cursor: Cursor | undefined) => Promise<{ page: Page; next?: Cursor }>,
  maxPages = Number.POSITIVE_INFINITY,
): AsyncGenerator<Page, void, undefined> {
  let cursor: Cursor | undefined;
  for (let pages = 0; pages < maxPages; pages++) {
    const { page, next } = await read(cursor);
    yield page;
    if (next === undefined) return;
    cursor = next;
  }
}
