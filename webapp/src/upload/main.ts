import Uppy, { type Meta, type UppyFile } from '@uppy/core'
import Dashboard from '@uppy/dashboard'
import GoldenRetriever from '@uppy/golden-retriever'
import Tus, { type TusBody } from '@uppy/tus'
import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import '../common/style.css'
import './upload.css'

import { endpoints, getJson, type Upload, type UploadState } from '../common/api'
import { askForToken, getToken } from '../common/auth'
import { h } from '../common/dom'
import { onOpen, subscribe } from '../common/events'
import { formatBytes, uploadIdFromUrl } from '../common/format'

const uppy = new Uppy<Meta, TusBody>({
  id: 'forgeupload',
  autoProceed: false,
  allowMultipleUploadBatches: true,
  // Uppy's own rule (no duplicates, but let Golden Retriever's restored "ghost" files back in),
  // plus: drop `relativePath: null`, which tus would otherwise send as the string "null".
  onBeforeFileAdded(file, files) {
    const existing = files[file.id]
    if (existing && !existing.isGhost) return false
    if (file.meta.relativePath == null && 'relativePath' in file.meta) {
      const { relativePath: _, ...meta } = file.meta
      return { ...file, meta: meta as typeof file.meta }
    }
    return true
  },
})
  .use(Dashboard, {
    inline: true,
    target: '#uppy',
    width: '100%',
    height: 440,
    proudlyDisplayPoweredByUppy: false,
    note: 'Any number of files, any size. Uploads resume after a reload or a lost connection.',
  })
  .use(Tus, {
    endpoint: '/files/',
    retryDelays: [0, 1000, 3000, 5000],
    // chunkSize unset: one PATCH per file, resumed from the server's offset when interrupted.
    // storeFingerprintForResuming (default true) keeps upload URLs in localStorage.
    onBeforeRequest(req) {
      const t = getToken()
      if (t) req.setHeader('Authorization', `Bearer ${t}`)
    },
  })
  // Default mode (no service worker): restores file state and small files after a reload;
  // tus's fingerprint store resumes the bytes when the user re-adds a large file.
  .use(GoldenRetriever)

uppy.on('upload-error', (_file, _err, response) => {
  const status = response?.status
  if (status === 401 || status === 403) askForToken('Uploads need an access token.')
})

/* ---- server-side state per finished upload: queued -> storing -> stored ---- */

interface Tracked {
  state: UploadState | null
  at: number
  stateEl: HTMLElement
}
const tracked = new Map<string, Tracked>()
const list = document.getElementById('server-states') as HTMLUListElement
const section = document.getElementById('server-state-section') as HTMLElement

function refresh(id: string): void {
  getJson<Upload>(endpoints.upload(id))
    .then((u) => setState(id, u.state, u.updated_at ?? u.stored_at ?? u.created_at))
    .catch(() => {
      const t = tracked.get(id)
      if (t && !t.state) t.stateEl.textContent = 'uploaded'
    })
}

// Listen from the start, so a fast worker's queued/storing/stored events are not missed; when
// the stream (re)connects, fetch the uploads still on their way once.
subscribe((e) => setState(e.id, e.state, e.at))
onOpen(() => {
  for (const [id, t] of tracked) if (t.state !== 'stored' && t.state !== 'deleted') refresh(id)
})

const LABEL: Record<string, string> = {
  uploading: 'uploading…',
  queued: 'queued',
  storing: 'storing…',
  stored: 'stored ✓',
  concatenated: 'in a stored upload',
  failed: 'failed ✗',
  expired: 'expired',
  deleted: 'deleted',
}

function setState(id: string, state: UploadState | undefined, at: string | null | undefined): void {
  const t = tracked.get(id)
  if (!t || !state) return
  // Events and the one-off fetch race; the newest timestamp wins.
  const ts = at ? Date.parse(at) : Date.now()
  if (t.state && !Number.isNaN(ts) && ts < t.at) return
  t.state = state
  t.at = Number.isNaN(ts) ? t.at : ts
  t.stateEl.textContent = LABEL[state] ?? state
  t.stateEl.className = `badge ${state}`
  t.stateEl.dataset.state = state
}

function track(file: UppyFile<Meta, TusBody>, uploadUrl: string | null | undefined): void {
  const id = uploadIdFromUrl(uploadUrl)
  if (!id || tracked.has(id)) return
  const stateEl = h('span', { class: 'badge', testid: `server-state-value-${id}`, text: 'checking…' })
  const row = h(
    'li',
    { testid: `server-state-${id}` },
    h('span', { class: 'name', title: file.name ?? '', text: file.name ?? id }),
    h('span', { class: 'size', text: formatBytes(file.size) }),
    stateEl,
    h('a', { href: `/admin/#/uploads/${encodeURIComponent(id)}`, testid: `admin-link-${id}`, text: 'details' }),
  )
  tracked.set(id, { state: null, at: 0, stateEl })
  list.prepend(row)
  section.hidden = false
  refresh(id)
}

uppy.on('upload-success', (file, response) => {
  if (!file) return
  track(file, response?.uploadURL ?? file.tus?.uploadUrl)
})

// For tests and debugging in the console.
declare global {
  interface Window {
    uppy?: typeof uppy
  }
}
window.uppy = uppy
