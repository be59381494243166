// Builds the markdown report for scripts/bench from the JSON files that
// client.mjs wrote into a results directory.
//   node report.mjs RESULTS_DIR
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const read = (f) => { try { return fs.readFileSync(path.join(dir, f), 'utf8').trim(); } catch { return null; } };
const json = (f) => { const t = read(f); return t ? JSON.parse(t) : null; };
const meta = json('meta.json') || {};

const TARGETS = [
  ['forge', 'ForgeUpload'],
  ['peer', '@tus/server + file-store (peer)'],
  ['sink', 'discard sink (ceiling)'],
];
const mib = (b) => (b >= 2 ** 30 ? `${+(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${+(b / 2 ** 20).toFixed(2)} MiB` : `${+(b / 1024).toFixed(2)} KiB`);
const ROWS = [
  ['big-cl', () => `1. 1 × ${mib(meta.bigBytes)}, one PATCH, Content-Length`],
  ['big-chunked', () => `2. 1 × ${mib(meta.bigBytes)}, one PATCH, chunked`],
  ['big-patches', () => `2b. 1 × ${mib(meta.bigBytes)} as sequential ${mib(meta.patchBytes || 8 * 2 ** 20)} PATCHes`],
  ['concurrent', () => `3. ${meta.concCount} × ${mib(meta.concBytes)} concurrent, POST+PATCH`],
  ['small', () => `4. ${meta.smallCount} × ${mib(meta.smallBytes)} creation-with-upload, c=${meta.smallConc}`],
];

const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(d));
const status = Object.fromEntries(TARGETS.map(([k]) => [k, read(`target.${k}.status`) || 'not run']));
const get = (row, t) => json(`${row}.${t}.json`);
const bad = (r) => !r || r.errors > 0 || r.failed || r.ok === 0;

const out = [];
out.push(`# ForgeUpload benchmark ${meta.timestamp || ''}`, '');
out.push(`- mode: ${meta.quick ? '**QUICK (smoke run, shrunken sizes)**' : 'full'}; staging ${meta.staging || 'disk'}; ${meta.cpus} CPUs; node ${meta.node}; ${meta.java || 'java n/a'}`);
out.push(`- targets run alternately per row (order shown in each row); servers stay up for the whole run; one unmeasured warm-up per target before the first row; \`sync\` after every pass`);
for (const [k, name] of TARGETS) out.push(`- ${name}: ${status[k]}`);
const dd = meta.dd;
if (meta.pipeline !== 'only') out.push(`- disk ceiling: \`dd if=/dev/zero bs=4M count=${dd?.count ?? '?'} conv=fdatasync\` into ${meta.tmp}: ${dd && dd.mbPerSec ? `**${f(dd.mbPerSec)} MB/s** (${mib(dd.bytes)} in ${f(dd.sec, 2)} s)` : 'n/a'}`);
out.push('', 'MB = 10^6 bytes. Latency = POST sent → final response received, per upload. Peak RSS = max VmRSS of the server process, sampled every 100 ms during the pass ("+N helpers": peak summed Pss of its helper processes, e.g. ForgeUpload\'s embedded PostgreSQL). CPU s = utime+stime (incl. reaped children) of the server and its helpers, before/after the pass, / CLK_TCK (helpers\' share in parentheses). CPU s/GiB uses bytes of successful uploads. PG CPU s = the embedded PostgreSQL\'s share of the helpers\' CPU; CPU ms/upload = (server + PostgreSQL) CPU per successful upload. Tree MiB = peak of server VmRSS + helpers\' Pss at one sample. PATCH p50 / POST p99 = per-PATCH latency in row 2b; in row 3, the 99th percentile of the POST alone (creation without a body, while the other uploads\' PATCHes run).', '');

const ratio = (a, b) => (a == null || b == null || !b ? 'n/a' : `${a / b >= 10 ? (a / b).toFixed(1) : (a / b).toFixed(2)}×`);
const only = meta.pipeline === 'only';
if (only) out.push('**BENCH_PIPELINE=only: rows 1–4, the peer, the sink and dd were not run.**', '');
if (!only) {
out.push('| Workload | Target | MB/s | uploads/s | p50 ms | p99 ms | peak RSS MiB | tree MiB | CPU s | PG CPU s | CPU s/GiB | CPU ms/upload | PATCH p50 / POST p99 ms | errors |');
out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const [row, title] of ROWS) {
  const order = (json(`${row}.order.json`) || TARGETS.map(([k]) => k));
  for (const t of order) {
    const name = TARGETS.find(([k]) => k === t)[1];
    const r = get(row, t);
    if (!r) { out.push(`| ${title()} | ${name} | not run | | | | | | | | | | | |`); continue; }
    if (r.failed) { out.push(`| ${title()} | ${name} | **FAILED** | | | | | | | | | | | ${r.failed} |`); continue; }
    const mark = r.errors > 0 ? ' ⚠' : '';
    out.push(`| ${title()} | ${name} | ${f(r.mbPerSec)}${mark} | ${f(r.uploadsPerSec)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${r.peakRssKiB == null ? 'n/a' : f(r.peakRssKiB / 1024, 0)}${r.peakHelpersRssKiB ? ` (+${f(r.peakHelpersRssKiB / 1024, 0)} helpers)` : ''} | ${r.peakTreeKiB ? f(r.peakTreeKiB / 1024, 0) : 'n/a'} | ${f(r.cpuSec, 2)}${r.cpuSecHelpers ? ` (helpers ${f(r.cpuSecHelpers, 2)})` : ''} | ${r.cpuSecByRole ? f(r.cpuSecByRole.postgres, 2) : 'n/a'} | ${f(r.cpuSecPerGiB, 2)} | ${f(r.cpuMsPerUpload, 2)} | ${r.postP99Ms != null ? `POST p99 ${f(r.postP99Ms)}` : f(r.patchP50Ms)} | ${r.errors ? `**${r.errors}/${r.count}** ${r.errorSamples.join('; ').replace(/\|/g, '/')}` : `0/${r.count}`}${r.serverAlive === false ? ' **server died**' : ''} |`);
  }
}

const rr = (row, t1, t2, key) => {
  const a = get(row, t1); const b = get(row, t2);
  if (!a || !b || a.failed || b.failed) return 'n/a';
  const s = ratio(a[key], b[key]);
  return bad(a) || bad(b) ? `${s} (errors)` : s;
};
out.push('', '## Ratios (ForgeUpload ÷ other)', '');
out.push('MB/s: higher is better (1.00× = as fast). CPU s/GiB and p99: lower is better (0.50× = half the cost). dd column: single-stream MB/s ÷ dd fdatasync MB/s.', '');
out.push('| Workload | MB/s vs peer ↑ | MB/s vs sink ↑ | MB/s vs dd ↑ | CPU/GiB vs peer ↓ | CPU/GiB vs sink ↓ | p99 vs peer ↓ | CPU/upload (server+PG) vs peer ↓ | peak RSS vs peer ↓ |');
out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const [row, title] of ROWS) {
  const fr = get(row, 'forge');
  const vsdd = row.startsWith('big') && fr && !fr.failed && dd?.mbPerSec ? `${ratio(fr.mbPerSec, dd.mbPerSec)}${bad(fr) ? ' (errors)' : ''}` : (row.startsWith('big') ? 'n/a' : '—');
  out.push(`| ${title()} | ${rr(row, 'forge', 'peer', 'mbPerSec')} | ${rr(row, 'forge', 'sink', 'mbPerSec')} | ${vsdd} | ${rr(row, 'forge', 'peer', 'cpuSecPerGiB')} | ${rr(row, 'forge', 'sink', 'cpuSecPerGiB')} | ${rr(row, 'forge', 'peer', 'p99Ms')} | ${rr(row, 'forge', 'peer', 'cpuMsPerUpload')} | ${rr(row, 'forge', 'peer', 'peakRssKiB')} |`);
}
// Context for when ForgeUpload is absent: how the peer compares to the ceilings.
out.push('', 'For reference, peer ÷ ceilings: ' + ROWS.map(([row, title]) => {
  const p = get(row, 'peer');
  const d = row.startsWith('big') && p && !p.failed && dd?.mbPerSec ? `, vs dd ${ratio(p.mbPerSec, dd.mbPerSec)}` : '';
  return `row ${title().split('.')[0]}: vs sink ${rr(row, 'peer', 'sink', 'mbPerSec')}${d}`;
}).join('; ') + '.');
}

// ------------------------------------------------------------- pipeline --
if (meta.pipeline && meta.pipeline !== '0') {
  const pl = json('pipeline.forge.json'); const pb = json('pipeline-big.forge.json'); const po = json('putobject.json');
  const cpu = (c) => (c ? `server ${f(c.server, 2)}, S3Proxy ${f(c.s3proxy, 2)}, other helpers ${f(c.other, 2)}` : 'n/a');
  out.push('', '## Storage pipeline (ForgeUpload only)', '');
  out.push(`Worker: FORGE_WORKER_CONCURRENCY=${meta.workerConcurrency}, part size ${mib(meta.partBytes)} (FORGE_S3_PART_BYTES), embedded S3Proxy unless FORGE_S3_ENDPOINT is set. `
    + `Server = \`stored_at − completed_at\` from GET /api/v1/uploads/{id} (both PostgreSQL timestamps, µs: last byte recorded → \`stored\` recorded). `
    + `Client = last PATCH's 204 received → first poll (every ${meta.pipePollMs} ms) that sees \`stored\`, so it includes up to one poll interval and the 204's own trip.`, '');
  out.push('| Workload | p50 ms server | p99 ms server | p50 ms client | p99 ms client | max ms server / client | stored/s | CPU s (whole pass) | errors |');
  out.push('|---|--:|--:|--:|--:|--:|--:|---|--:|');
  const t5 = `5. ${meta.pipeCount} × ${mib(meta.pipeBytes || 0)} POST+PATCH, c=${meta.pipeConc}, each waits for \`stored\``;
  if (!pl) out.push(`| ${t5} | not run | | | | | | | |`);
  else if (pl.failed) out.push(`| ${t5} | **FAILED** | | | | | | | ${pl.failed} |`);
  else out.push(`| ${t5} | ${f(pl.serverP50Ms)} | ${f(pl.serverP99Ms)} | ${f(pl.clientP50Ms)} | ${f(pl.clientP99Ms)} | ${f(pl.serverMaxMs)} / ${f(pl.clientMaxMs)} | ${f(pl.storedPerSec)} | ${cpu(pl.cpuSecByRole)} | ${pl.errors ? `**${pl.errors}/${pl.count}** ${pl.errorSamples.join('; ').replace(/\|/g, '/')}` : `0/${pl.count}`} |`);

  out.push('', '| Workload | MB/s | seconds | CPU s during the transfer | note |');
  out.push('|---|--:|--:|---|---|');
  const t6 = `6. 1 × ${mib(meta.bigBytes)}`;
  if (!pb) out.push(`| ${t6}: worker | not run | | | |`);
  else if (pb.failed || !pb.ok) out.push(`| ${t6}: worker | **FAILED** | | | ${pb.failed || pb.errorSamples?.join('; ').replace(/\|/g, '/')} |`);
  else {
    out.push(`| ${t6}: worker, server clock | **${f(pb.storeMbPerSec)}** | ${f(pb.storeSec, 2)} | ${cpu(pb.storeCpuSecByRole)} | \`stored_at − completed_at\`; SHA-256 + size check included |`);
    out.push(`| ${t6}: worker, client clock | ${f(pb.clientStoreMbPerSec)} | ${f(pb.clientStoreSec, 2)} | | 204 → \`stored\` seen |`);
  }
  if (!po) out.push(`| ${t6}: plain putObject (ceiling) | not run | | | |`);
  else if (po.failed) out.push(`| ${t6}: plain putObject (ceiling) | **FAILED** | | | ${po.failed} |`);
  else out.push(`| ${t6}: plain putObject (ceiling) | **${f(po.mbPerSec)}** | ${f(po.seconds, 2)} | client JVM ${f(po.cpuSec, 2)}, S3Proxy ${f(po.s3proxyCpuSec, 2)}${po.watchWriteBytes ? ` (S3Proxy wrote ${f(po.watchWriteBytes / po.bytes, 2)}× the file)` : ''} | MinIO client, same endpoint/bucket/part size; file ${po.pageCachePct == null ? 'read once before (page cache)' : `${po.pageCachePct}% in page cache`}, ${po.sameFsAsStaging ? 'same file system as staging' : '**other file system than staging**'}; JVM warmed by one ${mib(po.warmupBytes)} put |`);
  const okBig = pb && !pb.failed && pb.ok && po && !po.failed;
  out.push('', `**Worker ÷ putObject: ${okBig ? ratio(pb.storeMbPerSec, po.mbPerSec) : 'n/a'}** (MB/s, higher is better; aim ≥ 0.80×)${okBig ? `; client-clock worker ÷ putObject ${ratio(pb.clientStoreMbPerSec, po.mbPerSec)}` : ''}.`);
  if (meta.staging === 's3') {
    // issue 12: through ForgeUpload into S3 multipart uploads vs the MinIO client doing the same
    const one = get('big-cl', 'forge');
    const okOne = one && !one.failed && po && !po.failed;
    out.push(`**S3 staging (FORGE_STAGING=s3): row 1 through ForgeUpload ÷ plain putObject: ${okOne ? ratio(one.mbPerSec, po.mbPerSec) : 'n/a'}** (aim ≥ 0.90×); `
      + `last byte → \`stored\` for ${mib(meta.bigBytes)}: ${pb && !pb.failed && pb.ok ? `**${f(pb.storeSec, 2)} s** server clock, ${f(pb.clientStoreSec, 2)} s client (aim < 1 s: no bytes are copied)` : 'n/a'}.`);
  }
  if (pl && !pl.failed && pl.serverP50Ms) out.push(`Row 5: client p50 ÷ server p50 ${ratio(pl.clientP50Ms, pl.serverP50Ms)} (the gap is polling and HTTP, not the pipeline).`);
}

const errRows = ROWS.filter(([row]) => TARGETS.some(([t]) => { const r = get(row, t); return r && (r.errors > 0 || r.failed); }));
if (errRows.length) out.push('', `**⚠ rows with errors: ${errRows.map(([, t]) => t()).join(', ')}** — their numbers are not comparable.`);
console.log(out.join('\n'));
