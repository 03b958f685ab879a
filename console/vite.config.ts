// The web console's build: Preact (JSX through esbuild, no plugin), output in dist/console,
// which the admin server serves at /. `npm run build:console` (npm install runs it).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: '../dist/console', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: true, chunkSizeWarningLimit: 200 },
  logLevel: 'warn',
});
