import type { Application } from './types'

/** The issuer of an application: its subdomain of this platform. */
export function issuerOf(app: Pick<Application, 'slug'>): string {
  const { protocol, host } = window.location
  const platform = host.replace(/^dashboard\./, '')
  return `${protocol}//${app.slug}.${platform}`
}

/** Why a slug cannot be an application's subdomain, or null if it can. */
export function slugProblem(slug: string): string | null {
  if (slug.length < 3) return 'At least 3 characters.'
  if (slug.length > 63) return 'At most 63 characters.'
  if (!/^[a-z0-9-]+$/.test(slug)) return 'Only lower-case letters, digits and hyphens.'
  if (slug.startsWith('-') || slug.endsWith('-')) return 'Cannot start or end with a hyphen.'
  return null
}
