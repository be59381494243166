// Runs a Dockerfile's build without Docker, so that a broken image build fails the tests on
// machines that have no Docker engine (scripts/check-image). What it does, in a scratch
// directory:
//   1. the build context: every file under the context directory that .dockerignore lets
//      through (Docker's rules: patterns anchored at the root, `*`, `?`, `**`, `!` exceptions,
//      the last matching pattern wins, a pattern matching a parent directory matches the files
//      in it), copied with their modes;
//   2. each stage gets a directory standing for its file system root; WORKDIR, ENV, ARG and COPY
//      (from the context or `--from` an earlier stage) act on it; RUN steps of the build stages
//      (every stage but the last) run there with the machine's tools (shell form: /bin/sh -c),
//      with the stage's ENV; RUN flags such as --mount are dropped;
//   3. the last stage (the runtime image) gets its files copied but its RUN steps are only
//      listed (they set up the image's system: users, packages); what its HEALTHCHECK and
//      ENTRYPOINT name must exist in it, and the ENTRYPOINT can be run with extra arguments
//      (--smoke) and its output checked (--expect).
// What it cannot check: the base images' own contents and tool versions (the machine's node,
// npm, mvn and java stand in for them), and RUN steps that use absolute paths inside the image.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export class BuildError extends Error {}

// ---- .dockerignore ----------------------------------------------------------------------

/** The patterns of a .dockerignore text: {negate, regex, source}. */
export function parseDockerignore(text) {
  const patterns = []
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    let negate = false
    if (line.startsWith('!')) {
      negate = true
      line = line.slice(1).trim()
    }
    line = path.posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '')
    if (line === '' || line === '.') continue
    patterns.push({ negate, regex: globToRegex(line), source: line })
  }
  return patterns
}

/** Docker's pattern syntax as a regular expression on a slash-separated relative path. */
export function globToRegex(pattern) {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++
        if (pattern[i + 1] === '/') {
          i++
          re += '(?:.*/)?' // `**/`: any number of directories, none included
        } else {
          re += '.*'
        }
      } else {
        re += '[^/]*'
      }
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1)
      if (end < 0) throw new BuildError(`.dockerignore: unclosed [ in '${pattern}'`)
      let cls = pattern.slice(i + 1, end)
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1)
      re += '[' + cls.replace(/\\/g, '\\\\') + ']'
      i = end
    } else if (c === '\\' && i + 1 < pattern.length) {
      i++
      re += escapeRegex(pattern[i])
    } else {
      re += escapeRegex(c)
    }
  }
  return new RegExp('^' + re + '$')
}

function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** True when Docker leaves `rel` (a slash-separated path in the context) out of the context. */
export function excluded(patterns, rel) {
  const parents = rel.split('/').slice(0, -1)
  let matched = false
  for (const p of patterns) {
    // an exclusion cannot change an excluded path, an exception cannot change an included one
    if (p.negate !== matched) continue
    let match = p.regex.test(rel)
    for (let i = 1; !match && i <= parents.length; i++) {
      match = p.regex.test(parents.slice(0, i).join('/'))
    }
    if (match) matched = !p.negate
  }
  return matched
}

/** Whether an exception pattern might re-include something under the excluded directory. */
function mayReinclude(patterns, dir) {
  return patterns.some((p) => {
    if (!p.negate) return false
    const literal = p.source.split(/[*?[\\]/)[0]
    return literal.startsWith(dir + '/') || (dir + '/').startsWith(literal) || literal === ''
  })
}

/** The context's files (relative paths) after .dockerignore, in walk order. */
export function contextFiles(contextDir) {
  const ignoreFile = path.join(contextDir, '.dockerignore')
  const patterns = fs.existsSync(ignoreFile)
    ? parseDockerignore(fs.readFileSync(ignoreFile, 'utf8'))
    : []
  const out = []
  const walk = (relDir) => {
    const abs = path.join(contextDir, relDir)
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name
      if (e.isDirectory()) {
        if (!excluded(patterns, rel) || mayReinclude(patterns, rel)) walk(rel)
      } else if (!excluded(patterns, rel)) {
        out.push(rel)
      }
    }
  }
  walk('')
  return out
}

// ---- Dockerfile -------------------------------------------------------------------------

/** The instructions of a Dockerfile: {line, cmd, args} with continuation lines joined. */
export function parseDockerfile(text) {
  const out = []
  let buf = ''
  let start = 0
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (buf === '' && /^\s*#/.test(line)) continue // comments and parser directives
    if (buf !== '' && /^\s*#/.test(line)) continue // comment lines inside a continuation
    if (buf === '' && line.trim() === '') continue
    if (buf === '') start = i + 1
    if (/\\\s*$/.test(line)) {
      buf += line.replace(/\\\s*$/, '') + ' '
      continue
    }
    buf += line
    const m = buf.trim().match(/^(\S+)\s*([\s\S]*)$/)
    out.push({ line: start, cmd: m[1].toUpperCase(), args: m[2].trim() })
    buf = ''
  }
  if (buf !== '') throw new BuildError(`Dockerfile line ${start}: continuation at end of file`)
  return out
}

/** `--flag=value` options in front of an instruction's arguments, and the rest. */
export function splitFlags(args) {
  const flags = {}
  let rest = args
  for (;;) {
    const m = rest.match(/^--([a-z-]+)(?:=(\S*))?\s+/)
    if (!m) break
    flags[m[1]] = m[2] ?? true
    rest = rest.slice(m[0].length)
  }
  return { flags, rest }
}

/** JSON array form or whitespace-separated words. */
function words(rest) {
  if (rest.startsWith('[')) {
    try {
      return JSON.parse(rest)
    } catch {
      throw new BuildError(`not a JSON array: ${rest}`)
    }
  }
  return rest.split(/\s+/).filter(Boolean)
}

function substitute(s, env) {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, a, def, b) => {
      const v = env[a ?? b]
      return v !== undefined && v !== '' ? v : def ?? (v ?? '')
    })
}

function parseEnv(rest, env) {
  const out = {}
  if (!rest.includes('=')) {
    const m = rest.match(/^(\S+)\s+(.*)$/)
    if (!m) throw new BuildError(`ENV needs a value: ${rest}`)
    out[m[1]] = m[2]
    return out
  }
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g
  let m
  while ((m = re.exec(rest))) {
    let v = m[2]
    if (v.startsWith('"')) v = JSON.parse(v)
    out[m[1]] = substitute(v, { ...env, ...out })
  }
  return out
}

// ---- the build ----------------------------------------------------------------------------

function copyEntry(src, dest) {
  const st = fs.lstatSync(src)
  if (st.isSymbolicLink()) {
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    fs.rmSync(dest, { force: true })
    fs.symlinkSync(fs.readlinkSync(src), dest)
  } else if (st.isDirectory()) {
    fs.mkdirSync(dest, { recursive: true })
    for (const name of fs.readdirSync(src)) copyEntry(path.join(src, name), path.join(dest, name))
  } else {
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    fs.copyFileSync(src, dest)
    fs.chmodSync(dest, st.mode & 0o7777)
  }
}

/** Maps an absolute path inside a stage to the directory standing for that stage's root. */
function inStage(root, p) {
  return path.join(root, path.posix.normalize('/' + p))
}

function expandSources(baseRoot, workdir, src, what) {
  const rel = src.startsWith('/') ? src : path.posix.join(workdir, src)
  const full = inStage(baseRoot, rel)
  if (!/[*?[]/.test(path.basename(src))) {
    if (!fs.existsSync(full)) throw new BuildError(`COPY ${src}: not in ${what}`)
    return [full]
  }
  const dir = path.dirname(full)
  const re = globToRegex(path.basename(src))
  const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => re.test(n)) : []
  if (found.length === 0) throw new BuildError(`COPY ${src}: nothing matches in ${what}`)
  return found.map((n) => path.join(dir, n))
}

/**
 * Builds `dockerfile` with `contextDir` as the context in `work` (a fresh directory). Options:
 * env (extra environment for RUN), smoke (arguments appended to the last stage's ENTRYPOINT,
 * which is then run), expect (a regular expression its output must match), log (a function).
 * Returns {stages, context} for callers that look further.
 */
export function build({ dockerfile, contextDir, work, env = {}, smoke = null, expect = null,
  log = console.log }) {
  const files = contextFiles(contextDir)
  const context = path.join(work, 'context')
  for (const rel of files) copyEntry(path.join(contextDir, rel), path.join(context, rel))
  log(`context: ${files.length} files (after .dockerignore) in ${context}`)

  const steps = parseDockerfile(fs.readFileSync(dockerfile, 'utf8'))
  const stageStarts = steps.filter((s) => s.cmd === 'FROM').length
  if (stageStarts === 0) throw new BuildError('Dockerfile: no FROM')
  const stages = []
  let st = null
  let globalArgs = {}
  for (const step of steps) {
    const where = `Dockerfile line ${step.line}: ${step.cmd}`
    const t0 = Date.now()
    try {
      if (step.cmd === 'FROM') {
        const m = step.args.match(/^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i)
        if (!m) throw new BuildError(`${where}: cannot read '${step.args}'`)
        const index = stages.length
        const name = m[2] ?? String(index)
        st = { name, index, image: m[1], root: path.join(work, 'stages', `${index}-${name}`),
          workdir: '/', env: { ...globalArgs }, last: index === stageStarts - 1, meta: {} }
        fs.mkdirSync(st.root, { recursive: true })
        stages.push(st)
        log(`[${name}] FROM ${m[1]}${st.last ? ' (the image: its RUN steps are listed only)' : ''}`)
        continue
      }
      if (!st) {
        if (step.cmd === 'ARG') {
          const [k, v] = step.args.split('=')
          globalArgs[k] = v ?? ''
          continue
        }
        throw new BuildError(`${where}: before any FROM`)
      }
      const rest = substitute(step.args, st.env)
      switch (step.cmd) {
        case 'WORKDIR': {
          st.workdir = path.posix.resolve(st.workdir, rest)
          fs.mkdirSync(inStage(st.root, st.workdir), { recursive: true })
          break
        }
        case 'ENV':
          Object.assign(st.env, parseEnv(step.args, st.env))
          break
        case 'ARG': {
          const [k, v] = rest.split('=')
          if (!(k in st.env)) st.env[k] = v ?? ''
          break
        }
        case 'COPY': {
          const { flags, rest: r } = splitFlags(rest)
          const parts = words(r)
          if (parts.length < 2) throw new BuildError(`${where}: needs a source and a destination`)
          const dest = parts.pop()
          let baseRoot = context
          let what = 'the build context (left out by .dockerignore?)'
          let workdir = '/'
          if (flags.from) {
            const from = stages.find((s) => s.name === flags.from || String(s.index) === flags.from)
            if (!from) throw new BuildError(`${where}: no earlier stage '${flags.from}'`)
            baseRoot = from.root
            what = `stage ${from.name}`
          }
          const sources = parts.flatMap((s) => expandSources(baseRoot, workdir, s, what))
          const destAbs = inStage(st.root, path.posix.resolve(st.workdir, dest))
          const intoDir = dest.endsWith('/') || sources.length > 1 ||
            (fs.existsSync(destAbs) && fs.statSync(destAbs).isDirectory())
          for (const s of sources) {
            if (fs.statSync(s).isDirectory()) {
              fs.mkdirSync(destAbs, { recursive: true })
              for (const n of fs.readdirSync(s)) copyEntry(path.join(s, n), path.join(destAbs, n))
            } else {
              copyEntry(s, intoDir ? path.join(destAbs, path.basename(s)) : destAbs)
            }
          }
          break
        }
        case 'RUN': {
          const { rest: r } = splitFlags(rest)
          if (st.last) {
            log(`[${st.name}] RUN ${r}   (not run: image system setup)`)
            continue
          }
          const cwd = inStage(st.root, st.workdir)
          const runEnv = { ...process.env, ...st.env, ...env }
          runEnv.PATH = env.PATH ?? process.env.PATH // the machine's tools stand in for the image's
          log(`[${st.name}] RUN ${r}`)
          const argv = r.startsWith('[') ? words(r) : ['/bin/sh', '-c', r]
          const res = spawnSync(argv[0], argv.slice(1), { cwd, env: runEnv, stdio: 'inherit' })
          if (res.error) throw new BuildError(`${where}: ${res.error.message}`)
          if (res.status !== 0) {
            throw new BuildError(`${where} '${r}' exited with ${res.status ?? res.signal}`)
          }
          break
        }
        case 'HEALTHCHECK':
        case 'ENTRYPOINT':
        case 'CMD':
          st.meta[step.cmd] = rest
          break
        case 'USER':
        case 'EXPOSE':
        case 'VOLUME':
        case 'LABEL':
        case 'STOPSIGNAL':
          break
        default:
          throw new BuildError(`${where}: not supported by this check (use COPY, not ADD)`)
      }
    } catch (e) {
      if (e instanceof BuildError && !e.message.startsWith('Dockerfile line')) {
        throw new BuildError(`${where}: ${e.message}`)
      }
      throw e
    }
    if (step.cmd === 'COPY' || step.cmd === 'RUN') {
      log(`[${st.name}] ${step.cmd} ${step.args.slice(0, 70)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    }
  }
  checkImage(stages[stages.length - 1], { env, smoke, expect, log })
  return { stages, context }
}

/** The runtime stage: what HEALTHCHECK and ENTRYPOINT name exists; the smoke run. */
function checkImage(st, { env, smoke, expect, log }) {
  const hc = st.meta.HEALTHCHECK
  if (hc && !/^NONE$/i.test(hc)) {
    const { rest } = splitFlags(hc)
    const cmd = rest.replace(/^CMD\s+/i, '')
    const exe = words(cmd)[0]
    if (!['/bin/sh', 'sh', 'bash'].includes(exe) && !stageHas(st, exe)) {
      throw new BuildError(`HEALTHCHECK runs '${exe}', which the image does not have`)
    }
    log(`[${st.name}] HEALTHCHECK ${exe}: present`)
  }
  const ep = st.meta.ENTRYPOINT
  if (!ep) return
  const argv = words(ep)
  // the program itself (java) comes with the base image, which the machine's stands in for;
  // the files it is given must be in the image
  for (const a of argv.slice(1)) {
    if (a.startsWith('/') && !fs.existsSync(inStage(st.root, a))) {
      throw new BuildError(`ENTRYPOINT names ${a}, which the image does not have`)
    }
  }
  if (!smoke) return
  const exe = stageHas(st, argv[0]) && argv[0].startsWith('/') ? inStage(st.root, argv[0]) : argv[0]
  const mapped = [exe, ...argv.slice(1).map((a) => (a.startsWith('/') ? inStage(st.root, a) : a)),
    ...smoke]
  log(`[${st.name}] ENTRYPOINT ${argv.join(' ')} ${smoke.join(' ')}`)
  const res = spawnSync(mapped[0], mapped.slice(1), {
    cwd: inStage(st.root, st.workdir), env: { ...process.env, ...st.env, ...env }, encoding: 'utf8',
  })
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim()
  log(`  ${out.split('\n').join('\n  ')}`)
  if (res.status !== 0) throw new BuildError(`ENTRYPOINT ${smoke.join(' ')} exited with ${res.status}`)
  if (expect && !new RegExp(expect).test(out)) {
    throw new BuildError(`ENTRYPOINT ${smoke.join(' ')} printed '${out}', expected /${expect}/`)
  }
}

function stageHas(st, exe) {
  if (exe.startsWith('/')) return fs.existsSync(inStage(st.root, exe))
  const dirs = (st.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
  return dirs.some((d) => fs.existsSync(inStage(st.root, path.posix.join(d, exe))))
}

// ---- command line -------------------------------------------------------------------------

// `--forbid` entries: a path from the context root (`data`), or `**/name` for any depth.
export function forbidden(entry, file) {
  if (entry.startsWith('**/')) return file.split('/').includes(entry.slice(3))
  const prefix = entry.replace(/\/$/, '')
  return file === prefix || file.startsWith(prefix + '/')
}

function main(argv) {
  const opts = { dockerfile: 'docker/Dockerfile', context: '.', work: null, smoke: null,
    expect: null, keep: false, forbid: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => argv[++i]
    if (a === '--dockerfile') opts.dockerfile = val()
    else if (a === '--context') opts.context = val()
    else if (a === '--work') opts.work = val()
    else if (a === '--smoke') opts.smoke = val().split(' ')
    else if (a === '--expect') opts.expect = val()
    else if (a === '--forbid') opts.forbid.push(val())
    else if (a === '--keep') opts.keep = true
    else throw new BuildError(`unknown option ${a}`)
  }
  const work = opts.work ?? fs.mkdtempSync(path.join(os.tmpdir(), 'forge-image-'))
  const t0 = Date.now()
  try {
    const files = contextFiles(opts.context)
    for (const f of opts.forbid) {
      const hit = files.find((p) => forbidden(f, p))
      if (hit) throw new BuildError(`the build context holds ${hit}: .dockerignore must leave out ${f}`)
    }
    build({ dockerfile: opts.dockerfile, contextDir: opts.context, work,
      env: { PATH: process.env.PATH }, smoke: opts.smoke, expect: opts.expect })
    console.log(`image build: ok (${((Date.now() - t0) / 1000).toFixed(0)} s)`)
  } finally {
    if (!opts.keep) fs.rmSync(work, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2))
  } catch (e) {
    if (e instanceof BuildError) {
      console.error(`image build: FAILED: ${e.message}`)
      process.exit(1)
    }
    throw e
  }
}
