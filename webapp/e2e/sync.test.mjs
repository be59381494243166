// Sync jobs in the admin console: a folder under the server's FORGE_SYNC_ROOTS (scripts/test-ui
// passes SYNC_ROOT) is added through the form; the page, never reloaded, shows the job reach
// completed at 100% from the event stream, and the job's page lists every matching file uploaded,
// each linking to its upload, whose bytes equal the file.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { BASE_URL, RUN, apiJson, download, expectAttribute, expectCount, expectText, launch, scratch, screenshot } from './helpers.mjs'

const SYNC_ROOT = process.env.SYNC_ROOT
let tmp
let browser
before(async () => {
  tmp = scratch('sync')
  browser = await launch(`${tmp.dir}/profile`)
})
after(async () => {
  await browser?.close()
  tmp?.remove()
})

test('a folder added on the sync page is mirrored, with live progress and its files listed', { timeout: 120_000, skip: !SYNC_ROOT && 'SYNC_ROOT is not set' }, async () => {
  const folder = join(SYNC_ROOT, `ui-${RUN}`)
  const files = {
    'top.csv': randomBytes(2048),
    'a/nested.csv': randomBytes(300 * 1024),
    'a/b/deep <b>x</b>.csv': randomBytes(10),
  }
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(join(folder, rel, '..'), { recursive: true })
    writeFileSync(join(folder, rel), bytes)
  }
  writeFileSync(join(folder, 'ignored.txt'), 'not matched')

  const page = await browser.page()
  await page.goto(`${BASE_URL}/admin/#/sync`)
  await page.getByTestId('sync-jobs-table').waitFor()
  await page.evaluate(() => {
    window.__noReload = 'same document'
  })
  await page.getByTestId('sync-folder').fill(folder)
  await page.getByTestId('sync-pattern').fill('**/*.csv')
  await page.getByTestId('sync-create').click()

  const link = page.locator('[data-testid^="sync-link-"]', { hasText: folder })
  await expectCount(link, 1, 10_000)
  const id = (await link.getAttribute('data-testid')).slice('sync-link-'.length)
  await expectAttribute(page.getByTestId(`sync-state-${id}`), 'data-state', 'completed', 60_000)
  await expectText(page.getByTestId(`sync-progress-${id}-pct`), '100%', 10_000)
  await expectText(page.getByTestId(`sync-files-${id}`), '3 / 3', 5_000)
  assert.equal(await page.evaluate(() => window.__noReload), 'same document', 'the page was reloaded')
  await screenshot(page, 'sync-jobs')

  await link.click()
  await expectAttribute(page.getByTestId('sync-job-state'), 'data-state', 'completed', 10_000)
  for (const rel of Object.keys(files)) {
    await expectAttribute(page.getByTestId(`sync-file-${rel}`), 'data-state', 'uploaded', 10_000)
  }
  await expectCount(page.getByTestId('sync-files-body').locator('tr'), 3, 5_000)
  await screenshot(page, 'sync-job')

  const listed = await apiJson(`/api/v1/sync-jobs/${id}/files`)
  for (const f of listed.items) {
    assert.ok((await download(f.upload_id)).equals(files[f.path]), `${f.path}: downloaded bytes equal the file`)
  }
  // the file name with markup stays text
  await expectText(page.getByTestId('sync-file-a/b/deep <b>x</b>.csv').locator('td.path'), 'a/b/deep <b>x</b>.csv', 5_000)
  await page.getByTestId('sync-file-top.csv').locator('a').click()
  await page.getByTestId('detail-filename').waitFor()
  await expectText(page.getByTestId('detail-filename'), 'top.csv', 10_000)
  browser.assertClean()
})

test('a job whose folder went away says so on its page', { timeout: 60_000, skip: !SYNC_ROOT && 'SYNC_ROOT is not set' }, async () => {
  const folder = join(SYNC_ROOT, `ui-gone-${RUN}`)
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'one.txt'), 'one')
  const job = await apiJson('/api/v1/sync-jobs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ source_folder: folder }),
  })
  const page = await browser.page()
  await page.goto(`${BASE_URL}/admin/#/sync/${job.id}`)
  await expectAttribute(page.getByTestId('sync-job-state'), 'data-state', 'completed', 30_000)
  assert.equal(await page.getByTestId('sync-job-scan-error').count(), 0, 'no error while the folder is there')

  renameSync(folder, `${folder}-moved`)
  await apiJson(`/api/v1/sync-jobs/${job.id}/scan`, { method: 'POST' })
  for (let i = 0; ; i++) {
    const j = await apiJson(`/api/v1/sync-jobs/${job.id}`)
    if (j.last_scan_error != null) break
    assert.ok(i < 100, 'the failed scan shows in the API within 10 s')
    await new Promise((r) => setTimeout(r, 100))
  }
  await page.reload()
  await expectText(page.getByTestId('sync-job-scan-error'), 'last scan failed: the folder does not exist', 10_000)
  browser.assertClean()
})
