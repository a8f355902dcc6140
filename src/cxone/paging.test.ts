import { walkPages } from "./paging";

/** A list of `total` items in pages of 2, read through a cursor; records every read. */
function pagedList(total: number) {
  const reads: (number | undefined)[] = [];
  const read = async (cursor: number | undefined) => {
    reads.push(cursor);
    const from = cursor ?? 0;
    const page = Array.from({ length: Math.min(2, total - from) }, (_, i) => from + i);
    return { page, next: from + 2 < total ? from + 2 : undefined };
  };
  return { reads, read };
}

test("reads every page in order, from no cursor to the last one that names no next", async () => {
  const list = pagedList(5);
  const seen: number[][] = [];
  for await (const page of walkPages(list.read)) seen.push(page);
  expect(seen).toEqual([[0, 1], [2, 3], [4]]);
  expect(list.reads).toEqual([undefined, 2, 4]);
});

test("a caller that stops early costs no read beyond the page it stopped at; maxPages caps the reads", async () => {
  const early = pagedList(10);
  for await (const page of walkPages(early.read)) if (page.includes(3)) break;
  expect(early.reads).toEqual([undefined, 2]);
  const capped = pagedList(10);
  const pages: number[][] = [];
  for await (const page of walkPages(capped.read, 3)) pages.push(page);
  expect(pages).toHaveLength(3);
  expect(capped.reads).toEqual([undefined, 2, 4]);
});
