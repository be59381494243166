// A reload in the middle of an upload resumes it (same tus upload, PATCH from the server's offset),
// it does not start a new one. The network is throttled through the DevTools protocol so the
// upload is still running when the page reloads.
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
let browser
before(async () => {
  tmp = scratch('resume')
  browser = await launch(`${tmp.dir}/profile`)
})
after(async () => {
  await browser?.close()
  tmp?.remove()
})

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

test('reloading mid-upload resumes the same upload from its offset', { timeout: 90_000 }, async (t) => {
  const name = `resume-${RUN}.bin`
  const bytes = randomBytes(SIZE)
  const path = writeFile(tmp.dir, name, bytes)

  const page = await browser.page()
  const patches = [] // { phase, offset, url }
  const posts = []
  let phase = 'first'
  page.on('request', (req) => {
    if (!new URL(req.url()).pathname.startsWith('/files/')) return
    const h = req.headers()
    if (req.method() === 'POST') posts.push({ phase, url: req.url() })
    if (req.method() === 'PATCH') patches.push({ phase, offset: Number(h['upload-offset']), url: req.url() })
  })

  await openUploadPage(page)
  await throttle(page)
  await page.locator(FILE_INPUT).setInputFiles(path)
  await page.locator('.uppy-Dashboard-Item').filter({ hasText: name }).first().waitFor()
  await page.locator(UPLOAD_BUTTON).click()

  // Reload once 30-60 % has gone out (Uppy's count follows the throttled socket).
  const sentBefore = await until(
    () => uppySent(page, name),
    (sent) => sent >= 0.3 * SIZE,
    { timeout: 30_000, message: 'the upload to be 30 % through' },
  )
  assert.ok(sentBefore <= 0.6 * SIZE, `reloading at ${sentBefore} bytes, not later than 60 %`)
  const [apiBefore] = await findUploads(name)
  assert.equal(apiBefore?.state, 'uploading', 'the upload is still running before the reload')
  await screenshot(page, 'upload-page-mid-upload')

  phase = 'after-reload'
  await page.reload()
  await page.waitForFunction(() => !!window.uppy)
  await throttle(page) // the emulation belongs to the old document's session; keep the pace
  // Golden Retriever restores the file (state and bytes); resuming takes a click on Upload.
  await page.locator('.uppy-Dashboard-Item').filter({ hasText: name }).first().waitFor()
  await screenshot(page, 'upload-page-restored-after-reload')
  await page.locator(UPLOAD_BUTTON).click()

  await page.locator('.uppy-StatusBar.is-complete').waitFor({ timeout: 60_000 })
  const found = await until(
    () => findUploads(name),
    (items) => items.length >= 1 && items.every((u) => u.state === 'stored'),
    { timeout: 60_000, message: `${name} stored` },
  )
  assert.equal(found.length, 1, `exactly one upload named ${name}, found ${JSON.stringify(found.map((u) => u.id))}`)
  const [u] = found
  assert.equal(u.id, apiBefore.id, 'the upload after the reload is the one begun before it')
  assert.equal(u.length, SIZE)
  await expectAttribute(page.getByTestId(`server-state-value-${u.id}`), 'data-state', 'stored', 30_000)
  await screenshot(page, 'upload-page-resumed-complete')

  assert.equal(posts.filter((p) => p.phase === 'after-reload').length, 0, 'no new upload was created after the reload')
  const resumed = patches.filter((p) => p.phase === 'after-reload')
  assert.ok(resumed.length >= 1, 'a PATCH was sent after the reload')
  assert.ok(resumed[0].offset > 0, `the first PATCH after the reload starts at ${resumed[0].offset}, not 0`)
  t.diagnostic(`reloaded at ${sentBefore} bytes sent; first PATCH after the reload: Upload-Offset ${resumed[0].offset} of ${SIZE}`)
  assert.ok(resumed[0].offset < SIZE, 'the first PATCH after the reload has bytes left to send')
  assert.ok((await download(u.id)).equals(bytes), 'downloaded bytes equal the source')
  assert.ok(new URL(patches[0].url).href === new URL(resumed[0].url).href, 'PATCHes go to the same upload URL')
  assert.equal(new URL(resumed[0].url, BASE_URL).pathname.split('/').pop(), u.id)
  browser.assertClean()
})
