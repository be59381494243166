import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const backend = process.env.FORGE_DEV_BACKEND ?? 'http://127.0.0.1:8080'

// The built site is served by Jetty from the classpath at `/` (upload page) and `/admin/`
// (admin console) under a strict CSP: no inline scripts, no eval, nothing external. Vite emits
// only external module scripts, so that holds as long as no page grows an inline <script>.
export default defineConfig({
  base: '/',
  build: {
    outDir: resolve(root, '../target/classes/webapp'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        upload: resolve(root, 'index.html'),
        admin: resolve(root, 'admin/index.html'),
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/files': { target: backend, changeOrigin: false },
      '/api': { target: backend, changeOrigin: false },
    },
  },
})
