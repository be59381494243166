import { ApiError, api, endpoints, getJson, type ShareLink, type Upload, type Version } from '../common/api'
import { clear, h } from '../common/dom'
import { formatBytes, formatTime } from '../common/format'

/** Lifetimes offered for a new link (seconds); the server caps them at FORGE_SHARE_MAX_SECONDS. */
const LIFETIMES: { value: number; label: string }[] = [
  { value: 3600, label: '1 hour' },
  { value: 86400, label: '1 day' },
  { value: 7 * 86400, label: '7 days' },
]

function errorText(err: unknown): string {
  return err instanceof ApiError ? err.message : 'the server could not be reached'
}

/**
 * The detail view's share links card: create a link (lifetime, optional download limit), copy
 * its URL (shown once: the server keeps only a hash of the token), revoke links.
 */
export function sharesCard(id: string): { el: HTMLElement; update: (u: Upload) => void } {
  const lifetime = h(
    'select',
    { testid: 'share-lifetime', 'aria-label': 'Link lifetime' },
    ...LIFETIMES.map((l) => h('option', { value: l.value, text: l.label })),
  )
  lifetime.value = String(86400)
  const maxDownloads = h('input', {
    type: 'number',
    min: 1,
    placeholder: 'No download limit',
    testid: 'share-max',
    'aria-label': 'Maximum downloads',
  })
  const create = h('button', { class: 'btn primary', type: 'button', testid: 'share-create', text: 'Create link' })
  const form = h('div', { class: 'share-form' }, lifetime, maxDownloads, create)
  const created = h('div', { class: 'share-created', testid: 'share-created', hidden: true })
  const message = h('p', { class: 'notice error', testid: 'share-error', hidden: true })
  const note = h('p', { class: 'muted', testid: 'share-note', text: 'Links can be made once the upload is stored.' })
  const list = h('ul', { class: 'shares', testid: 'share-list' })
  const el = h('section', { class: 'card', testid: 'shares-card' }, h('h2', { text: 'Share links' }), note, form, created, message, list)
  form.hidden = true

  function showError(err: unknown, what: string): void {
    message.textContent = `${what}: ${errorText(err)}`
    message.hidden = false
  }

  function showCreated(url: string): void {
    clear(created)
    const field = h('input', { type: 'text', readonly: true, testid: 'share-url', 'aria-label': 'Share link', value: url })
    const copy = h('button', { class: 'btn', type: 'button', testid: 'share-copy', text: 'Copy' })
    const copied = h('span', { class: 'muted', testid: 'share-copied', hidden: true, text: 'Copied' })
    copy.addEventListener('click', async () => {
      field.select()
      try {
        await navigator.clipboard.writeText(url)
      } catch {
        document.execCommand('copy') // no clipboard permission: the selection is still copied
      }
      copied.hidden = false
    })
    created.append(
      h('p', { class: 'muted', text: 'Anyone with this link can download the file. It is shown only now.' }),
      h('div', { class: 'share-url' }, field, copy, copied),
    )
    created.hidden = false
  }

  function renderLinks(items: ShareLink[]): void {
    clear(list)
    if (!items.length) list.append(h('li', { class: 'muted', text: 'No links yet.' }))
    for (const s of items) {
      const limit = s.max_downloads == null ? '' : ` of ${s.max_downloads}`
      const li = h(
        'li',
        { testid: `share-${s.id}` },
        h('span', { class: `badge share-${s.status}`, testid: `share-status-${s.id}`, text: s.status.replace('_', ' ') }),
        h('span', { testid: `share-downloads-${s.id}`, text: `${s.downloads}${limit} downloads` }),
        h('span', { class: 'muted', text: s.status === 'expired' ? `expired ${formatTime(s.expires_at)}` : `until ${formatTime(s.expires_at)}` }),
      )
      li.dataset.status = s.status
      if (s.status === 'active') {
        const revoke = h('button', { class: 'btn danger small', type: 'button', testid: `share-revoke-${s.id}`, text: 'Revoke' })
        revoke.addEventListener('click', async () => {
          revoke.disabled = true
          try {
            await api(endpoints.share(s.id), { method: 'DELETE' })
            await load()
          } catch (err) {
            showError(err, 'Revoke failed')
            revoke.disabled = false
          }
        })
        li.append(revoke)
      }
      list.append(li)
    }
  }

  async function load(): Promise<void> {
    try {
      const page = await getJson<{ items: ShareLink[] }>(endpoints.shares(id))
      renderLinks(page.items ?? [])
    } catch (err) {
      showError(err, 'Could not load share links')
    }
  }

  create.addEventListener('click', async () => {
    message.hidden = true
    const body: Record<string, number> = { expires_in_seconds: Number(lifetime.value) }
    if (maxDownloads.value.trim()) body.max_downloads = Number(maxDownloads.value)
    create.disabled = true
    try {
      const res = await api(endpoints.shares(id), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
      const link = (await res.json()) as ShareLink
      if (link.url) showCreated(link.url)
      await load()
    } catch (err) {
      showError(err, 'Could not create a link')
    } finally {
      create.disabled = false
    }
  })

  let loadedFor: string | null = null
  function update(u: Upload): void {
    const stored = u.state === 'stored'
    form.hidden = !stored
    note.hidden = stored
    if (loadedFor !== u.state) {
      loadedFor = u.state
      void load()
    }
  }
  return { el, update }
}

/** The detail view's version history: every version of this file, newest first, each downloadable. */
export function versionsCard(id: string): { el: HTMLElement; update: (u: Upload) => void } {
  const list = h('ol', { class: 'versions', testid: 'versions' })
  const name = h('p', { class: 'muted', testid: 'versions-name' })
  const el = h('section', { class: 'card', testid: 'versions-card' }, h('h2', { text: 'Versions' }), name, list)

  async function load(): Promise<void> {
    try {
      const v = await getJson<{ logical_name: string | null; items: Version[] }>(endpoints.versions(id))
      name.textContent = v.logical_name ? `Uploads named “${v.logical_name}”` : ''
      clear(list)
      for (const x of v.items ?? []) {
        const current = x.id === id
        const li = h(
          'li',
          { testid: `version-${x.version}` },
          h('strong', { text: `v${x.version}` }),
          current
            ? h('span', { text: 'this upload' })
            : h('a', { href: `#/uploads/${encodeURIComponent(x.id)}`, testid: `version-link-${x.version}`, text: formatTime(x.created_at) }),
          h('span', { class: 'muted', text: `${formatBytes(x.length)} · ${x.state}` }),
        )
        li.dataset.id = x.id
        if (['queued', 'storing', 'stored', 'failed'].includes(x.state)) {
          li.append(
            h('a', { class: 'btn small', href: endpoints.content(x.id), download: x.filename || '', testid: `version-download-${x.version}`, text: 'Download' }),
          )
        }
        list.append(li)
      }
    } catch (err) {
      name.textContent = `Could not load versions: ${errorText(err)}`
    }
  }

  let loadedFor: string | null = null
  function update(u: Upload): void {
    if (loadedFor !== u.state) {
      loadedFor = u.state
      void load()
    }
  }
  return { el, update }
}
