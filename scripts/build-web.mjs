#!/usr/bin/env node
// Bundles the dashboard (hub/web/src, TypeScript) into hub/web/dist/app.js with esbuild: one ES module, no
// inline code, so the page keeps its strict Content-Security-Policy. Type-checking is `tsc -p hub/web`.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../hub/web/src/main.ts', import.meta.url).pathname],
  outfile: new URL('../hub/web/dist/app.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  sourcemap: true,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
