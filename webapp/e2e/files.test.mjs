// Files people share and keep, in the admin console: the detail view's share links (create, copy,
// revoke; the link downloads without credentials and ends at its limit), its version history
// (every version listed and downloadable), and multi-select delete in the uploads table.
import assert from 'node:assert/strict'
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
  tusUpload,
  until,
} from './helpers.mjs'

let tmp
let browser
before(async () => {
  tmp = scratch('files')
  browser = await launch(`${tmp.dir}/profile`)
})
after(async () => {
  await browser?.close()
  tmp?.remove()
})

test('share links: create with a limit, copy, download without credentials until used up, revoke', { timeout: 90_000 }, async () => {
  const name = `shared-${RUN}.txt`
  const bytes = Buffer.from(`shared file ${RUN}\n`.repeat(50))
  const id = await tusUpload(name, bytes, 'text/plain')
  await expectApiState(id, 'stored')

  const page = await browser.page()
  await page.goto(`${BASE_URL}/admin/#/uploads/${id}`)
  await expectAttribute(page.getByTestId('detail-state'), 'data-state', 'stored')
  await page.getByTestId('share-max').fill('1')
  await page.getByTestId('share-create').click()
  const urlField = page.getByTestId('share-url')
  await urlField.waitFor({ state: 'visible' })
  const url = await urlField.inputValue()
  assert.match(url, new RegExp(`^${BASE_URL.replace(/[.]/g, '\\.')}/s/[A-Za-z0-9_-]{43}$`))
  await page.getByTestId('share-copy').click()
  await page.getByTestId('share-copied').waitFor({ state: 'visible' })
  await expectCount(page.getByTestId('share-list').locator('li[data-status="active"]'), 1)
  await screenshot(page, 'admin-share-links')

  // Outside the browser, with no credential: one download, then 410.
  const first = await fetch(url)
  assert.equal(first.status, 200)
  assert.match(first.headers.get('content-disposition') ?? '', /^attachment/)
  assert.ok(Buffer.from(await first.arrayBuffer()).equals(bytes))
  assert.equal((await fetch(url)).status, 410)
  await page.reload()
  await expectCount(page.getByTestId('share-list').locator('li[data-status="used_up"]'), 1)

  // A second link, revoked in the UI: 404 from then on.
  await page.getByTestId('share-max').fill('')
  await page.getByTestId('share-create').click()
  await until(() => urlField.inputValue(), (v) => v && v !== url, { message: 'a second link' })
  const second = await urlField.inputValue()
  assert.equal((await fetch(second)).status, 200)
  const links = await apiJson(`/api/v1/uploads/${id}/shares`)
  const active = links.items.find((l) => l.status === 'active')
  await page.getByTestId(`share-revoke-${active.id}`).click()
  await expectAttribute(page.getByTestId(`share-${active.id}`), 'data-status', 'revoked')
  assert.equal((await fetch(second)).status, 404)
  browser.assertClean()
})

test('version history: three uploads of one name are listed newest first and each downloads', { timeout: 90_000 }, async () => {
  const name = `versioned-${RUN}.txt`
  const bodies = [1, 2, 3].map((v) => Buffer.from(`version ${v} of ${name}\n`))
  const ids = []
  for (const b of bodies) ids.push(await tusUpload(name, b, 'text/plain'))
  for (const id of ids) await expectApiState(id, 'stored')

  const page = await browser.page()
  await page.goto(`${BASE_URL}/admin/#/uploads/${ids[2]}`)
  await expectAttribute(page.getByTestId('detail-state'), 'data-state', 'stored')
  const items = page.getByTestId('versions').locator('li')
  await expectCount(items, 3)
  assert.deepEqual(await items.evaluateAll((lis) => lis.map((li) => li.dataset.id)), [ids[2], ids[1], ids[0]])
  await expectText(page.getByTestId('versions-name'), (t) => (t ?? '').includes(name))
  for (const v of [1, 2, 3]) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`version-download-${v}`).click()])
    assert.ok(readFileSync(await dl.path()).equals(bodies[v - 1]), `version ${v} downloads its own bytes`)
  }
  await page.getByTestId('version-link-1').click()
  await expectAttribute(page.getByTestId('view'), 'data-route', 'detail')
  assert.equal(new URL(page.url()).hash, `#/uploads/${ids[0]}`)
  await screenshot(page, 'admin-versions')
  browser.assertClean()
})

test('multi-select delete removes the selected uploads from the table and the server', { timeout: 90_000 }, async () => {
  const tag = `bulk-${RUN}`
  const ids = []
  for (let i = 0; i < 3; i++) ids.push(await tusUpload(`${tag}-${i}.bin`, Buffer.from(`bulk ${i}`)))
  const keep = await tusUpload(`${tag}-keep.bin`, Buffer.from('keep'))

  const page = await browser.page()
  await page.goto(`${BASE_URL}/admin/#/`)
  await page.getByTestId('search').fill(tag)
  await expectCount(page.getByTestId('uploads-body').locator('tr'), 4)
  for (const id of ids) await page.getByTestId(`select-${id}`).check()
  await expectText(page.getByTestId('bulk-delete'), 'Delete selected (3)')
  await page.getByTestId('bulk-delete').click()
  const dialog = page.getByTestId('bulk-delete-dialog')
  await dialog.waitFor({ state: 'visible' })
  await page.getByTestId('confirm-bulk-delete').click()
  await expectText(page.getByTestId('bulk-result'), 'Deleted 3.')
  await expectCount(page.getByTestId('uploads-body').locator('tr'), 1)
  await page.getByTestId(`row-${keep}`).waitFor({ state: 'visible' })
  for (const id of ids) assert.equal((await apiJson(`/api/v1/uploads/${id}`)).state, 'deleted')
  assert.notEqual((await apiJson(`/api/v1/uploads/${keep}`)).state, 'deleted')

  // select all, then cancel: nothing is deleted
  await page.getByTestId('select-all').check()
  await expectText(page.getByTestId('bulk-delete'), 'Delete selected (1)')
  await page.getByTestId('bulk-delete').click()
  await page.getByTestId('cancel-bulk-delete').click()
  await dialog.waitFor({ state: 'hidden' })
  assert.notEqual((await apiJson(`/api/v1/uploads/${keep}`)).state, 'deleted')
  browser.assertClean()
})
