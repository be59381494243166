// Shared pieces of the browser end-to-end tests (run by scripts/test-ui, which starts a server and
// exports BASE_URL). Chromium is the machine's own (FORGE_CHROMIUM, default /usr/bin/chromium):
// playwright-core never downloads a browser.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '')
const CHROMIUM = process.env.FORGE_CHROMIUM ?? '/usr/bin/chromium'
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const SCREENSHOT_DIR =
  process.env.SCREENSHOT_DIR ?? resolve(fileURLToPath(new URL('../../target/ui-screenshots', import.meta.url)))

/** A unique tag per test run, so names never collide with uploads of an earlier run. */
export const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`

/** A scratch directory for files to upload and browser profiles; removed by the returned function. */
export function scratch(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `forgeupload-e2e-${prefix}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex')
}

/** Writes `bytes` to dir/name and returns the path. */
export function writeFile(dir, name, bytes) {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** A valid 1x1 PNG followed by `extra` random bytes (still decodes: trailing data is ignored). */
export function png(extra = 0) {
  const base = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  )
  return Buffer.concat([base, randomBytes(extra)])
}

/**
 * Starts Chromium with a persistent profile in `profileDir` (a fresh directory unless the caller
 * reuses one to simulate a browser restart). Every page opened in the context is watched: dialogs
 * (alert/confirm/prompt) are recorded and dismissed, console errors and CSP violations recorded.
 */
export async function launch(profileDir, options = {}) {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    ...options,
  })
  context.setDefaultTimeout(20_000)
  const problems = { dialogs: [], consoleErrors: [], cspViolations: [], pageErrors: [] }
  // Reports CSP violations from inside the page too (independent of how the console words them).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI}`)
    })
  })
  const watch = (page) => {
    page.on('dialog', (d) => {
      problems.dialogs.push(`${d.type()}: ${d.message()}`)
      d.dismiss().catch(() => {})
    })
    page.on('console', (m) => {
      if (m.type() !== 'error') return
      const text = m.text()
      problems.consoleErrors.push(text)
      if (/content security policy/i.test(text)) problems.cspViolations.push(text)
    })
    page.on('pageerror', (err) => problems.pageErrors.push(String(err)))
  }
  context.pages().forEach(watch)
  context.on('page', watch)
  return {
    context,
    problems,
    /** The first tab of a fresh persistent context, or a new tab. */
    async page() {
      const blank = context.pages().find((p) => p.url() === 'about:blank' && !p.__used)
      const page = blank ?? (await context.newPage())
      page.__used = true
      return page
    },
    /** No dialog opened and no CSP violation was reported while the test ran. */
    assertClean() {
      assert.deepEqual(problems.dialogs, [], 'no alert/confirm/prompt dialog may open')
      assert.deepEqual(problems.cspViolations, [], 'no Content Security Policy violation may be reported')
      assert.deepEqual(problems.pageErrors, [], 'no uncaught exception in the page')
    },
    close: () => context.close(),
  }
}

/**
 * Polls `probe` until `accept(value)` holds (Playwright-style auto-waiting without fixed sleeps:
 * short back-off between attempts); fails with the last value seen.
 */
export async function until(probe, accept, { timeout = 30_000, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  const intervals = [50, 100, 250, 500]
  let last
  let error
  for (let i = 0; ; i++) {
    try {
      last = await probe()
      error = undefined
      if (accept(last)) return last
    } catch (err) {
      error = err
    }
    if (Date.now() >= deadline) {
      assert.fail(`timed out after ${timeout} ms waiting for ${message}; last value: ${JSON.stringify(last)}${error ? `; last error: ${error}` : ''}`)
    }
    await new Promise((r) => setTimeout(r, intervals[Math.min(i, intervals.length - 1)]))
  }
}

/** Waits until the locator's attribute equals `value`. */
export function expectAttribute(locator, name, value, timeout = 30_000) {
  return until(() => locator.getAttribute(name, { timeout: 1_000 }), (v) => v === value, {
    timeout,
    message: `${locator} [${name}] = ${JSON.stringify(value)}`,
  })
}

/** Waits until the locator's textContent (trimmed) satisfies `accept` (a string means equality). */
export function expectText(locator, accept, timeout = 30_000) {
  const ok = typeof accept === 'string' ? (t) => t === accept : accept
  return until(async () => (await locator.textContent({ timeout: 1_000 }))?.trim(), ok, {
    timeout,
    message: `text of ${locator}`,
  })
}

/** Waits until the locator matches exactly `n` elements. */
export function expectCount(locator, n, timeout = 30_000) {
  return until(() => locator.count(), (c) => c === n, { timeout, message: `${n} element(s) for ${locator}` })
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
}

/* ---- the server's API, from Node ---- */

export async function apiJson(path, init) {
  const res = await fetch(`${BASE_URL}${path}`, { headers: { Accept: 'application/json' }, ...init })
  assert.ok(res.ok, `${init?.method ?? 'GET'} ${path}: HTTP ${res.status}`)
  return res.json()
}

/** Uploads whose filename contains `q` (deleted ones excluded, as the API lists them). */
export async function findUploads(q) {
  const page = await apiJson(`/api/v1/uploads?q=${encodeURIComponent(q)}&limit=100`)
  return page.items
}

export async function download(id) {
  const res = await fetch(`${BASE_URL}/api/v1/uploads/${encodeURIComponent(id)}/content`)
  assert.equal(res.status, 200, `download ${id}`)
  return Buffer.from(await res.arrayBuffer())
}

/** A plain tus upload from Node (creation, then one PATCH); returns the upload id. */
export async function tusUpload(name, bytes, type = 'application/octet-stream') {
  const b64 = (s) => Buffer.from(s, 'utf8').toString('base64')
  const created = await fetch(`${BASE_URL}/files/`, {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(bytes.length),
      'Upload-Metadata': `filename ${b64(name)},filetype ${b64(type)}`,
    },
  })
  assert.equal(created.status, 201, 'tus POST')
  const location = new URL(created.headers.get('location'), `${BASE_URL}/files/`).href
  const patched = await fetch(location, {
    method: 'PATCH',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    body: bytes,
  })
  assert.equal(patched.status, 204, 'tus PATCH')
  assert.equal(patched.headers.get('upload-offset'), String(bytes.length))
  return decodeURIComponent(new URL(location).pathname.split('/').filter(Boolean).pop())
}

/** Waits until the API reports the upload in `state`. */
export function expectApiState(id, state, timeout = 60_000) {
  return until(
    () => apiJson(`/api/v1/uploads/${encodeURIComponent(id)}`).then((u) => u.state),
    (s) => s === state,
    { timeout, message: `upload ${id} to be ${state}` },
  )
}

/* ---- the upload page ---- */

export const FILE_INPUT = 'input.uppy-Dashboard-input[type=file]:not([webkitdirectory])'
export const UPLOAD_BUTTON = '.uppy-StatusBar-actionBtn--upload'

/** Opens `/` and waits for the Dashboard and its Uppy instance. */
export async function openUploadPage(page) {
  await page.goto(`${BASE_URL}/`)
  await page.getByTestId('dashboard').or(page.locator('.uppy-Dashboard')).first().waitFor()
  await page.waitForFunction(() => !!window.uppy)
}

/** The upload id of the (single) Uppy file called `name`, once tus has created it. */
export async function uppyUploadId(page, name) {
  const url = await until(
    () => page.evaluate((n) => window.uppy.getFiles().find((f) => f.name === n)?.tus?.uploadUrl ?? null, name),
    (u) => !!u,
    { message: `tus upload URL of ${name}` },
  )
  return decodeURIComponent(new URL(url, BASE_URL).pathname.split('/').filter(Boolean).pop())
}
