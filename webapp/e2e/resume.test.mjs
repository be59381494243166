// A reload (or a browser restart with the same profile) in the middle of an upload resumes it:
// same tus upload, PATCH from the server's offset, no new upload. The network is throttled through
// the DevTools protocol so the upload is still running when the page goes away.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import {
  BASE_URL,
  FILE_INPUT,
  RUN,
  UPLOAD_BUTTON,
  download,
  expectAttribute,
  findUploads,
  launch,
  openUploadPage,
  scratch,
  screenshot,
  until,
  writeFile,
} from './helpers.mjs'

const SIZE = 8 * 1024 * 1024 // under Golden Retriever's 10 MiB per-file IndexedDB limit, so it is restored
const UPLOAD_BYTES_PER_SECOND = 1.5 * 1024 * 1024

let tmp
before(() => {
  tmp = scratch('resume')
})
after(() => tmp?.remove())

async function throttle(page) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: UPLOAD_BYTES_PER_SECOND,
  })
  return cdp
}

/** Bytes of `name` Uppy reports as sent (0 when it does not know the file). */
const uppySent = (page, name) =>
  page.evaluate((n) => window.uppy?.getFiles().find((f) => f.name === n)?.progress?.bytesUploaded || 0, name)

/**
 * Starts an 8 MiB upload, interrupts it at 30-60 % with `interrupt(page)` (which returns the page
 * to continue on, already showing `/`), clicks Upload again and checks that the same upload was
 * finished from where the server had got to.
 */
async function resumeAfter(t, label, interrupt) {
  const name = `resume-${label}-${RUN}.bin`
  const bytes = randomBytes(SIZE)
  const path = writeFile(tmp.dir, name, bytes)
  const profile = `${tmp.dir}/profile-${label}`
  const requests = [] // { phase, method, offset, url }
  let phase = 'before'
  const record = (page) =>
    page.on('request', (req) => {
      if (!new URL(req.url()).pathname.startsWith('/files/')) return
      requests.push({ phase, method: req.method(), offset: Number(req.headers()['upload-offset'] ?? NaN), url: req.url() })
    })

  let browser = await launch(profile)
  try {
    let page = await browser.page()
    record(page)
    await openUploadPage(page)
    await throttle(page)
    await page.locator(FILE_INPUT).setInputFiles(path)
    await page.locator('.uppy-Dashboard-Item').filter({ hasText: name }).first().waitFor()
    await page.locator(UPLOAD_BUTTON).click()

    // Interrupt once 30-60 % has gone out (Uppy's count follows the throttled socket).
    const sentBefore = await until(() => uppySent(page, name), (sent) => sent >= 0.3 * SIZE, {
      timeout: 30_000,
      message: 'the upload to be 30 % through',
    })
    assert.ok(sentBefore <= 0.6 * SIZE, `interrupting at ${sentBefore} bytes, not later than 60 %`)
    const [apiBefore] = await findUploads(name)
    assert.equal(apiBefore?.state, 'uploading', 'the upload is still running before the interruption')
    await screenshot(page, `upload-page-mid-upload-${label}`)

    phase = 'after'
    ;({ browser, page } = await interrupt(browser, page, profile))
    record(page)
    await page.waitForFunction(() => !!window.uppy)
    await throttle(page) // emulation belongs to the old session; keep the pace
    // Golden Retriever restores the file (state and bytes); resuming takes a click on Upload.
    await page.locator('.uppy-Dashboard-Item').filter({ hasText: name }).first().waitFor()
    await screenshot(page, `upload-page-restored-after-${label}`)
    await page.locator(UPLOAD_BUTTON).click()

    await page.locator('.uppy-StatusBar.is-complete').waitFor({ timeout: 60_000 })
    const found = await until(
      () => findUploads(name),
      (items) => items.some((u) => u.state === 'stored'),
      { timeout: 60_000, message: `${name} stored` },
    )
    assert.equal(found.length, 1, `exactly one upload named ${name}, found ${JSON.stringify(found.map((u) => [u.id, u.state, u.offset]))}`)
    const [u] = found
    assert.equal(u.id, apiBefore.id, `the upload after the ${label} is the one begun before it`)
    assert.equal(u.length, SIZE)
    await expectAttribute(page.getByTestId(`server-state-value-${u.id}`), 'data-state', 'stored', 30_000)
    await screenshot(page, `upload-page-resumed-after-${label}`)

    const after = requests.filter((r) => r.phase === 'after')
    assert.deepEqual(after.filter((r) => r.method === 'POST'), [], `no new upload was created after the ${label}`)
    const resumed = after.filter((r) => r.method === 'PATCH')
    assert.ok(resumed.length >= 1, `a PATCH was sent after the ${label}`)
    t.diagnostic(`${label} at ${sentBefore} bytes sent; first PATCH after it: Upload-Offset ${resumed[0].offset} of ${SIZE}`)
    assert.ok(resumed[0].offset > 0, `the first PATCH after the ${label} starts at ${resumed[0].offset}, not 0`)
    assert.ok(resumed[0].offset < SIZE, `the first PATCH after the ${label} has bytes left to send`)
    const firstPatch = requests.find((r) => r.method === 'PATCH')
    assert.equal(resumed[0].url, firstPatch.url, 'PATCHes go to the same upload URL')
    assert.equal(decodeURIComponent(new URL(resumed[0].url, BASE_URL).pathname.split('/').pop()), u.id)
    assert.ok((await download(u.id)).equals(bytes), 'downloaded bytes equal the source')
    browser.assertClean()
  } finally {
    await browser.close()
  }
}

test('reloading mid-upload resumes the same upload from its offset', { timeout: 90_000 }, (t) =>
  resumeAfter(t, 'reload', async (browser, page) => {
    await page.reload()
    return { browser, page }
  }),
)

test('restarting the browser mid-upload resumes the same upload from its offset', { timeout: 90_000 }, (t) =>
  resumeAfter(t, 'restart', async (browser, _page, profile) => {
    const problems = browser.problems
    await browser.close() // the whole browser goes; the profile (localStorage, IndexedDB) stays
    const next = await launch(profile)
    next.problems.dialogs.push(...problems.dialogs)
    next.problems.cspViolations.push(...problems.cspViolations)
    next.problems.pageErrors.push(...problems.pageErrors)
    const page = await next.page()
    await openUploadPage(page)
    return { browser: next, page }
  }),
)
