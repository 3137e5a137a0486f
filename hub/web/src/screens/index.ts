/** Every dashboard screen, registered once: route pattern, nav label, who may see it, mount function. */
import { mountAudit } from './audit/audit-screen.ts';
import { mountFleet } from './fleet/fleet-screen.ts';
import { mountModels } from './models/models-screen.ts';
import { mountStats } from './stats/stats-screen.ts';
import { mountTraining } from './training/training-screen.ts';
import type { Screen } from './types.ts';
import { warmFilmView } from './viewer/film/film-view.ts';
import { mountViewer } from './viewer/viewer-screen.ts';
import { mountWorklist } from './worklist/worklist-screen.ts';

export const screens: Screen[] = [
  { id: 'worklist', nav: 'Worklist', route: /^#\/worklist$/, mount: mountWorklist },
  { id: 'viewer', route: /^#\/study\/([0-9a-f]{64})$/, mount: mountViewer, warm: warmFilmView },
  { id: 'fleet', nav: 'Fleet', route: /^#\/fleet$/, mount: mountFleet },
  { id: 'stats', nav: 'Statistics', route: /^#\/stats$/, mount: mountStats },
  { id: 'models', nav: 'Models', route: /^#\/models$/, mount: mountModels, adminOnly: true },
  { id: 'training', nav: 'Training', route: /^#\/training$/, mount: mountTraining, adminOnly: true },
  { id: 'audit', nav: 'Audit log', route: /^#\/audit$/, mount: mountAudit, adminOnly: true },
];
