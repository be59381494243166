import { ApiError, api, endpoints, getJson, STATES, type BulkResult, type Page, type Upload, type UploadEvent } from '../common/api'
import { clear, debounce, h } from '../common/dom'
import { onOpen, subscribe } from '../common/events'
import { formatBytes, formatTime, percent } from '../common/format'
import { stateBadge } from './widgets'

/**
 * The uploads table. Pages come from the cursor API and are only ever appended ("Load more");
 * uploads that appear later arrive over SSE and are inserted in place, so the cursor stays valid
 * and nothing shifts under the reader. Rows are updated in place from progress/state events.
 */
interface Filters {
  q: string
  state: string
  sort: 'created' | 'size'
  order: 'desc' | 'asc'
}
// Survives navigating to a detail view and back.
const filters: Filters = { q: '', state: '', sort: 'created', order: 'desc' }

const SORTS: { value: string; label: string }[] = [
  { value: 'created:desc', label: 'Newest first' },
  { value: 'created:asc', label: 'Oldest first' },
  { value: 'size:desc', label: 'Largest first' },
  { value: 'size:asc', label: 'Smallest first' },
]

interface Row {
  upload: Upload
  tr: HTMLTableRowElement
  stateCell: HTMLTableCellElement
  sizeCell: HTMLTableCellElement
  storedCell: HTMLTableCellElement
}

export function renderList(root: HTMLElement): () => void {
  const rows = new Map<string, Row>()
  const selected = new Set<string>()
  const pending = new Map<string, UploadEvent | null>() // ids being fetched -> latest event seen meanwhile
  let nextCursor: string | null = null
  let generation = 0
  let disposed = false

  /* ---- controls ---- */
  const search = h('input', {
    type: 'search',
    placeholder: 'Search filename…',
    testid: 'search',
    'aria-label': 'Search by filename',
    value: filters.q,
  })
  const stateSelect = h(
    'select',
    { testid: 'state-filter', 'aria-label': 'Filter by state' },
    h('option', { value: '', text: 'All states' }),
    ...STATES.map((s) => h('option', { value: s, text: s })),
  )
  stateSelect.value = filters.state
  const sortSelect = h(
    'select',
    { testid: 'sort', 'aria-label': 'Sort' },
    ...SORTS.map((s) => h('option', { value: s.value, text: s.label })),
  )
  sortSelect.value = `${filters.sort}:${filters.order}`
  const count = h('span', { class: 'muted', testid: 'uploads-count' })
  const selectAll = h('input', { type: 'checkbox', testid: 'select-all', 'aria-label': 'Select all shown uploads' })
  const bulkDelete = h('button', { class: 'btn danger', type: 'button', testid: 'bulk-delete', text: 'Delete selected', disabled: true })
  const bulkNote = h('span', { class: 'muted', testid: 'bulk-result' })

  const tbody = h('tbody', { testid: 'uploads-body' })
  const table = h(
    'table',
    { class: 'uploads', testid: 'uploads-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'select' }, selectAll),
        h('th', { text: 'Filename' }),
        h('th', { class: 'num', text: 'Size' }),
        h('th', { class: 'col-type', text: 'Type' }),
        h('th', { text: 'State' }),
        h('th', { class: 'col-created', text: 'Created' }),
        h('th', { class: 'col-stored', text: 'Stored' }),
      ),
    ),
    tbody,
  )
  const empty = h('p', { class: 'empty muted', testid: 'empty', text: 'No uploads yet.', hidden: true })
  const message = h('p', { class: 'notice error', testid: 'list-error', hidden: true })
  const loadMore = h('button', { class: 'btn', type: 'button', testid: 'load-more', text: 'Load more', hidden: true })

  root.append(
    h('div', { class: 'toolbar' }, h('h1', { text: 'Uploads' }), count),
    h('div', { class: 'filters' }, search, stateSelect, sortSelect),
    h('div', { class: 'bulk-bar' }, bulkDelete, bulkNote),
    message,
    h('div', { class: 'table-wrap' }, table),
    empty,
    h('div', { class: 'more' }, loadMore),
  )

  /* ---- rows ---- */
  function fillState(r: Row): void {
    const u = r.upload
    clear(r.stateCell)
    const cell = h('div', { class: 'state-cell' }, stateBadge(u.state, `state-${u.id}`))
    if (u.state === 'uploading') {
      const pct = percent(u.offset, u.length)
      const bar = h('progress', { max: 100, testid: `progress-${u.id}`, 'aria-label': 'Upload progress' })
      bar.value = pct
      cell.append(bar, h('span', { class: 'pct', text: u.length ? `${pct.toFixed(0)}%` : formatBytes(u.offset) }))
    }
    r.stateCell.append(cell)
    r.sizeCell.textContent = formatBytes(u.length)
    r.sizeCell.title = u.length == null ? 'length not known yet' : `${u.length.toLocaleString()} bytes`
    r.storedCell.textContent = formatTime(u.stored_at)
    r.tr.dataset.state = u.state
  }

  function makeRow(u: Upload): Row {
    const link = h('a', { href: `#/uploads/${encodeURIComponent(u.id)}`, testid: `link-${u.id}`, text: u.filename || u.id })
    link.title = u.filename ?? ''
    const r: Row = {
      upload: u,
      tr: h('tr', { testid: `row-${u.id}` }),
      stateCell: h('td', { class: 'state' }),
      sizeCell: h('td', { class: 'num' }),
      storedCell: h('td', { class: 'col-stored' }),
    }
    r.tr.dataset.id = u.id
    const box = h('input', { type: 'checkbox', testid: `select-${u.id}`, 'aria-label': `Select ${u.filename || u.id}` })
    box.checked = selected.has(u.id)
    box.addEventListener('change', () => {
      if (box.checked) selected.add(u.id)
      else selected.delete(u.id)
      updateSelection()
    })
    r.tr.append(
      h('td', { class: 'select' }, box),
      h('td', { class: 'filename' }, link),
      r.sizeCell,
      h('td', { class: 'col-type', text: u.content_type || '—' }),
      r.stateCell,
      h('td', { class: 'col-created', text: formatTime(u.created_at) }),
      r.storedCell,
    )
    fillState(r)
    return r
  }

  function updateSelection(): void {
    for (const id of selected) if (!rows.has(id)) selected.delete(id)
    bulkDelete.disabled = selected.size === 0
    bulkDelete.textContent = selected.size ? `Delete selected (${selected.size})` : 'Delete selected'
    selectAll.checked = rows.size > 0 && selected.size === rows.size
    selectAll.indeterminate = selected.size > 0 && selected.size < rows.size
  }

  function removeRow(id: string): void {
    rows.get(id)?.tr.remove()
    rows.delete(id)
    selected.delete(id)
  }

  function updateCount(): void {
    count.textContent = rows.size ? `${rows.size}${nextCursor ? '+' : ''} shown` : ''
    empty.hidden = rows.size > 0
    loadMore.hidden = !nextCursor
  }

  function appendItems(items: Upload[]): void {
    for (const u of items) {
      // Deleted uploads stay in the database for the record; the table shows them only on request.
      if (u.state === 'deleted' && filters.state !== 'deleted') continue
      const existing = rows.get(u.id)
      if (existing) {
        // Already inserted live while the page was in flight: no duplicate, keep the furthest offset.
        existing.upload = { ...u, offset: Math.max(u.offset, existing.upload.offset) }
        fillState(existing)
        continue
      }
      const r = makeRow(u)
      rows.set(u.id, r)
      tbody.append(r.tr)
    }
  }

  function matches(u: Upload): boolean {
    if (u.state === 'deleted' && filters.state !== 'deleted') return false
    if (filters.state && u.state !== filters.state) return false
    if (filters.q && !(u.filename ?? '').toLowerCase().includes(filters.q.toLowerCase())) return false
    return true
  }

  /** Puts a live-discovered upload where the current sort would have it, if it is in the loaded range. */
  function insert(u: Upload): void {
    if (rows.has(u.id) || !matches(u)) return
    const r = makeRow(u)
    const key = (x: Upload) => (filters.sort === 'size' ? (x.length ?? 0) : Date.parse(x.created_at) || 0)
    const before = (a: Upload, b: Upload) => (filters.order === 'desc' ? key(a) > key(b) : key(a) < key(b))
    let anchor: HTMLTableRowElement | null = null
    for (const other of rows.values()) {
      if (before(u, other.upload)) {
        anchor = other.tr
        break
      }
    }
    if (!anchor && nextCursor) return // belongs to a page not loaded yet; "Load more" will bring it
    rows.set(u.id, r)
    tbody.insertBefore(r.tr, anchor)
    r.tr.classList.add('new')
    updateCount()
  }

  function apply(e: UploadEvent): void {
    const r = rows.get(e.id)
    if (!r) return
    const u = r.upload
    if (e.offset != null) u.offset = Math.max(u.offset, e.offset)
    if (e.length != null) u.length = e.length
    if (e.state && e.state !== u.state) {
      u.state = e.state
      if (e.state === 'stored') u.stored_at = e.at ?? new Date().toISOString()
      u.updated_at = e.at ?? u.updated_at
    }
    if (u.state === 'deleted' && filters.state !== 'deleted') {
      removeRow(e.id)
      updateCount()
      updateSelection()
      return
    }
    fillState(r)
  }

  function onEvent(e: UploadEvent): void {
    if (rows.has(e.id)) return apply(e)
    if (pending.has(e.id)) {
      pending.set(e.id, e)
      return
    }
    if (e.state === 'deleted') return
    pending.set(e.id, e)
    const gen = generation
    getJson<Upload>(endpoints.upload(e.id))
      .then((u) => {
        if (disposed || gen !== generation) return
        insert(u)
        const last = pending.get(e.id)
        if (last) apply(last)
      })
      .catch(() => {})
      .finally(() => pending.delete(e.id))
  }

  /* ---- loading ---- */
  async function load(reset: boolean): Promise<void> {
    if (reset) {
      generation++
      nextCursor = null
      rows.clear()
      selected.clear()
      clear(tbody)
    }
    const gen = generation
    loadMore.disabled = true
    message.hidden = true
    root.setAttribute('aria-busy', 'true')
    try {
      const page = await getJson<Page<Upload>>(
        endpoints.list({ limit: 50, cursor: reset ? null : nextCursor, ...filters }),
      )
      if (disposed || gen !== generation) return
      appendItems(page.items ?? [])
      nextCursor = page.next_cursor ?? null
    } catch (err) {
      if (disposed || gen !== generation) return
      message.textContent = err instanceof ApiError ? `Could not load uploads: ${err.message}` : 'Could not reach the server.'
      message.hidden = false
    } finally {
      if (!disposed && gen === generation) {
        loadMore.disabled = false
        root.removeAttribute('aria-busy')
        updateCount()
        updateSelection()
      }
    }
  }

  /** When the event stream (re)opens: one fetch of the first page catches what passed unheard. */
  async function catchUp(): Promise<void> {
    const gen = generation
    try {
      const page = await getJson<Page<Upload>>(endpoints.list({ limit: 50, ...filters }))
      if (disposed || gen !== generation) return
      for (const u of page.items ?? []) {
        const r = rows.get(u.id)
        if (r) {
          r.upload = u
          fillState(r)
        } else insert(u)
      }
    } catch {
      /* next reconnect tries again */
    }
  }

  search.addEventListener(
    'input',
    debounce(() => {
      if (filters.q === search.value.trim()) return
      filters.q = search.value.trim()
      void load(true)
    }, 300),
  )
  stateSelect.addEventListener('change', () => {
    filters.state = stateSelect.value
    void load(true)
  })
  sortSelect.addEventListener('change', () => {
    const [sort, order] = sortSelect.value.split(':') as [Filters['sort'], Filters['order']]
    filters.sort = sort
    filters.order = order
    void load(true)
  })
  loadMore.addEventListener('click', () => void load(false))

  /* ---- multi-select delete, confirmed in a <dialog> ---- */
  const dialogText = h('p')
  const cancel = h('button', { class: 'btn', type: 'button', testid: 'cancel-bulk-delete', text: 'Cancel' })
  const confirm = h('button', { class: 'btn danger solid', type: 'button', testid: 'confirm-bulk-delete', text: 'Delete' })
  const dialog = h(
    'dialog',
    { testid: 'bulk-delete-dialog', 'aria-labelledby': 'bulk-delete-title' },
    h('h2', { id: 'bulk-delete-title', text: 'Delete uploads?' }),
    dialogText,
    h('div', { class: 'dialog-actions' }, cancel, confirm),
  )
  root.append(dialog)
  selectAll.addEventListener('change', () => {
    for (const [id, r] of rows) {
      if (selectAll.checked) selected.add(id)
      else selected.delete(id)
      const box = r.tr.querySelector<HTMLInputElement>('td.select input')
      if (box) box.checked = selectAll.checked
    }
    updateSelection()
  })
  bulkDelete.addEventListener('click', () => {
    dialogText.textContent = `${selected.size} upload(s) will be removed from storage and the database. This cannot be undone.`
    dialog.showModal()
  })
  cancel.addEventListener('click', () => dialog.close())
  confirm.addEventListener('click', async () => {
    const ids = [...selected].slice(0, 1000)
    confirm.disabled = true
    try {
      const res = await api(endpoints.bulkDelete(), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ids }),
      })
      const { results } = (await res.json()) as { results: BulkResult[] }
      let failed = 0
      for (const r of results) {
        if (r.status === 204) removeRow(r.id)
        else failed++
      }
      bulkNote.textContent = `Deleted ${results.length - failed}${failed ? `; ${failed} could not be deleted` : ''}.`
    } catch (err) {
      bulkNote.textContent = `Delete failed: ${err instanceof ApiError ? err.message : 'the server could not be reached'}`
    } finally {
      confirm.disabled = false
      dialog.close()
      updateCount()
      updateSelection()
    }
  })

  const unsubscribe = subscribe(onEvent)
  const unOpen = onOpen(() => void catchUp())
  void load(true)

  return () => {
    disposed = true
    unsubscribe()
    unOpen()
    if (dialog.open) dialog.close()
  }
}
