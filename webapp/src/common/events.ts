import { endpoints, type UploadEvent } from './api'
import { onTokenChange } from './auth'

/**
 * One shared EventSource on /api/v1/events for the page. The browser reconnects by itself;
 * `onOpen` listeners run each time the stream is (re)connected, so views can catch up with one
 * fetch on what happened before the stream was listening (no polling loop).
 */
type Listener = (e: UploadEvent) => void
const listeners = new Set<Listener>()
const openListeners = new Set<() => void>()
let source: EventSource | null = null
let closedRetries = 0

function dispatch(msg: MessageEvent): void {
  let data: UploadEvent
  try {
    data = JSON.parse(msg.data)
  } catch {
    return
  }
  if (!data || typeof data.id !== 'string') return
  if (!data.type && msg.type !== 'message') data.type = msg.type as UploadEvent['type']
  listeners.forEach((l) => l(data))
}

function connect(): void {
  source?.close()
  source = new EventSource(endpoints.events())
  // The server may send unnamed events (onmessage) or named ones; the JSON carries the type.
  source.addEventListener('message', dispatch)
  source.addEventListener('progress', dispatch)
  source.addEventListener('state', dispatch)
  source.addEventListener('open', () => {
    openListeners.forEach((l) => l())
    closedRetries = 0
  })
  source.addEventListener('error', () => {
    // A non-200 answer (404 before the endpoint exists, 401 without a token) closes the
    // source for good; try again later with a growing delay.
    if (source?.readyState === EventSource.CLOSED) {
      const delay = Math.min(30_000, 2_000 * 2 ** closedRetries++)
      setTimeout(connect, delay)
    }
  })
}

export function subscribe(l: Listener): () => void {
  listeners.add(l)
  if (!source) {
    connect()
    onTokenChange(connect)
  }
  return () => listeners.delete(l)
}

/** Runs `l` whenever the stream (re)connects; if it is already open, the caller's own fetch covers now. */
export function onOpen(l: () => void): () => void {
  openListeners.add(l)
  return () => openListeners.delete(l)
}
