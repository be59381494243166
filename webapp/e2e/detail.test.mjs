// The detail view of a stored upload: its facts, the download (same bytes), and delete with the
// confirmation dialog, after which the table no longer lists it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import {
  BASE_URL,
  RUN,
  apiJson,
  expectApiState,
  expectAttribute,
  expectCount,
  expectText,
  launch,
  scratch,
  screenshot,
  sha256,
  tusUpload,
  until,
} from './helpers.mjs'

let tmp
let browser
before(async () => {
  tmp = scratch('detail')
  browser = await launch(`${tmp.dir}/profile`)
})
after(async () => {
  await browser?.close()
  tmp?.remove()
})

test('detail view: download gives the same bytes; delete with confirmation removes it from the table', { timeout: 90_000 }, async () => {
  const name = `detail-${RUN}-report.txt`
  const bytes = Buffer.concat([Buffer.from(`Quarterly report ${RUN}\nline two\n`), Buffer.from(randomBytes(4096).toString('hex'))])
  const id = await tusUpload(name, bytes, 'text/plain')
  await expectApiState(id, 'stored')

  const page = await browser.page()
  await page.goto(`${BASE_URL}/admin/#/`)
  const link = page.getByTestId(`link-${id}`)
  await expectText(link, name)
  await link.click()

  // The detail view.
  await expectAttribute(page.getByTestId('view'), 'data-route', 'detail')
  assert.equal(new URL(page.url()).hash, `#/uploads/${id}`)
  await expectText(page.getByTestId('detail-filename'), name)
  await expectAttribute(page.getByTestId('detail-state'), 'data-state', 'stored')
  await expectText(page.getByTestId('detail-sha256'), sha256(bytes))
  await expectText(page.getByTestId('detail-storage-key'), (t) => !!t && t !== '—' && t.includes(id))
  await expectText(page.getByTestId('detail-size'), (t) => (t ?? '').includes(bytes.length.toLocaleString('en-US')))
  await expectText(page.getByTestId('preview-text'), (t) => (t ?? '').startsWith(`Quarterly report ${RUN}`))
  await until(
    () => page.getByTestId('timeline').locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.state)),
    (states) => states.includes('stored'),
    { message: 'a timeline ending in stored' },
  )
  await screenshot(page, 'admin-detail')

  // Download through the link: the browser's download has the file's bytes and name.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-link').click()])
  assert.equal(dl.suggestedFilename(), name)
  const saved = readFileSync(await dl.path())
  assert.ok(saved.equals(bytes), `downloaded ${saved.length} bytes equal the ${bytes.length} uploaded`)
  // The same link fetched with the page's cookies and headers.
  const href = await page.getByTestId('download-link').getAttribute('href')
  const res = await page.request.get(new URL(href, page.url()).href)
  assert.equal(res.status(), 200)
  assert.ok((await res.body()).equals(bytes))

  // Cancel first: nothing happens.
  await page.getByTestId('delete-button').click()
  const dialog = page.getByTestId('delete-dialog')
  await dialog.waitFor({ state: 'visible' })
  await expectText(dialog, (t) => (t ?? '').includes(name))
  await page.getByTestId('cancel-delete').click()
  await dialog.waitFor({ state: 'hidden' })
  assert.equal((await apiJson(`/api/v1/uploads/${id}`)).state, 'stored')

  // Delete for real: back to the table, and the row is gone.
  await page.getByTestId('delete-button').click()
  await dialog.waitFor({ state: 'visible' })
  await screenshot(page, 'admin-delete-dialog')
  await page.getByTestId('confirm-delete').click()
  await until(() => new URL(page.url()).hash, (h) => h === '#/', { message: 'back on the uploads table' })
  await page.getByTestId('uploads-table').waitFor()
  await expectCount(page.getByTestId(`row-${id}`), 0)
  await expectCount(page.getByTestId('uploads-body').getByText(name, { exact: true }), 0)
  const after = await fetch(`${BASE_URL}/api/v1/uploads/${id}`).then(async (r) => (r.ok ? (await r.json()).state : r.status))
  assert.ok(after === 'deleted' || after === 404, `the API reports the upload gone (${after})`)
  const content = await fetch(`${BASE_URL}/api/v1/uploads/${id}/content`)
  assert.ok(content.status >= 400, `its content is no longer served (HTTP ${content.status})`)

  // It stays gone after a reload, and shows up only under the "deleted" filter.
  await page.reload()
  await page.getByTestId('uploads-table').waitFor()
  await expectCount(page.getByTestId(`row-${id}`), 0)
  if (after === 'deleted') {
    await page.getByTestId('state-filter').selectOption('deleted')
    await expectAttribute(page.getByTestId(`state-${id}`), 'data-state', 'deleted')
  }
  browser.assertClean()
})
