import type { ApiClient, Body } from './apiHarness';

/** Every item of a list, following continuation tokens page by page; throws on a page that is not 200. */
export async function allPages(
  client: ApiClient,
  pathAndQuery: string,
): Promise<{ items: Body[]; pages: number }> {
  const items: Body[] = [];
  let pages = 0;
  let token: string | null = null;
  do {
    const separator = pathAndQuery.includes('?') ? '&' : '?';
    const url: string = token
      ? `${pathAndQuery}${separator}continuationToken=${encodeURIComponent(token)}`
      : pathAndQuery;
    const page = await client.get(url);
    if (page.status !== 200) throw new Error(`GET ${url}: ${page.status} ${page.text}`);
    items.push(...(page.body.items as Body[]));
    pages += 1;
    token = page.body.continuationToken as string | null;
  } while (token);
  return { items, pages };
}
