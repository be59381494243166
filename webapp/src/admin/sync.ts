import { ApiError, api, endpoints, getJson, type Page, type SyncFile, type SyncJob, type UploadEvent } from '../common/api'
import { clear, h } from '../common/dom'
import { onOpen, subscribe } from '../common/events'
import { formatBytes, formatTime, percent } from '../common/format'
import { stateBadge } from './widgets'

/**
 * #/sync: the sync jobs (folders mirrored into S3) with their progress, and a form to add one;
 * #/sync/{id}: one job and its files. Every file version a job uploads is an ordinary upload, so
 * the event stream carries its progress: each event schedules a refresh of what is shown (at most
 * one a second) and moves the file's own progress bar at once.
 */
const OFF = 'Sync jobs are off on this server: set FORGE_SYNC_ROOTS to the folders they may read.'

/** Calls `fn` at most once per `ms`, the last request included. */
function throttle(fn: () => Promise<void>, ms: number): () => void {
  let running = false
  let again = false
  let last = 0
  const run = async (): Promise<void> => {
    if (running) {
      again = true
      return
    }
    const wait = last + ms - Date.now()
    if (wait > 0) {
      running = true
      await new Promise((r) => setTimeout(r, wait))
      running = false
    }
    running = true
    last = Date.now()
    try {
      await fn()
    } finally {
      running = false
      if (again) {
        again = false
        void run()
      }
    }
  }
  return () => void run()
}

function progress(j: SyncJob, testid: string): HTMLElement {
  const pct = Math.round(j.progress * 1000) / 10
  const bar = h('progress', { max: 100, testid: `${testid}-bar`, 'aria-label': 'Sync progress' })
  bar.value = pct
  return h('div', { class: 'state-cell' }, bar, h('span', { class: 'pct', testid: `${testid}-pct`, text: `${pct}%` }))
}

function filesText(j: SyncJob): string {
  return `${j.completed_files} / ${j.total_files}${j.failed_files ? ` · ${j.failed_files} failed` : ''}`
}

function errorText(err: unknown, what: string): string {
  return err instanceof ApiError ? `${what}: ${err.message}` : 'Could not reach the server.'
}

export function renderSyncJobs(root: HTMLElement): () => void {
  let disposed = false
  const folder = h('input', { name: 'folder', type: 'text', placeholder: '/absolute/folder/inside/FORGE_SYNC_ROOTS', testid: 'sync-folder', 'aria-label': 'Folder' })
  const pattern = h('input', { name: 'pattern', type: 'text', placeholder: '** (every file)', testid: 'sync-pattern', 'aria-label': 'Pattern' })
  const add = h('button', { class: 'btn primary', type: 'submit', testid: 'sync-create', text: 'Watch folder' })
  const form = h('form', { class: 'sync-form', testid: 'sync-form' }, folder, pattern, add)
  const message = h('p', { class: 'notice error', testid: 'sync-error', hidden: true })
  const off = h('p', { class: 'notice', testid: 'sync-off', text: OFF, hidden: true })
  const tbody = h('tbody', { testid: 'sync-jobs-body' })
  const empty = h('p', { class: 'empty muted', testid: 'sync-empty', text: 'No sync jobs yet.', hidden: true })
  root.append(
    h('div', { class: 'toolbar' }, h('h1', { text: 'Sync jobs' })),
    off,
    form,
    message,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'uploads', testid: 'sync-jobs-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { text: 'Folder' }),
            h('th', { class: 'col-type', text: 'Pattern' }),
            h('th', { text: 'State' }),
            h('th', { text: 'Progress' }),
            h('th', { class: 'num', text: 'Files' }),
            h('th', { class: 'num col-type', text: 'Bytes' }),
            h('th', { class: 'col-created', text: 'Last scan' }),
          ),
        ),
        tbody,
      ),
    ),
    empty,
  )

  function row(j: SyncJob): HTMLTableRowElement {
    const tr = h(
      'tr',
      { testid: `sync-row-${j.id}` },
      h('td', { class: 'folder' }, h('a', { href: `#/sync/${encodeURIComponent(j.id)}`, testid: `sync-link-${j.id}`, text: j.source_folder })),
      h('td', { class: 'col-type', text: j.pattern }),
      h('td', {}, stateBadge(j.state, `sync-state-${j.id}`)),
      h('td', {}, progress(j, `sync-progress-${j.id}`)),
      h('td', { class: 'num', testid: `sync-files-${j.id}`, text: filesText(j) }),
      h('td', { class: 'num col-type', text: `${formatBytes(j.done_bytes)} / ${formatBytes(j.total_bytes)}` }),
      h('td', { class: 'col-created', text: formatTime(j.last_scan_at) }),
    )
    tr.dataset.state = j.state
    return tr
  }

  async function load(): Promise<void> {
    try {
      const jobs: SyncJob[] = []
      let cursor: string | null = null
      do {
        const page: Page<SyncJob> = await getJson<Page<SyncJob>>(endpoints.syncJobs(cursor))
        jobs.push(...page.items)
        cursor = page.next_cursor
      } while (cursor && jobs.length < 1000)
      if (disposed) return
      clear(tbody)
      jobs.forEach((j) => tbody.append(row(j)))
      empty.hidden = jobs.length > 0
      message.hidden = true
    } catch (err) {
      if (disposed) return
      if (err instanceof ApiError && err.status === 404) {
        off.hidden = false
        form.hidden = true
        return
      }
      message.textContent = errorText(err, 'Could not load sync jobs')
      message.hidden = false
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    add.disabled = true
    message.hidden = true
    try {
      const body: Record<string, string> = { source_folder: folder.value.trim() }
      if (pattern.value.trim()) body.pattern = pattern.value.trim()
      await api(endpoints.syncJobs(), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
      folder.value = ''
      pattern.value = ''
      await load()
    } catch (err) {
      message.textContent = errorText(err, 'Could not add the folder')
      message.hidden = false
    } finally {
      add.disabled = false
    }
  })

  const refresh = throttle(load, 1000)
  const unsubscribe = subscribe(() => refresh())
  const unOpen = onOpen(refresh)
  void load()
  return () => {
    disposed = true
    unsubscribe()
    unOpen()
  }
}

interface FileRow {
  file: SyncFile
  tr: HTMLTableRowElement
  stateCell: HTMLTableCellElement
}

export function renderSyncJob(root: HTMLElement, id: string): () => void {
  let disposed = false
  let job: SyncJob | null = null
  let loadedPages = 1
  let nextCursor: string | null = null
  const rows = new Map<string, FileRow>() // by path
  const byUpload = new Map<string, FileRow>()

  const title = h('h1', { class: 'filename', testid: 'sync-job-folder', text: '…' })
  const stateHolder = h('span', { testid: 'sync-job-state-holder' })
  const bar = h('span', { testid: 'sync-job-progress-holder' })
  const summary = h('div', { class: 'sync-summary muted', testid: 'sync-job-summary' })
  const message = h('p', { class: 'notice error', testid: 'sync-job-error', hidden: true })
  const scan = h('button', { class: 'btn', type: 'button', testid: 'sync-scan', text: 'Scan now' })
  const stop = h('button', { class: 'btn danger', type: 'button', testid: 'sync-stop', text: 'Stop watching' })
  const tbody = h('tbody', { testid: 'sync-files-body' })
  const loadMore = h('button', { class: 'btn', type: 'button', testid: 'sync-files-more', text: 'Load more', hidden: true })

  const confirmStop = h('button', { class: 'btn danger solid', type: 'button', testid: 'sync-confirm-stop', text: 'Stop watching' })
  const cancelStop = h('button', { class: 'btn', type: 'button', text: 'Cancel' })
  const dialog = h(
    'dialog',
    { testid: 'sync-stop-dialog', 'aria-labelledby': 'sync-stop-title' },
    h('h2', { id: 'sync-stop-title', text: 'Stop watching this folder?' }),
    h('p', { text: 'Nothing more is uploaded from it. Its uploads and stored objects stay.' }),
    h('div', { class: 'dialog-actions' }, cancelStop, confirmStop),
  )

  root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/sync', testid: 'sync-back', text: '← Sync jobs' })),
    h('div', { class: 'detail-head' }, title, stateHolder, bar),
    summary,
    h('div', { class: 'actions' }, scan, stop),
    message,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'uploads', testid: 'sync-files-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { text: 'Path' }),
            h('th', { class: 'num', text: 'Size' }),
            h('th', { text: 'State' }),
            h('th', { class: 'col-type', text: 'Upload' }),
            h('th', { class: 'col-created', text: 'Modified' }),
            h('th', { text: 'Error' }),
          ),
        ),
        tbody,
      ),
    ),
    h('div', { class: 'more' }, loadMore),
    dialog,
  )

  function showJob(j: SyncJob): void {
    job = j
    title.textContent = j.source_folder
    clear(stateHolder)
    stateHolder.append(stateBadge(j.state, 'sync-job-state'))
    clear(bar)
    bar.append(progress(j, 'sync-job-progress'))
    clear(summary)
    summary.append(
      h('span', { testid: 'sync-job-files', text: `${filesText(j)} files` }),
      h('span', { text: `${formatBytes(j.done_bytes)} of ${formatBytes(j.total_bytes)}` }),
      h('span', {}, 'pattern ', h('code', { text: j.pattern })),
      h('span', { text: `last scan ${formatTime(j.last_scan_at)}` }),
    )
    if (j.last_scan_error != null) {
      summary.append(
        h('span', { class: 'error', testid: 'sync-job-scan-error', role: 'alert',
          text: `last scan failed: ${j.last_scan_error}` }),
      )
    }
  }

  function fillState(r: FileRow, offset?: number): void {
    clear(r.stateCell)
    const f = r.file
    const cell = h('div', { class: 'state-cell' }, stateBadge(f.state, `sync-file-state-${f.path}`))
    if (f.state === 'in_progress' && offset != null) {
      const p = h('progress', { max: 100, 'aria-label': 'Upload progress' })
      p.value = percent(offset, f.size)
      cell.append(p)
    }
    r.stateCell.append(cell)
    r.tr.dataset.state = f.state
  }

  function makeRow(f: SyncFile): FileRow {
    const r: FileRow = { file: f, tr: h('tr', { testid: `sync-file-${f.path}` }), stateCell: h('td', { class: 'state' }) }
    r.tr.classList.toggle('gone', f.deleted_at != null)
    r.tr.title = f.deleted_at ? `left the folder ${formatTime(f.deleted_at)}` : ''
    const upload = f.upload_id
      ? h('a', { href: `#/uploads/${encodeURIComponent(f.upload_id)}`, text: f.upload_id.slice(0, 8) })
      : '—'
    r.tr.append(
      h('td', { class: 'path', text: f.path }),
      h('td', { class: 'num', text: formatBytes(f.size) }),
      r.stateCell,
      h('td', { class: 'col-type' }, upload),
      h('td', { class: 'col-created', text: formatTime(f.mtime) }),
      h('td', { class: 'error', text: f.error ?? '' }),
    )
    fillState(r)
    return r
  }

  async function loadFiles(): Promise<void> {
    const files: SyncFile[] = []
    let cursor: string | null = null
    for (let i = 0; i < loadedPages; i++) {
      const page: Page<SyncFile> = await getJson<Page<SyncFile>>(endpoints.syncFiles(id, cursor))
      files.push(...page.items)
      cursor = page.next_cursor
      if (!cursor) break
    }
    if (disposed) return
    nextCursor = cursor
    rows.clear()
    byUpload.clear()
    clear(tbody)
    for (const f of files) {
      const r = makeRow(f)
      rows.set(f.path, r)
      if (f.upload_id) byUpload.set(f.upload_id, r)
      tbody.append(r.tr)
    }
    loadMore.hidden = !nextCursor
  }

  async function load(): Promise<void> {
    try {
      const j = await getJson<SyncJob>(endpoints.syncJob(id))
      if (disposed) return
      showJob(j)
      await loadFiles()
      message.hidden = true
    } catch (err) {
      if (disposed) return
      message.textContent = err instanceof ApiError && err.status === 404 && !job
        ? 'No such sync job (or sync jobs are off).'
        : errorText(err, 'Could not load the job')
      message.hidden = false
    }
  }

  scan.addEventListener('click', async () => {
    scan.disabled = true
    try {
      showJob(await (await api(endpoints.syncScan(id), { method: 'POST' })).json())
      await loadFiles()
    } catch (err) {
      message.textContent = errorText(err, 'Scan failed')
      message.hidden = false
    } finally {
      scan.disabled = false
    }
  })
  stop.addEventListener('click', () => dialog.showModal())
  cancelStop.addEventListener('click', () => dialog.close())
  confirmStop.addEventListener('click', async () => {
    try {
      await api(endpoints.syncJob(id), { method: 'DELETE' })
      dialog.close()
      window.location.hash = '#/sync'
    } catch (err) {
      dialog.close()
      message.textContent = errorText(err, 'Could not stop the job')
      message.hidden = false
    }
  })
  loadMore.addEventListener('click', async () => {
    loadedPages++
    await load()
  })

  const refresh = throttle(load, 1000)
  const unsubscribe = subscribe((e: UploadEvent) => {
    const r = byUpload.get(e.id)
    if (r && e.offset != null && r.file.state === 'in_progress') fillState(r, e.offset)
    refresh()
  })
  const unOpen = onOpen(refresh)
  void load()
  return () => {
    disposed = true
    unsubscribe()
    unOpen()
  }
}
