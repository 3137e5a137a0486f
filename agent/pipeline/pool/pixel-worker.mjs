// Pixel worker entry: registers the TypeScript loader (worker threads do not inherit `--import tsx` or the
// loader bin/cxr.mjs registers), then runs the worker.
import { register } from 'tsx/esm/api';

register();
await import('./pixel-worker.ts');
