// The UI with authentication on (FORGE_AUTH=token, API keys only): a second server started here
// from the same jar, keys made with the CLI (`forgeupload apikey create`) against the running
// server's data directory. The admin page asks for a token on 401 and then works live; a user's
// upload goes through the upload page with their key; another user sees none of it.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import {
  FILE_INPUT,
  RUN,
  UPLOAD_BUTTON,
  expectAttribute,
  expectCount,
  launch,
  scratch,
  screenshot,
  until,
  writeFile,
} from './helpers.mjs'

const JAR = process.env.FORGE_JAR
let tmp
let server
let base
let browser
const keys = {}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function env(dataDir, port) {
  const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FORGE_')))
  return { ...e, FORGE_HTTP_HOST: '127.0.0.1', FORGE_HTTP_PORT: String(port), FORGE_DATA_DIR: dataDir, FORGE_AUTH: 'token' }
}

before(async () => {
  assert.ok(JAR, 'FORGE_JAR (the server jar) must be set; scripts/test-ui sets it')
  tmp = scratch('auth')
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  const e = env(`${tmp.dir}/data`, port)
  server = spawn('java', ['-jar', JAR], { env: e, stdio: 'ignore' })
  await until(
    () => fetch(`${base}/readyz`).then((r) => r.status).catch(() => 0),
    (s) => s === 200,
    { timeout: 120_000, message: 'token-mode server ready' },
  )
  const create = (owner, scope) =>
    execFileSync('java', ['-jar', JAR, 'apikey', 'create', '--owner', owner, '--scope', scope, '--name', `ui-${RUN}`], {
      env: e,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  keys.admin = create('ui-admin', 'admin')
  keys.ann = create('ann', 'upload')
  keys.ben = create('ben', 'upload')
  for (const k of Object.values(keys)) assert.match(k, /^fu_[A-Za-z0-9_-]{43}$/)
  browser = await launch(`${tmp.dir}/profile`)
})

after(async () => {
  await browser?.close()
  if (server && server.exitCode === null) {
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
  }
  tmp?.remove()
})

test('with auth on, the admin page asks for a token, a user uploads with theirs, another user sees nothing', { timeout: 120_000 }, async () => {
  // Without a credential the API says 401 and the admin page shows its token field.
  assert.equal((await fetch(`${base}/api/v1/uploads`)).status, 401)
  const admin = await browser.page()
  await admin.goto(`${base}/admin/#/`)
  const bar = admin.getByTestId('token-bar')
  await bar.waitFor()
  await screenshot(admin, 'auth-token-prompt')
  await admin.getByTestId('token-input').fill(keys.admin)
  await admin.getByTestId('token-save').click()
  await admin.getByTestId('uploads-table').waitFor()

  // Ann uploads through the upload page with her key (kept in that tab's sessionStorage).
  const name = `auth-${RUN}-ann.bin`
  const bytes = randomBytes(700 * 1024)
  const path = writeFile(tmp.dir, name, bytes)
  const upload = await browser.context.newPage()
  await upload.addInitScript((k) => sessionStorage.setItem('forge.token', k), keys.ann)
  await upload.goto(`${base}/`)
  await upload.waitForFunction(() => !!window.uppy)
  await upload.locator(FILE_INPUT).setInputFiles([path])
  await upload.locator(UPLOAD_BUTTON).click()

  // The admin tab sees it arrive and reach stored, live.
  const link = admin.locator('[data-testid^="link-"]', { hasText: name })
  await expectCount(link, 1, 30_000)
  const id = (await link.getAttribute('data-testid')).slice('link-'.length)
  await expectAttribute(admin.getByTestId(`state-${id}`), 'data-state', 'stored', 60_000)
  await screenshot(admin, 'auth-admin-sees-upload')

  // The API agrees on the owner; Ann downloads her bytes with a query token (as <a href> does).
  const asAdmin = await fetch(`${base}/api/v1/uploads/${id}`, { headers: { Authorization: `Bearer ${keys.admin}` } })
  assert.equal((await asAdmin.json()).owner, 'ann')
  const dl = await fetch(`${base}/api/v1/uploads/${id}/content?access_token=${keys.ann}`)
  assert.equal(dl.status, 200)
  assert.ok(Buffer.from(await dl.arrayBuffer()).equals(bytes), 'downloaded bytes equal the file')

  // Ben: 404 for Ann's upload, and his admin page lists none of her files.
  assert.equal((await fetch(`${base}/api/v1/uploads/${id}/content?access_token=${keys.ben}`)).status, 404)
  const benPage = await browser.context.newPage()
  await benPage.addInitScript((k) => sessionStorage.setItem('forge.token', k), keys.ben)
  await benPage.goto(`${base}/admin/#/`)
  await benPage.getByTestId('uploads-table').waitFor()
  await expectCount(benPage.locator('[data-testid^="link-"]', { hasText: name }), 0, 3_000)
  await screenshot(benPage, 'auth-other-user-sees-nothing')
  browser.assertClean()
})
