// Three files through the Uppy Dashboard; an admin tab opened before the upload starts sees them
// appear and reach `stored` live (Server-Sent Events), without a reload.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import {
  BASE_URL,
  FILE_INPUT,
  RUN,
  UPLOAD_BUTTON,
  download,
  expectAttribute,
  expectCount,
  expectText,
  findUploads,
  launch,
  openUploadPage,
  png,
  scratch,
  screenshot,
  writeFile,
} from './helpers.mjs'

let tmp
let browser
before(async () => {
  tmp = scratch('live')
  browser = await launch(`${tmp.dir}/profile`)
})
after(async () => {
  await browser?.close()
  tmp?.remove()
})

test('three files uploaded through the dashboard reach stored in an admin tab, live', { timeout: 90_000 }, async () => {
  const files = [
    { name: `live-${RUN}-photo.png`, bytes: png(300 * 1024) },
    { name: `live-${RUN}-notes.txt`, bytes: Buffer.from(`notes of run ${RUN}\n`.repeat(2000)) },
    { name: `live-${RUN}-data.bin`, bytes: randomBytes(1536 * 1024) },
  ]
  const paths = files.map((f) => writeFile(tmp.dir, f.name, f.bytes))

  // The admin console first, in its own tab, with a marker that a reload would wipe.
  const admin = await browser.page()
  await admin.goto(`${BASE_URL}/admin/#/`)
  await admin.getByTestId('uploads-table').waitFor()
  await admin.evaluate(() => {
    window.__noReload = 'still the same document'
  })
  let adminNavigations = 0
  admin.on('framenavigated', (f) => {
    if (f === admin.mainFrame()) adminNavigations++
  })
  for (const f of files) await expectCount(admin.getByTestId('uploads-body').getByText(f.name), 0, 1_000)

  // The upload page in a second tab: add the files, then press Upload.
  const upload = await browser.context.newPage()
  await openUploadPage(upload)
  await upload.locator(FILE_INPUT).setInputFiles(paths)
  for (const f of files) await upload.locator('.uppy-Dashboard-Item').filter({ hasText: f.name }).first().waitFor()
  await screenshot(upload, 'upload-page-files-added')
  await upload.locator(UPLOAD_BUTTON).click()

  // The admin tab (never reloaded) shows each upload, and its state cell turns to stored.
  const ids = []
  for (const f of files) {
    const link = admin.locator('[data-testid^="link-"]', { hasText: f.name })
    await expectCount(link, 1, 30_000)
    const id = (await link.getAttribute('data-testid')).slice('link-'.length)
    ids.push(id)
    assert.equal(await link.textContent(), f.name)
    const state = admin.getByTestId(`state-${id}`)
    await expectAttribute(state, 'data-state', 'stored', 60_000)
    await expectText(state, (t) => /^stored/.test(t ?? ''), 5_000)
    await expectAttribute(admin.getByTestId(`row-${id}`), 'data-state', 'stored', 5_000)
  }
  assert.equal(await admin.evaluate(() => window.__noReload), 'still the same document', 'the admin page was reloaded')
  assert.equal(adminNavigations, 0, 'the admin page navigated')
  assert.match((await admin.getByTestId('uploads-count').textContent()) ?? '', /^\d+\+? shown$/)

  // The upload page shows the server-side state per file too, ending at stored.
  for (const id of ids) {
    await expectAttribute(upload.getByTestId(`server-state-value-${id}`), 'data-state', 'stored', 30_000)
  }
  await upload.locator('.uppy-StatusBar.is-complete').waitFor()
  await screenshot(upload, 'upload-page-complete')
  await admin.bringToFront()
  await screenshot(admin, 'admin-table')

  // And the server has exactly these bytes, once each.
  for (const [i, f] of files.entries()) {
    const found = await findUploads(f.name)
    assert.deepEqual(
      found.map((u) => u.id),
      [ids[i]],
      `exactly one upload named ${f.name}`,
    )
    assert.ok((await download(ids[i])).equals(readFileSync(paths[i])), `${f.name}: downloaded bytes equal the file`)
  }
  browser.assertClean()
})
