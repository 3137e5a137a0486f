// Worker entry: registers the TypeScript loader (workers do not inherit `--import tsx`), then runs the worker.
import { register } from 'tsx/esm/api';

register();
await import('./read-image-worker.ts');
