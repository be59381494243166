// Discard sink: reads and throws away request bodies, answering just enough
// of tus 1.0.0 for bench/client.mjs. It is the loopback/HTTP ceiling.
//   node sink.mjs --port 12345
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1]]);
  return a;
}, []));
const port = Number(args.port || 0);
const TUS = { 'Tus-Resumable': '1.0.0' };

function drain(req, cb) {
  let n = 0;
  req.on('data', (c) => { n += c.length; });
  req.on('end', () => cb(null, n));
  req.on('error', (e) => cb(e, n));
}

const server = http.createServer((req, res) => {
  const url = req.url || '/';
  if (url === '/readyz') { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); return; }
  if (!url.startsWith('/files')) { drain(req, () => { res.writeHead(404); res.end(); }); return; }
  switch (req.method) {
    case 'OPTIONS':
      res.writeHead(204, { ...TUS, 'Tus-Version': '1.0.0', 'Tus-Extension': 'creation,creation-with-upload,termination' });
      res.end();
      return;
    case 'POST':
      drain(req, (err, n) => {
        if (err) return;
        const id = randomBytes(12).toString('hex');
        res.writeHead(201, { ...TUS, Location: `/files/${id}`, 'Upload-Offset': String(n) });
        res.end();
      });
      return;
    case 'PATCH': {
      const start = Number(req.headers['upload-offset'] || 0);
      drain(req, (err, n) => {
        if (err) return;
        res.writeHead(204, { ...TUS, 'Upload-Offset': String(start + n) });
        res.end();
      });
      return;
    }
    case 'DELETE':
      drain(req, () => { res.writeHead(204, TUS); res.end(); });
      return;
    default:
      drain(req, () => { res.writeHead(405, TUS); res.end(); });
  }
});
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0; // 1 GiB bodies may take a while
server.listen(port, '127.0.0.1', () => {
  console.log(`sink listening on http://127.0.0.1:${server.address().port}/files/`);
});
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { server.close(); process.exit(0); });
