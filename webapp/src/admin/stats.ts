import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js'
import { ApiError, endpoints, getJson, type Stats } from '../common/api'
import { h } from '../common/dom'
import { formatBytes } from '../common/format'

// Only what the four charts use, so the bundle stays small.
Chart.register(BarController, BarElement, DoughnutController, ArcElement, CategoryScale, LinearScale, Tooltip, Legend)

const PALETTE = ['#1f64e0', '#12b76a', '#f79009', '#7a5af8', '#f04438', '#06aed4', '#ee46bc', '#667085', '#84cc16', '#a16207']
const STATE_COLORS: Record<string, string> = {
  uploading: '#2e90fa',
  queued: '#7a5af8',
  storing: '#f79009',
  stored: '#12b76a',
  concatenated: '#a6f4c5',
  failed: '#f04438',
  expired: '#98a2b3',
  deleted: '#d0d5dd',
}

/**
 * #/stats: uploads and bytes per day, by type, by state, storage used (logical and in S3, what
 * deduplication and compression saved), downloads per day and the most downloaded files.
 */
export function renderStats(root: HTMLElement): () => void {
  const charts: Chart[] = []
  let disposed = false
  const message = h('p', { class: 'notice error', testid: 'stats-error', hidden: true })
  const storedBytes = h('div', { class: 'big', testid: 'stats-storage-bytes', text: '…' })
  const storedObjects = h('div', { class: 'big', testid: 'stats-storage-objects', text: '…' })
  const totalUploads = h('div', { class: 'big', testid: 'stats-total-uploads', text: '…' })
  const physicalBytes = h('div', { class: 'big', testid: 'stats-physical-bytes', text: '…' })
  const dedupSaved = h('div', { class: 'big', testid: 'stats-dedup-saved', text: '…' })
  const compressionSaved = h('div', { class: 'big', testid: 'stats-compression-saved', text: '…' })
  const topBody = h('tbody', { testid: 'stats-top-downloads' })

  const canvas = (testid: string) => h('canvas', { testid, role: 'img' })
  const perDayUploads = canvas('chart-per-day-uploads')
  const perDayBytes = canvas('chart-per-day-bytes')
  const byType = canvas('chart-by-type')
  const byState = canvas('chart-by-state')
  const downloadsPerDay = canvas('chart-downloads-per-day')
  const box = (title: string, c: HTMLCanvasElement) =>
    h('section', { class: 'card chart' }, h('h2', { text: title }), h('div', { class: 'chart-box' }, c))

  const chartsBox = h(
    'div',
    { class: 'charts', testid: 'charts' },
    box('Uploads per day', perDayUploads),
    box('Bytes per day', perDayBytes),
    box('By type', byType),
    box('By state', byState),
    box('Downloads per day', downloadsPerDay),
    h(
      'section',
      { class: 'card chart' },
      h('h2', { text: 'Most downloaded' }),
      h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', { text: 'File' }), h('th', { text: 'Downloads' }))), topBody),
    ),
  )
  const tile = (label: string, value: HTMLElement) =>
    h('div', { class: 'card tile' }, h('div', { class: 'muted', text: label }), value)
  root.append(
    h('h1', { text: 'Statistics' }),
    message,
    h(
      'div',
      { class: 'tiles' },
      h('div', { class: 'card tile' }, h('div', { class: 'muted', text: 'Storage used' }), storedBytes),
      h('div', { class: 'card tile' }, h('div', { class: 'muted', text: 'Stored objects' }), storedObjects),
      h('div', { class: 'card tile' }, h('div', { class: 'muted', text: 'Uploads (all states)' }), totalUploads),
    ),
    h(
      'div',
      { class: 'tiles' },
      tile('Bytes in S3', physicalBytes),
      tile('Saved by deduplication', dedupSaved),
      tile('Saved by compression', compressionSaved),
    ),
    chartsBox,
  )

  function draw(c: HTMLCanvasElement, config: ChartConfiguration): void {
    c.setAttribute('aria-label', c.closest('section')?.querySelector('h2')?.textContent ?? 'chart')
    charts.push(new Chart(c, config))
  }

  const common = { responsive: true, maintainAspectRatio: false, animation: false as const }

  getJson<Stats>(endpoints.stats())
    .then((s) => {
      if (disposed) return
      storedBytes.textContent = formatBytes(s.storage?.stored_bytes ?? 0)
      storedBytes.title = `${(s.storage?.stored_bytes ?? 0).toLocaleString()} bytes`
      storedObjects.textContent = (s.storage?.stored_objects ?? 0).toLocaleString()
      totalUploads.textContent = (s.by_state ?? []).reduce((n, x) => n + x.uploads, 0).toLocaleString()
      const bytesTile = (el: HTMLElement, n: number | undefined) => {
        el.textContent = formatBytes(n ?? 0)
        el.title = `${(n ?? 0).toLocaleString()} bytes`
      }
      bytesTile(physicalBytes, s.storage?.physical_bytes)
      bytesTile(dedupSaved, s.storage?.dedup_saved_bytes)
      bytesTile(compressionSaved, s.storage?.compression_saved_bytes)
      const downloads = s.downloads_per_day ?? []
      draw(downloadsPerDay, {
        type: 'bar',
        data: {
          labels: downloads.map((d) => d.day),
          datasets: [{ label: 'Downloads', data: downloads.map((d) => d.downloads), backgroundColor: '#7a5af8' }],
        },
        options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      })
      topBody.replaceChildren(
        ...(s.top_downloads ?? []).map((t) =>
          h(
            'tr',
            { testid: `top-download-${t.id}` },
            h('td', {}, h('a', { href: `#/uploads/${encodeURIComponent(t.id)}`, text: t.filename ?? t.id })),
            h('td', { text: t.downloads.toLocaleString() }),
          ),
        ),
      )

      const days = (s.per_day ?? []).map((d) => d.day)
      draw(perDayUploads, {
        type: 'bar',
        data: { labels: days, datasets: [{ label: 'Uploads', data: s.per_day.map((d) => d.uploads), backgroundColor: '#1f64e0' }] },
        options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      })
      draw(perDayBytes, {
        type: 'bar',
        data: { labels: days, datasets: [{ label: 'Bytes', data: s.per_day.map((d) => d.bytes), backgroundColor: '#12b76a' }] },
        options: {
          ...common,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (ctx) => formatBytes(Number(ctx.raw)) } },
          },
          scales: { y: { beginAtZero: true, ticks: { callback: (v) => formatBytes(Number(v)) } } },
        },
      })
      const types = s.by_type ?? []
      draw(byType, {
        type: 'doughnut',
        data: {
          labels: types.map((t) => t.content_type || 'unknown'),
          datasets: [{ label: 'Uploads', data: types.map((t) => t.uploads), backgroundColor: types.map((_, i) => PALETTE[i % PALETTE.length]) }],
        },
        options: {
          ...common,
          plugins: {
            legend: { position: 'right' },
            tooltip: { callbacks: { label: (ctx) => `${ctx.raw} uploads, ${formatBytes(types[ctx.dataIndex]?.bytes)}` } },
          },
        },
      })
      const states = s.by_state ?? []
      draw(byState, {
        type: 'bar',
        data: {
          labels: states.map((x) => x.state),
          datasets: [{ label: 'Uploads', data: states.map((x) => x.uploads), backgroundColor: states.map((x) => STATE_COLORS[x.state] ?? '#667085') }],
        },
        options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      })
      chartsBox.dataset.loaded = 'true'
    })
    .catch((err) => {
      if (disposed) return
      message.textContent = `Could not load statistics: ${err instanceof ApiError ? err.message : 'the server could not be reached'}`
      message.hidden = false
    })

  return () => {
    disposed = true
    charts.forEach((c) => c.destroy())
  }
}
