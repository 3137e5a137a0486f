/** What every screen gets from the shell, and what it gives back. */
import type { Live } from '../api/live.ts';
import type { User } from '../api/session-api.ts';

export interface ScreenContext {
  user: User;
  live: Live;
  /** Regex groups of the route. */
  params: string[];
  /** The query part of the hash (`#/worklist?tier=urgent`). */
  query: URLSearchParams;
  navigate(hash: string): void;
  /** The worklist the reader came from: its study ids in order, and its hash (filters). */
  queue: { ids(): string[]; hash(): string; set(ids: string[], hash: string): void };
}

export interface MountedScreen {
  unmount(): void;
  /** A reason not to leave yet (an unsaved read), or null. */
  unsaved?(): string | null;
}

export interface Screen {
  id: string;
  nav?: string;
  route: RegExp;
  adminOnly?: boolean;
  mount(root: HTMLElement, ctx: ScreenContext): MountedScreen;
  /** Work done once, when the dashboard is idle after login, so the screen opens without it (the viewer's set-up). */
  warm?(): void;
}
