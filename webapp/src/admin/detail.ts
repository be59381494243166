import { ApiError, api, endpoints, getJson, type TimelineEntry, type Upload, type UploadEvent } from '../common/api'
import { clear, h } from '../common/dom'
import { onOpen, subscribe } from '../common/events'
import { formatBytes, formatTime, percent } from '../common/format'
import { sharesCard, versionsCard } from './files'
import { stateBadge } from './widgets'

const PREVIEW_TEXT_BYTES = 64 * 1024
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])
// Bytes are readable (from staging or the object store) once the upload is complete.
const READABLE = new Set(['queued', 'storing', 'stored', 'failed'])

/** #/uploads/{id}: metadata, checksum, storage key, timeline, preview, download, delete, retry. */
export function renderDetail(root: HTMLElement, id: string): () => void {
  let disposed = false
  let upload: Upload | null = null
  let previewFor: string | null = null // state the preview was built for

  const title = h('h1', { class: 'filename', testid: 'detail-filename', text: '…' })
  const stateHolder = h('span', { testid: 'detail-state-holder' })
  const actions = h('div', { class: 'actions' })
  const message = h('p', { class: 'notice error', testid: 'detail-error', hidden: true })
  const props = h('tbody')
  const meta = h('tbody')
  const timeline = h('ol', { class: 'timeline', testid: 'timeline' })
  const preview = h('div', { class: 'preview', testid: 'preview' })
  const progress = h('progress', { max: 100, testid: 'detail-progress', hidden: true })
  const shares = sharesCard(id)
  const versions = versionsCard(id)

  root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/', testid: 'back', text: '← Uploads' })),
    h('div', { class: 'detail-head' }, title, stateHolder, progress),
    actions,
    message,
    h(
      'div',
      { class: 'detail-grid' },
      h(
        'section',
        { class: 'card' },
        h('h2', { text: 'Upload' }),
        h('table', { class: 'kv', testid: 'detail-table' }, props),
        h('h2', { text: 'Metadata' }),
        h('table', { class: 'kv', testid: 'detail-metadata' }, meta),
      ),
      h(
        'div',
        { class: 'side' },
        h('section', { class: 'card' }, h('h2', { text: 'Preview' }), preview),
        h('section', { class: 'card' }, h('h2', { text: 'Timeline' }), timeline),
        shares.el,
        versions.el,
      ),
    ),
  )

  /* ---- delete confirmation (a <dialog>, so tests can drive it) ---- */
  const dialogText = h('p')
  const cancel = h('button', { class: 'btn', type: 'button', testid: 'cancel-delete', text: 'Cancel' })
  const confirm = h('button', { class: 'btn danger solid', type: 'button', testid: 'confirm-delete', text: 'Delete' })
  const dialog = h(
    'dialog',
    { testid: 'delete-dialog', 'aria-labelledby': 'delete-title' },
    h('h2', { id: 'delete-title', text: 'Delete upload?' }),
    dialogText,
    h('div', { class: 'dialog-actions' }, cancel, confirm),
  )
  root.append(dialog)
  cancel.addEventListener('click', () => dialog.close())
  confirm.addEventListener('click', async () => {
    confirm.disabled = true
    try {
      await api(endpoints.upload(id), { method: 'DELETE' })
      dialog.close()
      window.location.hash = '#/'
    } catch (err) {
      dialog.close()
      showError(err, 'Delete failed')
    } finally {
      confirm.disabled = false
    }
  })

  function showError(err: unknown, what: string): void {
    message.textContent = `${what}: ${err instanceof ApiError ? err.message : 'the server could not be reached'}`
    message.hidden = false
  }

  function kv(tbody: HTMLElement, key: string, value: string | Node, testid?: string): void {
    const td = h('td', { testid })
    if (typeof value === 'string') td.textContent = value
    else td.append(value)
    tbody.append(h('tr', {}, h('th', { text: key }), td))
  }

  function render(u: Upload): void {
    document.title = `${u.filename || u.id} · ForgeUpload`
    title.textContent = u.filename || u.id
    title.title = u.filename ?? ''
    clear(stateHolder)
    stateHolder.append(stateBadge(u.state, 'detail-state'))
    progress.hidden = u.state !== 'uploading'
    progress.value = percent(u.offset, u.length)

    clear(actions)
    const gone = u.state === 'deleted' || u.state === 'expired'
    if (READABLE.has(u.state)) {
      actions.append(
        h('a', { class: 'btn primary', href: endpoints.content(u.id), download: u.filename || '', testid: 'download-link', text: 'Download' }),
      )
    }
    if (u.state === 'failed') {
      const retry = h('button', { class: 'btn', type: 'button', testid: 'retry-button', text: 'Retry' })
      retry.addEventListener('click', async () => {
        retry.disabled = true
        try {
          await api(endpoints.retry(u.id), { method: 'POST' })
          await refresh()
        } catch (err) {
          showError(err, 'Retry failed')
          retry.disabled = false
        }
      })
      actions.append(retry)
    }
    if (!gone) {
      const del = h('button', { class: 'btn danger', type: 'button', testid: 'delete-button', text: 'Delete' })
      del.addEventListener('click', () => {
        dialogText.textContent = `“${u.filename || u.id}” will be removed from storage and the database. This cannot be undone.`
        dialog.showModal()
      })
      actions.append(del)
    }

    clear(props)
    kv(props, 'ID', h('code', { text: u.id }), 'detail-id')
    kv(props, 'Filename', u.filename ?? '—', 'detail-name')
    kv(props, 'Content type', u.content_type ?? '—', 'detail-type')
    kv(props, 'Size', u.length == null ? 'unknown (deferred)' : `${formatBytes(u.length)} (${u.length.toLocaleString()} bytes)`, 'detail-size')
    kv(props, 'Received', `${formatBytes(u.offset)} (${percent(u.offset, u.length).toFixed(0)}%)`, 'detail-offset')
    kv(props, 'State', u.state, 'detail-state-text')
    kv(props, 'SHA-256', u.sha256 ? h('code', { class: 'hash', text: u.sha256 }) : '—', 'detail-sha256')
    kv(props, 'Storage key', u.storage_key ? h('code', { text: u.storage_key }) : '—', 'detail-storage-key')
    kv(props, 'Created', formatTime(u.created_at), 'detail-created')
    kv(props, 'Updated', formatTime(u.updated_at), 'detail-updated')
    kv(props, 'Stored', formatTime(u.stored_at), 'detail-stored')
    if (u.error) kv(props, 'Error', u.error, 'detail-error-text')

    clear(meta)
    const entries = Object.entries(u.metadata ?? {})
    if (!entries.length) meta.append(h('tr', {}, h('td', { class: 'muted', text: 'none' })))
    for (const [k, v] of entries) kv(meta, k, v ?? '(no value)', `meta-${k}`)

    if (previewFor !== (READABLE.has(u.state) ? 'readable' : u.state)) renderPreview(u)
  }

  function renderPreview(u: Upload): void {
    previewFor = READABLE.has(u.state) ? 'readable' : u.state
    clear(preview)
    if (!READABLE.has(u.state)) {
      preview.append(h('p', { class: 'muted', text: u.state === 'uploading' ? 'Available once the upload is complete.' : 'No content.' }))
      return
    }
    const type = (u.content_type ?? '').split(';')[0].trim().toLowerCase()
    const src = endpoints.content(u.id, true)
    if (IMAGE_TYPES.has(type)) {
      preview.append(h('img', { src, alt: u.filename ?? 'preview', testid: 'preview-image' }))
    } else if (type.startsWith('audio/')) {
      preview.append(h('audio', { src, controls: true, preload: 'metadata', testid: 'preview-audio' }))
    } else if (type.startsWith('video/')) {
      preview.append(h('video', { src, controls: true, preload: 'metadata', testid: 'preview-video' }))
    } else if (type === 'application/pdf') {
      // <object>/<embed> are blocked by object-src 'none'; the browser's viewer opens it in a tab.
      preview.append(h('a', { class: 'btn', href: src, target: '_blank', rel: 'noopener', testid: 'preview-pdf', text: 'Open PDF ↗' }))
    } else if (type.startsWith('text/') || type === 'application/json') {
      const pre = h('pre', { testid: 'preview-text', text: 'Loading…' })
      preview.append(pre)
      void loadText(u, pre)
    } else {
      preview.append(h('p', { class: 'muted', text: `No preview for ${type || 'unknown type'}.` }))
    }
  }

  async function loadText(u: Upload, pre: HTMLPreElement): Promise<void> {
    try {
      const res = await api(`/api/v1/uploads/${encodeURIComponent(u.id)}/content?inline=1`, {
        headers: { Range: `bytes=0-${PREVIEW_TEXT_BYTES - 1}`, Accept: '*/*' },
      })
      let buf = await res.arrayBuffer()
      if (buf.byteLength > PREVIEW_TEXT_BYTES) buf = buf.slice(0, PREVIEW_TEXT_BYTES) // server ignored Range
      pre.textContent = new TextDecoder('utf-8', { fatal: false }).decode(buf)
      if ((u.length ?? 0) > PREVIEW_TEXT_BYTES) {
        pre.after(h('p', { class: 'muted', text: `First ${formatBytes(PREVIEW_TEXT_BYTES)} of ${formatBytes(u.length)}.` }))
      }
    } catch (err) {
      pre.textContent = err instanceof ApiError ? `Preview unavailable: ${err.message}` : 'Preview unavailable.'
    }
  }

  function renderTimeline(items: TimelineEntry[]): void {
    clear(timeline)
    if (!items.length) timeline.append(h('li', { class: 'muted', text: 'No history yet.' }))
    for (const t of items) {
      const li = h('li', {}, stateBadge(t.state), h('time', { datetime: t.at, text: formatTime(t.at) }))
      li.dataset.state = t.state
      if (t.error) li.append(h('div', { class: 'error', text: t.error }))
      timeline.append(li)
    }
  }

  async function refresh(): Promise<void> {
    try {
      const [u, tl] = await Promise.all([
        getJson<Upload>(endpoints.upload(id)),
        getJson<{ items: TimelineEntry[] }>(endpoints.timeline(id)).catch(() => ({ items: [] as TimelineEntry[] })),
      ])
      if (disposed) return
      upload = u
      message.hidden = true
      render(u)
      renderTimeline(tl.items ?? [])
      shares.update(u)
      versions.update(u)
    } catch (err) {
      if (disposed) return
      if (err instanceof ApiError && err.status === 404) {
        title.textContent = 'Upload not found'
        clear(actions)
        message.textContent = `No upload with id ${id}: it may have been deleted.`
        message.hidden = false
      } else showError(err, 'Could not load upload')
    }
  }

  function onEvent(e: UploadEvent): void {
    if (e.id !== id || !upload) return
    if (e.state && e.state !== upload.state) {
      void refresh() // new state: pick up sha256, storage key, timeline
      return
    }
    if (e.offset != null) upload.offset = Math.max(upload.offset, e.offset)
    if (e.length != null) upload.length = e.length
    if (!frame) {
      // progress events can be many per second: redraw at most once per frame
      frame = requestAnimationFrame(() => {
        frame = 0
        if (upload && !disposed) render(upload)
      })
    }
  }
  let frame = 0

  const unsubscribe = subscribe(onEvent)
  const unOpen = onOpen(() => void refresh())
  void refresh()
  return () => {
    disposed = true
    if (frame) cancelAnimationFrame(frame)
    unsubscribe()
    unOpen()
    if (dialog.open) dialog.close()
  }
}
