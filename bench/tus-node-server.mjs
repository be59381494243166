// The "peer": the official tus Node server (@tus/server + @tus/file-store).
//   node tus-node-server.mjs --port 12345 --dir /tmp/x
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1]]);
  return a;
}, []));
const port = Number(args.port || 0);
const dir = args.dir;
if (!dir) { console.error('usage: tus-node-server.mjs --port N --dir DIR'); process.exit(2); }

const tus = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
const server = http.createServer((req, res) => {
  if (req.url === '/readyz') { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); return; }
  tus.handle(req, res);
});
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => {
  console.log(`@tus/server listening on http://127.0.0.1:${server.address().port}/files/ dir=${dir}`);
});
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { server.close(); process.exit(0); });
