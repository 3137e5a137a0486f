/** A feature's routes as one function the HTTP app registers as an encapsulated plugin. */
import type { HubApp } from './type-provider.ts';

export type HubRoutes = (app: HubApp) => Promise<void>;
