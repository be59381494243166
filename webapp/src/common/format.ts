const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** 1536 -> "1.5 KiB"; null/undefined (deferred length) -> "—". */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—'
  if (n < 1024) return `${n} B`
  let v = n
  let i = 0
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024
    i++
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[i]}`
}

/** ISO timestamp -> local "2026-11-25 14:03:07"; empty -> "—". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const p = (x: number) => String(x).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

export function percent(offset: number | null | undefined, length: number | null | undefined): number {
  if (!length || length <= 0 || offset == null) return 0
  return Math.min(100, Math.max(0, (offset / length) * 100))
}

/** Last path segment of a tus upload URL: "http://h/files/abc?x" -> "abc". */
export function uploadIdFromUrl(url: string | null | undefined): string | null {
  if (!url) return null
  try {
    const path = new URL(url, window.location.href).pathname.replace(/\/+$/, '')
    const id = path.slice(path.lastIndexOf('/') + 1)
    return id ? decodeURIComponent(id) : null
  } catch {
    return null
  }
}
