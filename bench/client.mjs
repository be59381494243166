// tus 1.0.0 load client for scripts/bench. Streams bodies from disk, uses
// keep-alive agents, times each upload from its POST to its final response,
// checks every final response, and samples the server from /proc: peak VmRSS
// every 100 ms (server process; helpers such as an embedded PostgreSQL
// separately) and CPU = utime+stime of the process tree before/after.
//
//   node client.mjs --url http://127.0.0.1:P/files/ --workload big-cl \
//        --file /tmp/big.bin --pid 1234 --clk-tck 100 --out result.json
//
// Workloads:
//   big-cl       1 upload: POST, then one PATCH of the whole file with Content-Length
//   big-chunked  same, PATCH with Transfer-Encoding: chunked (no Content-Length)
//   concurrent   --count uploads of --file at once: POST then one PATCH each
//   small        --count creation-with-upload POSTs of --file, --concurrency at a time
//   warmup       a few of each, not measured
// Storage pipeline (ForgeUpload only: it needs GET /api/v1/uploads/{id}):
//   pipeline     --count uploads of --file, --concurrency at a time (closed loop): POST+PATCH,
//                then GET /api/v1/uploads/{id} every --poll-ms (20) until `stored`; per upload
//                the server's stored_at - completed_at and the client's 204 -> first `stored` seen
//   pipeline-big 1 upload of --file (POST + one PATCH), then the same polling: worker MB/s
//   drain        waits (unmeasured) until no upload is queued/storing and the server's process
//                tree is quiet, so a pass does not run while the worker still stores the last one
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const opt = {};
for (let i = 0; i < argv.length; i++) {
  if (argv[i].startsWith('--')) {
    const k = argv[i].slice(2);
    const v = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    opt[k] = v;
  }
}
const need = (k) => { if (opt[k] === undefined) { console.error(`client.mjs: --${k} is required`); process.exit(2); } return opt[k]; };

const baseUrl = new URL(need('url'));
const workload = need('workload');
const file = opt.file;
const pid = opt.pid ? Number(opt.pid) : null;
const clkTck = Number(opt['clk-tck'] || 100);
const idleMs = Number(opt['timeout-ms'] || 120_000);
const readChunk = Number(opt['read-chunk'] || 1024 * 1024);
// HTTP chunk size for Transfer-Encoding: chunked. tus-java-client calls
// HttpURLConnection.setChunkedStreamingMode(0), i.e. the JDK default of 4 KiB chunks.
const teChunk = Number(opt['te-chunk'] || 4096);
const label = opt.label || baseUrl.host;
const apiBase = new URL(opt.api || '/api/v1/uploads/', baseUrl);
const pollMs = Number(opt['poll-ms'] || 20);
const TUS = '1.0.0';
const META = `filename ${Buffer.from('bench.bin').toString('base64')}`;

// ---------------------------------------------------------------- HTTP ----
function send(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn, v) => { if (!settled) { settled = true; fn(v); } };
    const req = http.request(url, { method, agent, headers: { 'Tus-Resumable': TUS, ...headers } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        if (body && typeof body.destroy === 'function') body.destroy();
        done(resolve, { status: res.statusCode, headers: res.headers });
      });
      res.on('error', (e) => done(reject, e));
    });
    req.setTimeout(idleMs, () => req.destroy(new Error(`${method} idle for ${idleMs} ms`)));
    req.on('error', (e) => done(reject, e));
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}

// PATCH with Transfer-Encoding: chunked framed by hand on a raw socket, so the
// server sees teChunk-sized HTTP chunks (as from tus-java-client) while the
// client still writes ~readChunk bytes per syscall. Node's http module would
// turn every write into one chunk, which at 4 KiB makes the client the bottleneck.
function sendChunkedRaw(url, headers, body) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn, v) => { if (!settled) { settled = true; body.destroy(); sock.destroy(); fn(v); } };
    const sock = net.connect(Number(url.port || 80), url.hostname);
    sock.setNoDelay(true);
    sock.setTimeout(idleMs, () => done(reject, new Error(`PATCH (chunked) idle for ${idleMs} ms`)));
    sock.on('error', (e) => done(reject, e));
    body.on('error', (e) => done(reject, e));
    let head = Buffer.alloc(0);
    sock.on('data', (d) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const h = {};
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); if (i > 0) h[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim(); }
      if (status === 100) { head = head.subarray(end + 4); return; }
      done(resolve, { status, headers: h });
    });
    sock.on('end', () => done(reject, new Error('PATCH (chunked): connection closed before a response')));
    const hdrs = { Host: url.host, 'Tus-Resumable': TUS, ...headers, 'Transfer-Encoding': 'chunked' };
    sock.write(`PATCH ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(hdrs).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    body.on('data', (buf) => {
      const parts = [];
      for (let o = 0; o < buf.length; o += teChunk) {
        const piece = buf.subarray(o, Math.min(o + teChunk, buf.length));
        parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, CRLF);
      }
      if (!sock.write(Buffer.concat(parts))) { body.pause(); sock.once('drain', () => body.resume()); }
    });
    body.on('end', () => { if (!settled) sock.write('0\r\n\r\n'); });
  });
}
const CRLF = Buffer.from('\r\n');

function fail(msg) { const e = new Error(msg); e.tus = true; throw e; }

async function create(agent, size, extra = {}, body) {
  const r = await send(agent, 'POST', baseUrl, {
    'Upload-Length': String(size), 'Upload-Metadata': META, ...extra,
  }, body);
  if (r.status !== 201) fail(`POST -> ${r.status}`);
  if (!r.headers.location) fail('POST 201 without Location');
  return { loc: new URL(r.headers.location, baseUrl), res: r };
}

// POST then PATCHes of `patchBytes` each, one after the other (tus-js-client / Uppy with
// chunkSize set, tus-java-client's chunked uploads): per-PATCH latencies go to `patchLat`.
async function uploadPatches(agent, path, size, patchBytes, patchLat) {
  const { loc } = await create(agent, size, { 'Content-Length': '0' });
  for (let off = 0; off < size; off += patchBytes) {
    const n = Math.min(patchBytes, size - off);
    const body = fs.createReadStream(path, { start: off, end: off + n - 1, highWaterMark: readChunk });
    const s = performance.now();
    const r = await send(agent, 'PATCH', loc, {
      'Upload-Offset': String(off), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(n),
    }, body);
    patchLat.push(performance.now() - s);
    if (r.status !== 204) fail(`PATCH at ${off} -> ${r.status}`);
    if (r.headers['upload-offset'] !== String(off + n)) fail(`PATCH Upload-Offset ${r.headers['upload-offset']} != ${off + n}`);
  }
  return loc;
}

// POST then a single PATCH with the whole body streamed from `path`.
async function uploadPostPatch(agent, path, size, chunked, postLat) {
  const s = performance.now();
  const { loc } = await create(agent, size, { 'Content-Length': '0' });
  postLat?.push(performance.now() - s);
  const headers = { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' };
  if (chunked) headers['Transfer-Encoding'] = 'chunked';
  else headers['Content-Length'] = String(size);
  const body = fs.createReadStream(path, { highWaterMark: readChunk });
  const r = chunked ? await sendChunkedRaw(loc, headers, body) : await send(agent, 'PATCH', loc, headers, body);
  if (r.status !== 204) fail(`PATCH -> ${r.status}`);
  if (r.headers['upload-offset'] !== String(size)) fail(`PATCH Upload-Offset ${r.headers['upload-offset']} != ${size}`);
  return loc;
}

// creation-with-upload: the whole body rides on the POST.
async function uploadWithCreate(agent, buf) {
  const { loc, res } = await create(agent, buf.length, {
    'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(buf.length),
  }, buf);
  if (res.headers['upload-offset'] !== String(buf.length)) fail(`POST Upload-Offset ${res.headers['upload-offset']} != ${buf.length}`);
  return loc;
}

// ---------------------------------------------------------- /proc sampling --
function readStat(p) {
  try {
    const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] = field 3 (state)
    return { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch { return null; }
}
function pssKiB(p) {
  try {
    const m = fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}
function statusKiB(p, key) {
  try {
    const m = fs.readFileSync(`/proc/${p}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}
// Processes to watch: the server's pid and its descendants, plus processes
// whose command line contains --also (e.g. an embedded PostgreSQL that
// daemonized away from the JVM, found by its data directory) and theirs.
const also = opt.also || null;
function tree(root) {
  const kids = new Map();
  const roots = [root];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(d);
    if (!st) continue;
    if (!kids.has(st.ppid)) kids.set(st.ppid, []);
    kids.get(st.ppid).push(Number(d));
    if (also && Number(d) !== process.pid) {
      try { if (fs.readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(also)) roots.push(Number(d)); } catch { /* gone */ }
    }
  }
  const seen = new Set(); const out = [];
  const q = [...roots];
  while (q.length) { const p = q.shift(); if (seen.has(p)) continue; seen.add(p); out.push(p); q.push(...(kids.get(p) || [])); }
  return out;
}
// CPU ticks (utime+stime, plus reaped children): [server process, helpers].
function treeCpuTicks(root) {
  const t = [0, 0];
  for (const p of tree(root)) t[p === root ? 0 : 1] += readStat(p)?.cpu || 0;
  return t;
}

// What a helper process is: the embedded S3Proxy (a JVM whose command line names s3proxy),
// PostgreSQL (the postmaster and its backends, by executable name), or another one (Redis).
function role(p) {
  let cmd = '';
  try { cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'latin1'); } catch { /* gone */ }
  if (cmd.includes('s3proxy')) return 's3proxy';
  let comm = '';
  try { comm = fs.readFileSync(`/proc/${p}/comm`, 'latin1').trim(); } catch { /* gone */ }
  return comm === 'postgres' || cmd.startsWith('postgres') ? 'postgres' : 'other';
}

// CPU ticks of the tree by role: the server process, the embedded S3Proxy (a JVM whose command
// line names s3proxy), and every other helper (PostgreSQL, Redis).
function treeCpuByRole(root) {
  const t = { server: 0, s3proxy: 0, postgres: 0, other: 0 };
  for (const p of tree(root)) {
    const c = readStat(p)?.cpu || 0;
    if (p === root) { t.server += c; continue; }
    t[role(p)] += c;
  }
  return t;
}
const cpuDelta = (a, b) => (a && b ? Object.fromEntries(Object.keys(a).map((k) => [k, Math.max(0, b[k] - a[k]) / clkTck])) : null);

class Sampler {
  constructor(root) { this.root = root; this.peak = 0; this.peakHelpers = 0; this.peakTree = 0; this.members = [root]; this.n = 0; }
  sample() {
    if (this.n++ % 10 === 0) this.members = tree(this.root);
    const rss = statusKiB(this.root, 'VmRSS');
    // Helpers (e.g. PostgreSQL backends) share memory: sum their Pss, not VmRSS.
    const helpers = this.members.reduce((a, p) => a + (p === this.root ? 0 : pssKiB(p)), 0);
    if (rss > this.peak) this.peak = rss;
    if (helpers > this.peakHelpers) this.peakHelpers = helpers;
    if (rss + helpers > this.peakTree) this.peakTree = rss + helpers; // JVM + helpers at one instant
  }
  start() { this.sample(); this.t = setInterval(() => this.sample(), 100); }
  stop() { clearInterval(this.t); this.sample(); }
}
const alive = (p) => { try { process.kill(p, 0); return true; } catch { return false; } };

// ----------------------------------------------------------------- runner --
async function pool(n, concurrency, fn) {
  let next = 0;
  const worker = async () => { while (next < n) { const i = next++; await fn(i); } };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);

async function measured(kind) {
  const size = fs.statSync(need('file')).size;
  let count, concurrency, one;
  const small = kind === 'small' ? fs.readFileSync(file) : null; // small bodies only (16 KiB)
  const patchLat = [];
  const postLat = []; // row 3: the POST alone (creation without a body), per upload
  if (kind === 'big-patches') {
    count = 1; concurrency = 1;
    one = (agent) => uploadPatches(agent, file, size, Number(opt['patch-bytes'] || 8 * 1024 * 1024), patchLat);
  } else if (kind === 'big-cl' || kind === 'big-chunked') {
    count = 1; concurrency = 1;
    one = (agent) => uploadPostPatch(agent, file, size, kind === 'big-chunked');
  } else if (kind === 'concurrent') {
    count = Number(opt.count || 64); concurrency = Number(opt.concurrency || count);
    one = (agent) => uploadPostPatch(agent, file, size, false, postLat);
  } else if (kind === 'small') {
    count = Number(opt.count || 2000); concurrency = Number(opt.concurrency || 32);
    one = (agent) => uploadWithCreate(agent, small);
  } else { console.error(`unknown workload ${kind}`); process.exit(2); }

  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const lat = []; const locs = []; const errors = [];
  const sampler = pid ? new Sampler(pid) : null;
  const cpu0 = pid ? treeCpuTicks(pid) : [0, 0];
  const roles0 = pid ? treeCpuByRole(pid) : null;
  sampler?.start();
  const t0 = performance.now();
  await pool(count, concurrency, async () => {
    const s = performance.now();
    try {
      locs.push(await one(agent));
      lat.push(performance.now() - s);
    } catch (e) {
      errors.push(e.tus ? e.message : `${e.code || ''} ${e.message}`.trim());
    }
  });
  const wall = (performance.now() - t0) / 1000;
  sampler?.stop();
  const serverAlive = pid ? alive(pid) : true;
  const cpu1 = pid && serverAlive ? treeCpuTicks(pid) : null;
  const cpuSecMain = cpu1 ? (cpu1[0] - cpu0[0]) / clkTck : null;
  const cpuSecHelpers = cpu1 ? Math.max(0, cpu1[1] - cpu0[1]) / clkTck : null;
  const cpuSec = cpu1 ? cpuSecMain + cpuSecHelpers : null;
  const hwm = pid ? statusKiB(pid, 'VmHWM') : null;
  const cpuSecByRole = cpu1 ? cpuDelta(roles0, treeCpuByRole(pid)) : null;

  // Clean up (tus termination) outside the measured window; failures ignored.
  let deleted = 0;
  if (opt.cleanup !== 'false' && serverAlive) {
    await pool(locs.length, 8, async (i) => {
      try { const r = await send(agent, 'DELETE', locs[i], {}); if (r.status === 204) deleted++; } catch { /* ignore */ }
    });
  }
  agent.destroy();

  lat.sort((a, b) => a - b);
  const okBytes = lat.length * size;
  const gib = okBytes / 2 ** 30;
  return {
    label, workload: kind, url: baseUrl.href, sizeBytes: size, count, concurrency,
    ok: lat.length, errors: errors.length,
    errorSamples: [...new Set(errors)].slice(0, 5),
    bytes: okBytes, wallSec: wall,
    mbPerSec: okBytes / wall / 1e6, uploadsPerSec: lat.length / wall,
    p50Ms: pct(lat, 50), p99Ms: pct(lat, 99),
    peakRssKiB: sampler ? sampler.peak : null, vmHwmKiB: hwm,
    peakHelpersRssKiB: sampler ? sampler.peakHelpers : null, peakTreeKiB: sampler ? sampler.peakTree : null,
    cpuSec, cpuSecMain, cpuSecHelpers, cpuSecPerGiB: cpuSec !== null && gib > 0 ? cpuSec / gib : null,
    cpuSecByRole,
    // server + PostgreSQL per successful upload (ForgeUpload's PostgreSQL is part of its cost)
    cpuMsPerUpload: cpuSecByRole && lat.length ? (cpuSecByRole.server + cpuSecByRole.postgres) * 1000 / lat.length : null,
    patchP50Ms: patchLat.length ? pct([...patchLat].sort((a, b) => a - b), 50) : null,
    patchP99Ms: patchLat.length ? pct([...patchLat].sort((a, b) => a - b), 99) : null,
    postP50Ms: postLat.length ? pct([...postLat].sort((a, b) => a - b), 50) : null,
    postP99Ms: postLat.length ? pct([...postLat].sort((a, b) => a - b), 99) : null,
    serverAlive, deleted,
  };
}

// ------------------------------------------------------------- pipeline --
// "2026-11-25T18:00:05.583234Z" -> microseconds since the epoch (Date.parse keeps only ms).
function micros(iso) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso || '');
  if (!m) return null;
  return Date.parse(`${m[1]}Z`) * 1000 + Number(((m[2] || '') + '000000').slice(0, 6));
}
async function getJson(agent, url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { Accept: 'application/json' } }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        try { resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }); } catch (e) { reject(e); }
      });
      res.on('error', reject);
    });
    req.setTimeout(idleMs, () => req.destroy(new Error(`GET ${url} idle for ${idleMs} ms`)));
    req.on('error', reject);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Polls the upload's API view every pollMs until `stored`; returns timings (ms).
async function awaitStored(agent, loc, t204, timeoutMs) {
  const id = loc.pathname.split('/').filter(Boolean).pop();
  const url = new URL(id, apiBase);
  let polls = 0;
  for (;;) {
    const r = await getJson(agent, url);
    polls++;
    const now = performance.now();
    if (r.status !== 200) fail(`GET api -> ${r.status}`);
    const st = r.body.state;
    if (st === 'stored') {
      const c = micros(r.body.completed_at); const s = micros(r.body.stored_at);
      if (c === null || s === null) fail(`stored without completed_at/stored_at: ${r.body.completed_at} ${r.body.stored_at}`);
      return { clientMs: now - t204, serverMs: (s - c) / 1000, polls, sha256: r.body.sha256 };
    }
    if (st === 'failed' || st === 'deleted' || st === 'expired') fail(`state ${st}${r.body.error ? `: ${r.body.error}` : ''}`);
    if (now - t204 > timeoutMs) fail(`not stored after ${timeoutMs} ms (state ${st})`);
    await sleep(pollMs);
  }
}

async function pipeline(kind) {
  const size = fs.statSync(need('file')).size;
  const big = kind === 'pipeline-big';
  const count = big ? 1 : Number(opt.count || 200);
  const concurrency = big ? 1 : Number(opt.concurrency || 16);
  const timeoutMs = Number(opt['store-timeout-ms'] || (big ? 900_000 : 120_000));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * concurrency, maxFreeSockets: 2 * concurrency });
  const rows = []; const locs = []; const errors = [];
  const sampler = pid ? new Sampler(pid) : null;
  const cpu0 = pid ? treeCpuByRole(pid) : null;
  let cpuStore0 = null; let cpuStore1 = null;
  sampler?.start();
  const t0 = performance.now();
  await pool(count, concurrency, async () => {
    try {
      const loc = await uploadPostPatch(agent, file, size, false);
      const t204 = performance.now();
      locs.push(loc);
      if (big && pid) cpuStore0 = treeCpuByRole(pid);
      const r = await awaitStored(agent, loc, t204, timeoutMs);
      if (big && pid) cpuStore1 = treeCpuByRole(pid);
      rows.push(r);
    } catch (e) {
      errors.push(e.tus ? e.message : `${e.code || ''} ${e.message}`.trim());
    }
  });
  const wall = (performance.now() - t0) / 1000;
  sampler?.stop();
  const serverAlive = pid ? alive(pid) : true;
  const cpu1 = pid && serverAlive ? treeCpuByRole(pid) : null;
  let deleted = 0;
  if (opt.cleanup !== 'false' && serverAlive) {
    await pool(locs.length, 8, async (i) => {
      try { const r = await send(agent, 'DELETE', locs[i], {}); if (r.status === 204) deleted++; } catch { /* ignore */ }
    });
  }
  agent.destroy();
  const srv = rows.map((r) => r.serverMs).sort((a, b) => a - b);
  const cli = rows.map((r) => r.clientMs).sort((a, b) => a - b);
  const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : null);
  const out = {
    label, workload: kind, url: baseUrl.href, api: apiBase.href, sizeBytes: size, count, concurrency, pollMs,
    ok: rows.length, errors: errors.length, errorSamples: [...new Set(errors)].slice(0, 5),
    bytes: rows.length * size, wallSec: wall, storedPerSec: rows.length / wall,
    serverP50Ms: pct(srv, 50), serverP99Ms: pct(srv, 99), serverMeanMs: mean(srv), serverMaxMs: srv.at(-1) ?? null,
    clientP50Ms: pct(cli, 50), clientP99Ms: pct(cli, 99), clientMeanMs: mean(cli), clientMaxMs: cli.at(-1) ?? null,
    polls: rows.reduce((a, r) => a + r.polls, 0),
    peakRssKiB: sampler ? sampler.peak : null, peakHelpersRssKiB: sampler ? sampler.peakHelpers : null,
    cpuSecByRole: cpuDelta(cpu0, cpu1), serverAlive, deleted,
  };
  if (big && rows.length) {
    const r = rows[0];
    Object.assign(out, {
      storeSec: r.serverMs / 1000, storeMbPerSec: size / 1e6 / (r.serverMs / 1000),
      clientStoreSec: r.clientMs / 1000, clientStoreMbPerSec: size / 1e6 / (r.clientMs / 1000),
      sha256: r.sha256, storeCpuSecByRole: cpuDelta(cpuStore0, cpuStore1),
    });
  }
  return out;
}

// Unmeasured: waits until nothing is queued or storing and the server's tree uses less than
// --quiet-cores (0.3) of CPU over a second (a deleted upload can still be mid-transfer).
async function drain() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const limitMs = Number(opt['drain-timeout-ms'] || 120_000);
  const quiet = Number(opt['quiet-cores'] || 0.3);
  const t0 = performance.now();
  let pending = null; let cores = null; let idle = false;
  while (performance.now() - t0 < limitMs) {
    pending = 0;
    // with the worker off (--worker-off) queued uploads stay queued: only wait for quiet
    for (const st of opt['worker-off'] ? [] : ['queued', 'storing']) {
      try {
        const r = await getJson(agent, new URL(`${apiBase.pathname.replace(/\/$/, '')}?state=${st}&limit=1`, apiBase));
        if (r.status === 200) pending += r.body.items.length;
      } catch { /* server busy: try again */ }
    }
    const a = pid ? treeCpuTicks(pid) : [0, 0];
    const ta = performance.now();
    await sleep(1000);
    const b = pid ? treeCpuTicks(pid) : [0, 0];
    cores = (b[0] + b[1] - a[0] - a[1]) / clkTck / ((performance.now() - ta) / 1000);
    if (pending === 0 && cores < quiet) { idle = true; break; }
  }
  agent.destroy();
  return { label, workload: 'drain', idle, waitedSec: (performance.now() - t0) / 1000, pending, cores };
}

async function warmup() {
  // Unmeasured: lets the JIT and caches settle a little before the rows.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const buf = Buffer.alloc(16 * 1024, 7);
  const size = fs.statSync(need('file')).size;
  const locs = []; let errors = 0;
  await pool(Number(opt.count || 100), 8, async () => { try { locs.push(await uploadWithCreate(agent, buf)); } catch { errors++; } });
  await pool(8, 4, async (i) => { try { locs.push(await uploadPostPatch(agent, file, size, i % 2 === 1)); } catch { errors++; } });
  await pool(locs.length, 8, async (i) => { try { await send(agent, 'DELETE', locs[i], {}); } catch { /* ignore */ } });
  agent.destroy();
  return { label, workload: 'warmup', ok: locs.length, errors };
}

const result = workload === 'warmup' ? await warmup()
  : workload === 'drain' ? await drain()
  : workload.startsWith('pipeline') ? await pipeline(workload)
  : await measured(workload);
const json = JSON.stringify(result, null, 2);
if (opt.out) fs.writeFileSync(opt.out, json + '\n');
else console.log(json);
