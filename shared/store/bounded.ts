/**
 * Read a listing page after page until it ends or `budget` items were read (a request's bound).
 * `fetch` gets the previous page's `last`; `each` sees every page. Returns the items read and
 * whether the budget stopped it before the end (the answer is then partial).
 */
export async function readPages<K, P extends { read: number; last?: K | undefined }>(
  fetch: (after: K | undefined) => Promise<P>,
  budget: number,
  each: (page: P) => void | Promise<void>,
): Promise<{ read: number; partial: boolean }> {
  let read = 0;
  let after: K | undefined;
  do {
    const page = await fetch(after);
    read += page.read;
    await each(page);
    after = page.last;
  } while (after !== undefined && read < budget);
  return { read, partial: after !== undefined };
}
