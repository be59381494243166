import { askForToken, authHeaders, withToken } from './auth'

export type UploadState = 'uploading' | 'queued' | 'storing' | 'stored' | 'concatenated' | 'failed' | 'expired' | 'deleted'
export const STATES: UploadState[] = ['uploading', 'queued', 'storing', 'stored', 'concatenated', 'failed', 'expired', 'deleted']

export interface Upload {
  id: string
  filename: string | null
  content_type: string | null
  length: number | null
  offset: number
  state: UploadState
  sha256: string | null
  storage_key: string | null
  metadata: Record<string, string | null> | null
  created_at: string
  updated_at: string | null
  stored_at: string | null
  error: string | null
}

/** A share link (GET /api/v1/uploads/{id}/shares); only a new one carries its url. */
export interface ShareLink {
  id: string
  upload_id: string
  expires_at: string
  max_downloads: number | null
  downloads: number
  created_at: string
  created_by: string | null
  revoked_at: string | null
  status: 'active' | 'revoked' | 'expired' | 'used_up'
  url?: string
}

/** One version of a file (GET /api/v1/uploads/{id}/versions). */
export type Version = Upload & { version: number }

export interface BulkResult {
  id: string
  status: number
  code: string | null
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export interface TimelineEntry {
  state: UploadState
  error: string | null
  at: string
}

export interface Stats {
  per_day: { day: string; uploads: number; bytes: number }[]
  by_type: { content_type: string | null; uploads: number; bytes: number }[]
  by_state: { state: string; uploads: number }[]
  storage: {
    stored_bytes: number
    stored_objects: number
    physical_bytes: number
    dedup_saved_bytes: number
    compression_saved_bytes: number
  }
  downloads_per_day: { day: string; downloads: number }[]
  top_downloads: { id: string; filename: string | null; downloads: number }[]
}

export type DeliveryState = 'pending' | 'delivered' | 'failed'

/** One hook notification (GET /api/v1/hooks/deliveries). */
export interface HookDelivery {
  id: string
  event: string
  upload_id: string
  state: DeliveryState
  attempts: number
  last_status: number | null
  last_error: string | null
  created_at: string
  delivered_at: string | null
}

/** Server-Sent Event payload from /api/v1/events. */
export interface UploadEvent {
  type: 'progress' | 'state'
  id: string
  state?: UploadState
  offset?: number
  length?: number | null
  at?: string
}

export type SyncJobState = 'pending' | 'in_progress' | 'completed' | 'failed'
export type SyncFileState = 'pending' | 'in_progress' | 'uploaded' | 'failed'

export interface SyncJob {
  id: string
  source_folder: string
  pattern: string
  state: SyncJobState
  progress: number
  total_files: number
  completed_files: number
  failed_files: number
  total_bytes: number
  done_bytes: number
  created_at: string
  updated_at: string
  last_scan_at: string | null
  last_scan_error: string | null
}

export interface SyncFile {
  path: string
  size: number
  mtime: string
  state: SyncFileState
  upload_id: string | null
  sha256: string | null
  storage_key: string | null
  error: string | null
  deleted_at: string | null
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** fetch() against the API with the token header; JSON errors {code, message} become ApiError. */
export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  for (const [k, v] of Object.entries(authHeaders())) headers.set(k, v)
  if (!headers.has('Accept')) headers.set('Accept', 'application/json')
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' })
  if (res.ok || res.status === 206) return res
  let code = `http_${res.status}`
  let message = `${res.status} ${res.statusText}`
  try {
    const body = await res.json()
    if (body && typeof body === 'object') {
      if (typeof body.code === 'string') code = body.code
      if (typeof body.message === 'string') message = body.message
    }
  } catch {
    /* not JSON */
  }
  if (res.status === 401 || res.status === 403) askForToken(message)
  throw new ApiError(res.status, code, message)
}

export async function getJson<T>(path: string): Promise<T> {
  return (await api(path)).json() as Promise<T>
}

const enc = encodeURIComponent

export const endpoints = {
  list: (p: { limit?: number; cursor?: string | null; state?: string; q?: string; sort?: string; order?: string }) => {
    const qs = new URLSearchParams()
    qs.set('limit', String(p.limit ?? 50))
    if (p.cursor) qs.set('cursor', p.cursor)
    if (p.state) qs.set('state', p.state)
    if (p.q) qs.set('q', p.q)
    if (p.sort) qs.set('sort', p.sort)
    if (p.order) qs.set('order', p.order)
    return `/api/v1/uploads?${qs}`
  },
  upload: (id: string) => `/api/v1/uploads/${enc(id)}`,
  timeline: (id: string) => `/api/v1/uploads/${enc(id)}/timeline`,
  retry: (id: string) => `/api/v1/uploads/${enc(id)}/retry`,
  shares: (id: string) => `/api/v1/uploads/${enc(id)}/shares`,
  share: (id: string) => `/api/v1/shares/${enc(id)}`,
  versions: (id: string) => `/api/v1/uploads/${enc(id)}/versions`,
  bulkDelete: () => '/api/v1/uploads/delete',
  stats: () => '/api/v1/stats',
  syncJobs: (cursor?: string | null) => `/api/v1/sync-jobs?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`,
  syncJob: (id: string) => `/api/v1/sync-jobs/${enc(id)}`,
  syncFiles: (id: string, cursor?: string | null) =>
    `/api/v1/sync-jobs/${enc(id)}/files?limit=200${cursor ? `&cursor=${enc(cursor)}` : ''}`,
  syncScan: (id: string) => `/api/v1/sync-jobs/${enc(id)}/scan`,
  hookDeliveries: (p: { limit?: number; cursor?: string | null; state?: string; uploadId?: string }) => {
    const qs = new URLSearchParams()
    qs.set('limit', String(p.limit ?? 50))
    if (p.cursor) qs.set('cursor', p.cursor)
    if (p.state) qs.set('state', p.state)
    if (p.uploadId) qs.set('upload_id', p.uploadId)
    return `/api/v1/hooks/deliveries?${qs}`
  },
  redeliver: (id: string) => `/api/v1/hooks/deliveries/${enc(id)}/redeliver`,
  /** For <a href>/<img src>: these can't send headers, so the token rides in the query. */
  content: (id: string, inline = false) => withToken(`/api/v1/uploads/${enc(id)}/content${inline ? '?inline=1' : ''}`),
  events: () => withToken('/api/v1/events'),
}
