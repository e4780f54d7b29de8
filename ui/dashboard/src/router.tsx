// A small router over the History API: the Worker answers every page path
// with index.html, and this draws the page for it.
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

const listeners = new Set<() => void>()
function subscribe(fn: () => void) {
  listeners.add(fn)
  window.addEventListener('popstate', fn)
  return () => {
    listeners.delete(fn)
    window.removeEventListener('popstate', fn)
  }
}
const snapshot = () => window.location.pathname + window.location.search

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (opts.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  listeners.forEach((fn) => fn())
  window.scrollTo?.(0, 0)
}

/** The current path and query. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const loc = useSyncExternalStore(subscribe, snapshot, snapshot)
  const [path, search = ''] = loc.split('?')
  return { path, query: new URLSearchParams(search) }
}

// What a path parameter may be: the ids the API hands out (`app_…`,
// `usr_…`, `aero2-dashboard`). Taken as is, never decoded, and never `.`
// or `..`: a parameter goes into API paths, where `%2F..%2F` or `..` would
// point the page's requests (and its buttons) at another resource.
const PARAM = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/

/** Matches `/apps/:id/users/:user` against a path; params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/')
  const got = path.replace(/\/$/, '').split('/')
  if (want.length !== got.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!PARAM.test(got[i])) return null
      params[want[i].slice(1)] = got[i]
    } else if (want[i] !== got[i]) return null
  }
  return params
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e)
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(href)
  }
  return <a href={href} onClick={handle} {...rest} />
}

/** Sets the document title for a page. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Aero2 Dashboard`
  }, [title])
}
