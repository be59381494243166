import { h } from './dom'

/**
 * Optional bearer token. Kept in sessionStorage (gone when the tab closes), sent as
 * `Authorization: Bearer` on fetch/tus requests and as `?access_token=` where a header is
 * impossible (EventSource, <img>/<video> src, download links).
 */
const KEY = 'forge.token'
const listeners = new Set<() => void>()

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(KEY) || null
  } catch {
    return null
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token)
    else sessionStorage.removeItem(KEY)
  } catch {
    /* storage disabled: token lives only for this page */
  }
  listeners.forEach((l) => l())
}

export function onTokenChange(l: () => void): void {
  listeners.add(l)
}

export function authHeaders(): Record<string, string> {
  const t = getToken()
  return t ? { Authorization: `Bearer ${t}` } : {}
}

/** Adds `access_token` to a same-origin URL when a token is set. */
export function withToken(url: string): string {
  const t = getToken()
  if (!t) return url
  return url + (url.includes('?') ? '&' : '?') + 'access_token=' + encodeURIComponent(t)
}

let bar: HTMLFormElement | null = null

/** Shows the token field (once) after a 401/403. */
export function askForToken(reason = 'This server requires an access token.'): void {
  if (bar) {
    bar.hidden = false
    bar.querySelector('input')?.focus()
    return
  }
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    placeholder: 'API token',
    testid: 'token-input',
    'aria-label': 'API token',
  })
  bar = h(
    'form',
    { class: 'token-bar', testid: 'token-bar' },
    h('span', { text: reason }),
    input,
    h('button', { type: 'submit', class: 'btn primary', testid: 'token-save', text: 'Use token' }),
  )
  bar.addEventListener('submit', (e) => {
    e.preventDefault()
    const v = input.value.trim()
    if (!v) return
    setToken(v)
    input.value = ''
    if (bar) bar.hidden = true
  })
  document.querySelector('header')?.after(bar)
  input.focus()
}
