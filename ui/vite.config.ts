import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The dashboard is served by the node at /ui/ (src/api/routes/ui.ts) from dist/ui; everything it needs is
// bundled there, nothing is loaded from elsewhere at run time.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400
  }
})
