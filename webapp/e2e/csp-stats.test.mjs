// Content-Security-Policy on the pages (no inline scripts allowed) and no CSP violation while the
// upload page, the admin table, a detail view and the statistics charts are used.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  BASE_URL,
  RUN,
  download,
  expectApiState,
  expectAttribute,
  expectText,
  launch,
  openUploadPage,
  png,
  scratch,
  screenshot,
  tusUpload,
  until,
} from './helpers.mjs'

let tmp
let browser
before(async () => {
  tmp = scratch('csp')
  browser = await launch(`${tmp.dir}/profile`)
})
after(async () => {
  await browser?.close()
  tmp?.remove()
})

function directives(csp) {
  return Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name.toLowerCase(), values]),
  )
}

test('pages are served with a CSP that forbids inline scripts', async () => {
  for (const path of ['/', '/admin/', '/admin/index.html']) {
    const res = await fetch(`${BASE_URL}${path}`)
    assert.equal(res.status, 200, path)
    assert.match(res.headers.get('content-type') ?? '', /text\/html/, path)
    const csp = res.headers.get('content-security-policy')
    assert.ok(csp, `${path}: Content-Security-Policy header`)
    const d = directives(csp)
    const scripts = d['script-src'] ?? d['default-src']
    assert.ok(scripts, `${path}: script-src or default-src in ${csp}`)
    assert.ok(!scripts.includes("'unsafe-inline'"), `${path}: script-src allows 'unsafe-inline': ${csp}`)
    assert.ok(!scripts.includes("'unsafe-eval'"), `${path}: script-src allows 'unsafe-eval': ${csp}`)
    assert.ok(!scripts.includes('*') && !scripts.some((s) => /^(https?|data|blob):?$/.test(s)), `${path}: script-src too wide: ${csp}`)
    assert.deepEqual(d['object-src'], ["'none'"], `${path}: object-src 'none'`)
    // No inline script in the markup either (it would be blocked, and nothing may depend on it).
    const html = await res.text()
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${path}: inline <script>`)
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${path}: inline event handler attribute`)
  }
})

test('an inline script is really blocked by the policy the browser receives', async () => {
  const page = await browser.page()
  await page.goto(`${BASE_URL}/admin/#/`)
  await page.getByTestId('uploads-table').waitFor()
  const ran = await page.evaluate(async () => {
    window.__inlineRan = false
    const s = document.createElement('script')
    s.textContent = 'window.__inlineRan = true'
    document.head.append(s)
    await new Promise((r) => setTimeout(r, 0))
    return window.__inlineRan
  })
  assert.equal(ran, false, 'an injected inline script ran: the CSP does not block inline scripts')
  // That attempt was reported as a violation: the collector works. Forget it for the next test.
  await until(() => browser.problems.cspViolations.length, (n) => n >= 1, { timeout: 5_000, message: 'the CSP violation report' })
  browser.problems.cspViolations.length = 0
  browser.problems.consoleErrors.length = 0
  await page.close()
})

test('upload page, table, detail and statistics run without CSP violations; stats charts drawn', { timeout: 60_000 }, async () => {
  const image = png(4096)
  const id = await tusUpload(`stats-${RUN}-chart.png`, image, 'image/png')
  const text = await tusUpload(`stats-${RUN}-readme.txt`, Buffer.from('hello\n'), 'text/plain')
  await expectApiState(id, 'stored')
  await expectApiState(text, 'stored')
  // two downloads of the text file: counted for the statistics' downloads
  for (let i = 0; i < 2; i++) assert.equal((await download(text)).toString(), 'hello\n')

  const page = await browser.context.newPage()
  await openUploadPage(page)
  await screenshot(page, 'upload-page-empty')

  await page.goto(`${BASE_URL}/admin/#/`)
  await expectAttribute(page.getByTestId(`state-${id}`), 'data-state', 'stored')

  await page.goto(`${BASE_URL}/admin/#/uploads/${encodeURIComponent(id)}`)
  await expectAttribute(page.getByTestId('detail-state'), 'data-state', 'stored')
  // The image preview loads (img-src 'self' allows it) and decodes.
  const preview = page.getByTestId('preview-image')
  await preview.waitFor()
  await until(() => preview.evaluate((img) => img.complete && img.naturalWidth), (w) => w === 1, { message: 'the preview image decoded' })
  await screenshot(page, 'admin-detail-image')

  await page.getByTestId('nav-stats').click()
  const charts = page.getByTestId('charts')
  await until(() => charts.getAttribute('data-loaded'), (v) => v != null, { message: 'charts drawn (data-loaded)' })
  for (const c of ['chart-per-day-uploads', 'chart-per-day-bytes', 'chart-by-type', 'chart-by-state', 'chart-downloads-per-day']) {
    const box = await page.getByTestId(c).boundingBox()
    assert.ok(box && box.width > 50 && box.height > 50, `${c} has a size: ${JSON.stringify(box)}`)
  }
  await expectText(page.getByTestId('stats-storage-objects'), (t) => !!t && /^\d/.test(t) && Number(t.replace(/\D/g, '')) >= 2)
  await expectText(page.getByTestId('stats-storage-bytes'), (t) => !!t && /\d/.test(t) && t !== '…')
  for (const tile of ['stats-physical-bytes', 'stats-dedup-saved', 'stats-compression-saved']) {
    await expectText(page.getByTestId(tile), (t) => !!t && /\d/.test(t) && t !== '…')
  }
  await expectText(page.getByTestId(`top-download-${text}`), (t) => !!t && t.includes(`stats-${RUN}-readme.txt`) && /2$/.test(t.trim()))
  await screenshot(page, 'admin-stats')

  const csp = browser.problems.consoleErrors.filter((m) => /content security policy|refused to/i.test(m))
  assert.deepEqual(csp, [], 'console errors about the Content Security Policy')
  browser.assertClean()
})
