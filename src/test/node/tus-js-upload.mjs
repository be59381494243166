// Uploads one file with the real tus-js-client (its Node build) and prints the upload URL as one
// JSON line: {"url": "..."}; on failure {"error": "...", "status": N} and exit code 1.
// Used by Java integration tests (e2e/TusJsClientIT). tus-js-client comes from webapp/node_modules
// (pinned in webapp/package.json, installed by `npm ci` there), so no second npm project is needed.
//
//   node tus-js-upload.mjs <webapp dir> <file> <endpoint> [parallelUploads] [chunkSize]
// FORGE_TOKEN (environment) is sent as `Authorization: Bearer`. FORGE_RESUME_PARTS (space-separated
// part URLs) resumes a parallel upload from those parts, as Uppy does with the previous upload
// findPreviousUploads() returns for the same file.
import { createReadStream } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const [webappDir, file, endpoint, parallel = '1', chunk = ''] = process.argv.slice(2)
if (!webappDir || !file || !endpoint) {
  console.error('usage: tus-js-upload.mjs <webapp dir> <file> <endpoint> [parallelUploads] [chunkSize]')
  process.exit(2)
}
const require = createRequire(path.join(path.resolve(webappDir), 'package.json'))
const tus = require('tus-js-client')

const token = process.env.FORGE_TOKEN
const options = {
  endpoint,
  metadata: { filename: path.basename(file), filetype: 'application/octet-stream' },
  headers: token ? { Authorization: `Bearer ${token}` } : {},
  retryDelays: [],
  parallelUploads: Number(parallel),
  removeFingerprintOnSuccess: true,
}
if (chunk) options.chunkSize = Number(chunk)

const result = await new Promise((resolve) => {
  const upload = new tus.Upload(createReadStream(file), {
    ...options,
    onSuccess: () => resolve({ url: upload.url }),
    onError: (err) => {
      const res = err.originalResponse
      resolve({
        error: String(err.message ?? err),
        status: res ? res.getStatus() : null,
        body: res ? res.getBody() : null,
      })
    },
  })
  const parts = process.env.FORGE_RESUME_PARTS
  if (parts) upload.resumeFromPreviousUpload({ parallelUploadUrls: parts.split(' ') })
  upload.start()
})
console.log(JSON.stringify(result))
process.exit(result.url ? 0 : 1)
