/** The whole view is in the URL's hash (`#/alerts?filter=…`), so a view can be shared, and Back works. */
export interface Route {
  page: string;
  id?: string | undefined;
  params: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#/, '') || '/alerts';
  const [path = '', query = ''] = hash.split('?');
  const [, page = 'alerts', id] = path.split('/');
  return { page, id: id ? decodeURIComponent(id) : undefined, params: new URLSearchParams(query) };
}

export function href(page: string, params: Record<string, string | undefined> = {}, id?: string): string {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  return `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}${q.size ? `?${q}` : ''}`;
}

export const go = (to: string): void => {
  location.hash = to;
};
