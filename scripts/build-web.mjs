#!/usr/bin/env node
// Bundles the dashboard (hub/web/src, TypeScript) into hub/web/dist/app.js with esbuild: one ES module, no
// inline code, so the page keeps its strict Content-Security-Policy — and the viewer's film decoder, which runs on a
// worker thread, into dist/film-decoder.js (same origin: allowed by `script-src 'self'`). Type-checking is
// `tsc -p hub/web`.
import { build } from 'esbuild';

await build({
  entryPoints: {
    app: new URL('../hub/web/src/main.ts', import.meta.url).pathname,
    'film-decoder': new URL('../hub/web/src/screens/viewer/film/film-decoder-worker.ts', import.meta.url).pathname,
  },
  outdir: new URL('../hub/web/dist/', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  sourcemap: true,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
