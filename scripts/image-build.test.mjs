// Tests of scripts/image-build.mjs (node --test scripts/image-build.test.mjs): Docker's
// .dockerignore rules, the Dockerfile reader, and small builds that must pass or fail.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  BuildError, build, contextFiles, excluded, forbidden, parseDockerfile, parseDockerignore,
} from './image-build.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const quiet = () => {}

function tmp() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'image-build-test-'))
}

function write(dir, files) {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), content)
  }
}

test('dockerignore: patterns are anchored, * stays in a segment, ** crosses them', () => {
  const p = parseDockerignore('target\n*.log\n**/node_modules\n# comment\n/data/\n')
  assert.equal(excluded(p, 'target/classes/A.class'), true) // a parent directory matches
  assert.equal(excluded(p, 'src/target/x'), false) // anchored at the root
  assert.equal(excluded(p, 'build.log'), true)
  assert.equal(excluded(p, 'logs/build.log'), false) // * does not cross a slash
  assert.equal(excluded(p, 'webapp/node_modules/vite/index.js'), true)
  assert.equal(excluded(p, 'node_modules/x'), true) // **/ matches no directory too
  assert.equal(excluded(p, 'data/staging/f'), true)
  assert.equal(excluded(p, 'src/main/Data.java'), false)
})

test('dockerignore: exceptions re-include and the last matching pattern wins', () => {
  const p = parseDockerignore('*\n!src/\n!docker/healthcheck\nsrc/**/*.tmp\n!src/keep.tmp\n')
  assert.equal(excluded(p, 'README.md'), true)
  assert.equal(excluded(p, 'src/main/A.java'), false)
  assert.equal(excluded(p, 'src/main/x.tmp'), true)
  assert.equal(excluded(p, 'src/keep.tmp'), false)
  assert.equal(excluded(p, 'docker/healthcheck'), false)
  assert.equal(excluded(p, 'docker/compose.yaml'), true)
})

test('the repository context holds what the image copies and nothing it must not', () => {
  const p = parseDockerignore(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8'))
  for (const f of ['pom.xml', 'src/main/java/dev/forgeupload/Main.java',
    'src/main/resources/openapi.json', 'webapp/package.json', 'webapp/package-lock.json',
    'webapp/src/main.ts', 'webapp/admin/index.html', 'docker/healthcheck']) {
    assert.equal(excluded(p, f), false, `${f} must be in the context`)
  }
  for (const f of ['data/postgres/PG_VERSION', 'target/forgeupload.jar', '.git/HEAD',
    'webapp/node_modules/vite/package.json', 'node_modules/x/y.js',
    'docker/secrets/jwt_secret', 'docker/compose.yaml', 'server.log', 'webapp/e2e/xss.test.mjs',
    'README.md', 'scripts/run']) {
    assert.equal(excluded(p, f), true, `${f} must stay out of the context`)
  }
})

test('the Dockerfile reader joins continuations and skips comments', () => {
  const steps = parseDockerfile(
    '# syntax=docker/dockerfile:1\nFROM a AS b\nRUN one \\\n  # inside\n  two\n\ncopy x y\n')
  assert.deepEqual(steps.map((s) => [s.line, s.cmd, s.args]), [
    [2, 'FROM', 'a AS b'], [3, 'RUN', 'one    two'], [7, 'COPY', 'x y'],
  ])
})

test('forbid entries: a root path, or a name at any depth', () => {
  assert.equal(forbidden('data', 'data/x'), true)
  assert.equal(forbidden('data', 'src/data/x'), false)
  assert.equal(forbidden('**/node_modules', 'webapp/node_modules/a'), true)
  assert.equal(forbidden('docker/secrets', 'docker/secrets/jwt'), true)
})

function fixture(dockerfile, extra = {}) {
  const dir = tmp()
  write(dir, {
    '.dockerignore': '*\n!in.txt\n!tools/\n',
    'in.txt': 'input\n',
    'secret.txt': 'left out\n',
    'tools/run.sh': '#!/bin/sh\necho tool-ran\n',
    Dockerfile: dockerfile,
    ...extra,
  })
  fs.chmodSync(path.join(dir, 'tools/run.sh'), 0o755)
  return dir
}

const GOOD = `FROM base AS one
WORKDIR /w
ENV GREETING=built
COPY in.txt ./
COPY tools/ /opt/tools/
RUN cp in.txt out.txt && echo "$GREETING" >> out.txt && /bin/sh -c 'test -x ../opt/tools/run.sh'
FROM runtime
RUN useradd nobody-at-all
COPY --from=one /w/out.txt /app/
HEALTHCHECK --interval=5s CMD ["/app/out.txt"]
ENTRYPOINT ["/bin/cat", "/app/out.txt"]
`

test('a good build copies from the context and earlier stages and runs the entrypoint', () => {
  const dir = fixture(GOOD)
  const work = tmp()
  const { stages, context } = build({ dockerfile: path.join(dir, 'Dockerfile'), contextDir: dir,
    work, smoke: [], expect: '^input\\nbuilt$', log: quiet })
  assert.deepEqual(fs.readdirSync(context).sort(), ['in.txt', 'tools'])
  assert.equal(fs.statSync(path.join(stages[0].root, 'opt/tools/run.sh')).mode & 0o111, 0o111)
  assert.equal(fs.readFileSync(path.join(stages[1].root, 'app/out.txt'), 'utf8'), 'input\nbuilt\n')
})

function fails(dockerfile, message, opts = {}) {
  const dir = fixture(dockerfile)
  assert.throws(
    () => build({ dockerfile: path.join(dir, 'Dockerfile'), contextDir: dir, work: tmp(),
      log: quiet, ...opts }),
    (e) => e instanceof BuildError && message.test(e.message),
  )
}

test('copying a file .dockerignore leaves out fails', () => {
  fails('FROM a\nCOPY secret.txt /x\n', /line 2: COPY: COPY secret.txt: not in the build context/)
})

test('a failing RUN step fails the build', () => {
  fails('FROM a AS one\nRUN exit 3\nFROM b\n', /line 2: RUN 'exit 3' exited with 3/)
})

test('COPY --from a stage that lacks the file, or does not exist, fails', () => {
  fails('FROM a AS one\nFROM b\nCOPY --from=one /nothing /x\n', /not in stage one/)
  fails('FROM a\nCOPY --from=nope /x /y\n', /no earlier stage 'nope'/)
})

test('an image whose HEALTHCHECK or ENTRYPOINT names a missing file fails', () => {
  fails('FROM a\nHEALTHCHECK CMD ["/usr/bin/probe"]\n', /HEALTHCHECK runs '\/usr\/bin\/probe'/)
  fails('FROM a\nENTRYPOINT ["java", "-jar", "/app.jar"]\n', /ENTRYPOINT names \/app.jar/)
})

test('an entrypoint whose output is not the expected one fails', () => {
  fails(GOOD, /expected \/production\//, { smoke: [], expect: 'production' })
})

test('instructions the check cannot emulate are refused, not skipped', () => {
  fails('FROM a\nADD https://example.invalid/x /x\n', /not supported by this check/)
})

test('contextFiles walks into excluded directories only where an exception may apply', () => {
  const dir = tmp()
  write(dir, { '.dockerignore': 'big\n', 'big/a/b': 'x', 'keep/c': 'y' })
  assert.deepEqual(contextFiles(dir).sort(), ['.dockerignore', 'keep/c'])
})
