#!/usr/bin/env node
// The `cxr` executable: registers the TypeScript loader, then hands over to the CLI dispatcher.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
