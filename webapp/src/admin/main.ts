import '../common/style.css'
import './admin.css'

import { onTokenChange } from '../common/auth'
import { clear } from '../common/dom'
import { renderDetail } from './detail'
import { renderList } from './list'
import { renderStats } from './stats'
import { renderSyncJob, renderSyncJobs } from './sync'

/**
 * Hash router: #/ (list), #/uploads/{id} (detail), #/stats, #/sync (sync jobs), #/sync/{id}. Each view renders into <main> and
 * returns a cleanup function that runs before the next view (event listeners, charts).
 */
export type Cleanup = () => void
const view = document.getElementById('view') as HTMLElement
let cleanup: Cleanup | null = null

function route(): void {
  cleanup?.()
  cleanup = null
  clear(view)
  const hash = window.location.hash.replace(/^#/, '') || '/'
  const detail = /^\/uploads\/([^/]+)$/.exec(hash)
  const syncJob = /^\/sync\/([^/]+)$/.exec(hash)
  let name: string
  if (detail) {
    name = 'list'
    cleanup = renderDetail(view, decodeURIComponent(detail[1]))
  } else if (hash === '/sync') {
    name = 'sync'
    cleanup = renderSyncJobs(view)
  } else if (syncJob) {
    name = 'sync'
    cleanup = renderSyncJob(view, decodeURIComponent(syncJob[1]))
  } else if (hash === '/stats') {
    name = 'stats'
    cleanup = renderStats(view)
  } else {
    name = 'list'
    cleanup = renderList(view)
  }
  document.querySelectorAll<HTMLAnchorElement>('header.site nav a').forEach((a) => {
    a.classList.toggle('active', a.dataset.route === name)
  })
  view.dataset.route = detail ? 'detail' : syncJob ? 'sync-job' : name
}

window.addEventListener('hashchange', route)
onTokenChange(route)
route()
