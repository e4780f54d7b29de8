// The management API's shapes, as the Dashboard reads them.
export interface Team {
  id: string
  slug: string
  name: string
  personal: boolean
  role: 'owner' | 'admin' | 'developer' | 'viewer' | null
}

export interface Branding {
  logo_url?: string | null
  primary_color?: string | null
}

export interface Settings {
  allowed_origins?: string[]
  signup?: { mode?: string; allowed_domains?: string[] } | null
  email_verification?: string | null
  lockout?: { max_failures: number; window_seconds: number; lock_seconds: number } | null
  rate_limits?: Record<string, { max?: number; window_seconds?: number }> | null
  authorization_code_ttl_seconds?: number | null
  refresh_token_reuse_leeway_seconds?: number | null
  recent_sign_in_seconds?: number | null
  mfa?: string | null
  branding?: Branding | null
  [key: string]: unknown
}

export interface Application {
  id: string
  slug: string
  name: string
  team_id: string | null
  settings: Settings
  created_at: number
  updated_at: number
}

export interface Client {
  client_id: string
  name: string
  client_type: 'public' | 'confidential'
  token_endpoint_auth_method: string
  redirect_uris: string[]
  post_logout_redirect_uris: string[]
  grant_types: string[]
  scopes: string
  first_party: boolean
  require_pkce: boolean
  disabled: boolean
  organization_usage: string
  created_at: number
  client_secret?: string
}

export interface User {
  id: string
  email: string | null
  email_verified: boolean
  name: string | null
  picture?: string | null
  disabled: boolean
  created_at: number
  updated_at: number
}

export interface ApiKey {
  id: string
  kind: 'pk' | 'sk'
  name: string
  prefix: string
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
  key?: string
}

export interface SigningKey {
  kid: string
  alg: string
  status: 'pending' | 'active' | 'retired'
  created_at: number
  activates_at: number
  expires_at: number | null
}

export interface AuditEntry {
  seq: number
  at: number
  type: string
  actor: string
  user_id?: string | null
  ip?: string | null
  request_id?: string | null
  org_id?: string | null
  detail?: Record<string, unknown>
  before?: unknown
  after?: unknown
  hash: string
}

export interface Role {
  id: string
  name: string
  description?: string | null
  organization_permissions?: string[]
}
