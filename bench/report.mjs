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
  ['concurrent', () => `3. ${meta.concCount} × ${mib(meta.concBytes)} concurrent, POST+PATCH`],
  ['small', () => `4. ${meta.smallCount} × ${mib(meta.smallBytes)} creation-with-upload, c=${meta.smallConc}`],
];

const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(d));
const status = Object.fromEntries(TARGETS.map(([k]) => [k, read(`target.${k}.status`) || 'not run']));
const get = (row, t) => json(`${row}.${t}.json`);
const bad = (r) => !r || r.errors > 0 || r.failed || r.ok === 0;

const out = [];
out.push(`# ForgeUpload benchmark ${meta.timestamp || ''}`, '');
out.push(`- mode: ${meta.quick ? '**QUICK (smoke run, shrunken sizes)**' : 'full'}; ${meta.cpus} CPUs; node ${meta.node}; ${meta.java || 'java n/a'}`);
out.push(`- targets run alternately per row (order shown in each row); servers stay up for the whole run; one unmeasured warm-up per target before the first row; \`sync\` after every pass`);
for (const [k, name] of TARGETS) out.push(`- ${name}: ${status[k]}`);
const dd = meta.dd;
out.push(`- disk ceiling: \`dd if=/dev/zero bs=4M count=${dd?.count ?? '?'} conv=fdatasync\` into ${meta.tmp}: ${dd && dd.mbPerSec ? `**${f(dd.mbPerSec)} MB/s** (${mib(dd.bytes)} in ${f(dd.sec, 2)} s)` : 'n/a'}`);
out.push('', 'MB = 10^6 bytes. Latency = POST sent → final response received, per upload. Peak RSS = max VmRSS of the server process, sampled every 100 ms during the pass ("+N helpers": peak summed Pss of its helper processes, e.g. ForgeUpload\'s embedded PostgreSQL). CPU s = utime+stime (incl. reaped children) of the server and its helpers, before/after the pass, / CLK_TCK (helpers\' share in parentheses). CPU s/GiB uses bytes of successful uploads.', '');

out.push('| Workload | Target | MB/s | uploads/s | p50 ms | p99 ms | peak RSS MiB | CPU s | CPU s/GiB | errors |');
out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const [row, title] of ROWS) {
  const order = (json(`${row}.order.json`) || TARGETS.map(([k]) => k));
  for (const t of order) {
    const name = TARGETS.find(([k]) => k === t)[1];
    const r = get(row, t);
    if (!r) { out.push(`| ${title()} | ${name} | not run | | | | | | | |`); continue; }
    if (r.failed) { out.push(`| ${title()} | ${name} | **FAILED** | | | | | | | ${r.failed} |`); continue; }
    const mark = r.errors > 0 ? ' ⚠' : '';
    out.push(`| ${title()} | ${name} | ${f(r.mbPerSec)}${mark} | ${f(r.uploadsPerSec)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${r.peakRssKiB == null ? 'n/a' : f(r.peakRssKiB / 1024, 0)}${r.peakHelpersRssKiB ? ` (+${f(r.peakHelpersRssKiB / 1024, 0)} helpers)` : ''} | ${f(r.cpuSec, 2)}${r.cpuSecHelpers ? ` (helpers ${f(r.cpuSecHelpers, 2)})` : ''} | ${f(r.cpuSecPerGiB, 2)} | ${r.errors ? `**${r.errors}/${r.count}** ${r.errorSamples.join('; ').replace(/\|/g, '/')}` : `0/${r.count}`}${r.serverAlive === false ? ' **server died**' : ''} |`);
  }
}

const ratio = (a, b) => (a == null || b == null || !b ? 'n/a' : `${a / b >= 10 ? (a / b).toFixed(1) : (a / b).toFixed(2)}×`);
const rr = (row, t1, t2, key) => {
  const a = get(row, t1); const b = get(row, t2);
  if (!a || !b || a.failed || b.failed) return 'n/a';
  const s = ratio(a[key], b[key]);
  return bad(a) || bad(b) ? `${s} (errors)` : s;
};
out.push('', '## Ratios (ForgeUpload ÷ other)', '');
out.push('MB/s: higher is better (1.00× = as fast). CPU s/GiB and p99: lower is better (0.50× = half the cost). dd column: single-stream MB/s ÷ dd fdatasync MB/s.', '');
out.push('| Workload | MB/s vs peer ↑ | MB/s vs sink ↑ | MB/s vs dd ↑ | CPU/GiB vs peer ↓ | CPU/GiB vs sink ↓ | p99 vs peer ↓ | peak RSS vs peer ↓ |');
out.push('|---|--:|--:|--:|--:|--:|--:|--:|');
for (const [row, title] of ROWS) {
  const fr = get(row, 'forge');
  const vsdd = row.startsWith('big') && fr && !fr.failed && dd?.mbPerSec ? `${ratio(fr.mbPerSec, dd.mbPerSec)}${bad(fr) ? ' (errors)' : ''}` : (row.startsWith('big') ? 'n/a' : '—');
  out.push(`| ${title()} | ${rr(row, 'forge', 'peer', 'mbPerSec')} | ${rr(row, 'forge', 'sink', 'mbPerSec')} | ${vsdd} | ${rr(row, 'forge', 'peer', 'cpuSecPerGiB')} | ${rr(row, 'forge', 'sink', 'cpuSecPerGiB')} | ${rr(row, 'forge', 'peer', 'p99Ms')} | ${rr(row, 'forge', 'peer', 'peakRssKiB')} |`);
}
// Context for when ForgeUpload is absent: how the peer compares to the ceilings.
out.push('', 'For reference, peer ÷ ceilings: ' + ROWS.map(([row, title]) => {
  const p = get(row, 'peer');
  const d = row.startsWith('big') && p && !p.failed && dd?.mbPerSec ? `, vs dd ${ratio(p.mbPerSec, dd.mbPerSec)}` : '';
  return `row ${title().split('.')[0]}: vs sink ${rr(row, 'peer', 'sink', 'mbPerSec')}${d}`;
}).join('; ') + '.');

const errRows = ROWS.filter(([row]) => TARGETS.some(([t]) => { const r = get(row, t); return r && (r.errors > 0 || r.failed); }));
if (errRows.length) out.push('', `**⚠ rows with errors: ${errRows.map(([, t]) => t()).join(', ')}** — their numbers are not comparable.`);
console.log(out.join('\n'));
