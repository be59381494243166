import { api, ApiError, endpoints, getJson, type HookDelivery, type Page } from '../common/api'
import { clear, h } from '../common/dom'
import { formatTime } from '../common/format'

const STATES = ['pending', 'delivered', 'failed']

/**
 * #/hooks: the hook notifications, newest first, filtered by state or upload; each can be sent
 * again (same webhook-id). Failed ones are those given up after FORGE_HOOKS_RETRY_HOURS.
 */
export function renderHooks(root: HTMLElement): () => void {
  let nextCursor: string | null = null
  let generation = 0
  let disposed = false

  const stateSelect = h(
    'select',
    { testid: 'hooks-state-filter', 'aria-label': 'Filter by state' },
    h('option', { value: '', text: 'All states' }),
    ...STATES.map((s) => h('option', { value: s, text: s })),
  )
  const uploadInput = h('input', {
    type: 'search',
    placeholder: 'Upload id…',
    testid: 'hooks-upload-filter',
    'aria-label': 'Filter by upload id',
  })
  const message = h('p', { class: 'notice error', testid: 'hooks-error', hidden: true })
  const tbody = h('tbody')
  const more = h('button', { type: 'button', testid: 'hooks-load-more', hidden: true, text: 'Load more' })
  const table = h(
    'table',
    { class: 'uploads', testid: 'hooks-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Created', 'Event', 'Upload', 'State', 'Attempts', 'Last status', 'Last error', 'Delivered', ''].map(
          (t) => h('th', { text: t }),
        ),
      ),
    ),
    tbody,
  )
  root.append(
    h('div', { class: 'toolbar' }, h('h1', { text: 'Hook deliveries' })),
    h('div', { class: 'filters' }, stateSelect, uploadInput),
    message,
    h('div', { class: 'table-wrap' }, table),
    h('div', { class: 'more' }, more),
  )

  function showError(e: unknown): void {
    message.hidden = false
    message.textContent = e instanceof ApiError ? e.message : String(e)
  }

  function row(d: HookDelivery): HTMLTableRowElement {
    const state = h('td', { testid: `hook-state-${d.id}`, 'data-state': d.state, text: d.state })
    const attempts = h('td', { class: 'num', text: d.attempts })
    const button = h('button', { type: 'button', testid: `redeliver-${d.id}`, text: 'Redeliver' })
    button.addEventListener('click', () => {
      button.disabled = true
      api(endpoints.redeliver(d.id), { method: 'POST' })
        .then((r) => r.json() as Promise<HookDelivery>)
        .then((after) => {
          state.textContent = after.state
          state.dataset.state = after.state
        })
        .catch(showError)
        .finally(() => {
          button.disabled = false
        })
    })
    return h(
      'tr',
      { testid: `hook-row-${d.id}` },
      h('td', { text: formatTime(d.created_at) }),
      h('td', { text: d.event }),
      h('td', {}, h('a', { href: `#/uploads/${encodeURIComponent(d.upload_id)}`, text: d.upload_id })),
      state,
      attempts,
      h('td', { class: 'num', text: d.last_status ?? '—' }),
      h('td', { text: d.last_error ?? '' }),
      h('td', { text: formatTime(d.delivered_at) }),
      h('td', {}, button),
    )
  }

  function load(reset: boolean): void {
    const mine = reset ? ++generation : generation
    if (reset) {
      nextCursor = null
      clear(tbody)
    }
    message.hidden = true
    getJson<Page<HookDelivery>>(
      endpoints.hookDeliveries({
        cursor: nextCursor,
        state: stateSelect.value,
        uploadId: uploadInput.value.trim() || undefined,
      }),
    )
      .then((page) => {
        if (disposed || mine !== generation) return
        for (const d of page.items) tbody.append(row(d))
        if (tbody.childElementCount === 0) {
          tbody.append(h('tr', {}, h('td', { class: 'empty muted', colspan: 9, text: 'No deliveries' })))
        }
        nextCursor = page.next_cursor
        more.hidden = !nextCursor
      })
      .catch(showError)
  }

  stateSelect.addEventListener('change', () => load(true))
  uploadInput.addEventListener('change', () => load(true))
  more.addEventListener('click', () => load(false))
  load(true)
  return () => {
    disposed = true
  }
}
