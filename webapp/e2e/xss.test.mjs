// A file named `<img src=x onerror=alert(1)>.png` is shown as that text on the upload page, in the
// admin table and in the detail view; no element is made of it and no dialog ever opens.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import {
  BASE_URL,
  FILE_INPUT,
  SCREENSHOT_DIR,
  UPLOAD_BUTTON,
  expectAttribute,
  expectText,
  launch,
  openUploadPage,
  png,
  scratch,
  screenshot,
  uppyUploadId,
  writeFile,
} from './helpers.mjs'

const NAME = '<img src=x onerror=alert(1)>.png'

let tmp
let browser
before(async () => {
  tmp = scratch('xss')
  browser = await launch(`${tmp.dir}/profile`)
})
after(async () => {
  await browser?.close()
  tmp?.remove()
})

/** The page has no <img> whose src is the attacker's `x`, and no element with an onerror attribute. */
async function assertNoInjectedElements(page, where) {
  const injected = await page.evaluate(() => ({
    imgX: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length,
    onerror: document.querySelectorAll('[onerror]').length,
  }))
  assert.deepEqual(injected, { imgX: 0, onerror: 0 }, `${where}: the filename became markup`)
}

test('a filename that is HTML renders as text everywhere and opens no dialog', { timeout: 90_000 }, async () => {
  // Linux accepts this name as is (only '/' and NUL are forbidden), so it goes through the real file input.
  const path = writeFile(tmp.dir, NAME, png(2048))

  // The admin table is open first and receives the upload live.
  const admin = await browser.page()
  await admin.goto(`${BASE_URL}/admin/#/`)
  await admin.getByTestId('uploads-table').waitFor()

  const page = await browser.context.newPage()
  await openUploadPage(page)
  await page.locator(FILE_INPUT).setInputFiles(path)
  const item = page.locator('.uppy-Dashboard-Item').first()
  await item.waitFor()
  await expectText(item.locator('.uppy-Dashboard-Item-name'), (t) => (t ?? '').includes(NAME))
  await page.locator(UPLOAD_BUTTON).click()
  const id = await uppyUploadId(page, NAME)
  const serverRow = page.getByTestId(`server-state-${id}`)
  await expectAttribute(page.getByTestId(`server-state-value-${id}`), 'data-state', 'stored', 60_000)
  await expectText(serverRow.locator('.name'), NAME)
  await assertNoInjectedElements(page, 'upload page')
  await screenshot(page, 'xss-upload-page')

  // Admin table: the link's text is the name, verbatim; the row holds no <img src=x>.
  await admin.bringToFront()
  const row = admin.getByTestId(`row-${id}`)
  await expectAttribute(row, 'data-state', 'stored', 60_000)
  await expectText(admin.getByTestId(`link-${id}`), NAME)
  assert.equal(await row.locator('img').count(), 0, 'no <img> in the row')
  assert.equal(await row.locator('img[src="x"]').count(), 0)
  await assertNoInjectedElements(admin, 'admin table')
  await row.scrollIntoViewIfNeeded()
  await screenshot(admin, 'xss-admin-row')
  await row.screenshot({ path: join(SCREENSHOT_DIR, 'xss-row.png') })

  // Detail view: the heading, the filename field and the metadata show the same text.
  await admin.getByTestId(`link-${id}`).click()
  await expectText(admin.getByTestId('detail-filename'), NAME)
  await expectText(admin.getByTestId('detail-name'), NAME)
  await expectText(admin.getByTestId('meta-filename'), NAME)
  assert.equal(await admin.title(), `${NAME} · ForgeUpload`)
  // The preview image is the upload's own content (a real PNG), never `x`.
  const preview = admin.getByTestId('preview-image')
  await preview.waitFor()
  assert.match((await preview.getAttribute('src')) ?? '', new RegExp(`/api/v1/uploads/${id}/content`))
  assert.equal(await preview.getAttribute('alt'), NAME)
  await assertNoInjectedElements(admin, 'detail view')
  await screenshot(admin, 'xss-detail')

  // The delete dialog quotes the name as text too.
  await admin.getByTestId('delete-button').click()
  await expectText(admin.getByTestId('delete-dialog'), (t) => (t ?? '').includes(`“${NAME}”`))
  await assertNoInjectedElements(admin, 'delete dialog')
  await admin.getByTestId('cancel-delete').click()

  // Search by the name finds exactly this upload and still renders it as text.
  await admin.goto(`${BASE_URL}/admin/#/`)
  await admin.getByTestId('search').fill('onerror=alert')
  await expectText(admin.getByTestId('uploads-count'), '1 shown')
  await expectText(admin.getByTestId(`link-${id}`), NAME)
  await assertNoInjectedElements(admin, 'search results')

  assert.deepEqual(browser.problems.dialogs, [], 'no dialog opened')
  browser.assertClean()
})
