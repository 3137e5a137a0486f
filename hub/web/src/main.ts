/**
 * Dashboard shell: session check and login, the nav built from the screen list, a hash router that mounts one
 * screen at a time (and asks the current one before leaving it with unsaved work), one live-update connection
 * shared by screens, the reading queue, the new-arrival announcements and the drift banner (drift-banner.ts).
 */

import { ApiError } from './api/http.ts';
import { connectLive, type Live } from './api/live.ts';
import { currentUser, logIn, logOut, type User } from './api/session-api.ts';
import { createArrivals } from './arrivals.ts';
import { startDriftBanner } from './drift-banner.ts';
import { loadQueue, saveQueue } from './queue.ts';
import { screens } from './screens/index.ts';
import type { MountedScreen, Screen } from './screens/types.ts';
import { byId, h } from './ui/h.ts';

const view = byId('view');
const topbar = document.querySelector<HTMLElement>('.topbar');
const loginSection = byId('login');
let user: User | null = null;
let current: { screen: Screen; mounted: MountedScreen; hash: string } | null = null;
let live: (Live & { close(): void }) | null = null;
const driftBanner = h('div', { id: 'drift-banner', class: 'drift-banner', role: 'alert', hidden: true });
view.before(driftBanner);
let drift: { stop(): void } | null = null;
const arrivals = createArrivals();
let queue = loadQueue();

function splitHash(hash: string): { path: string; query: URLSearchParams } {
  const at = hash.indexOf('?');
  return at < 0
    ? { path: hash, query: new URLSearchParams() }
    : { path: hash.slice(0, at), query: new URLSearchParams(hash.slice(at + 1)) };
}

function navigate(hash: string): void {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route(): void {
  if (!user || !live) return;
  const hash = location.hash || '#/worklist';
  if (current && hash === current.hash) return;
  const unsaved = current?.mounted.unsaved?.() ?? null;
  if (current && unsaved !== null && !window.confirm(`${unsaved}\n\nLeave and discard it?`)) {
    history.replaceState(null, '', current.hash); // stay: put the address back
    return;
  }
  const { path, query } = splitHash(hash);
  const admin = user.isAdmin;
  const visible = screens.filter((s) => !s.adminOnly || admin);
  let match: RegExpMatchArray | null = null;
  const screen = visible.find((s) => {
    match = path.match(s.route);
    return match !== null;
  });
  if (!screen || !match) {
    location.hash = '#/worklist';
    return;
  }
  current?.mounted.unmount();
  view.replaceChildren();
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    a.classList.toggle('active', a.dataset.screen === screen.id);
  }
  if (screen.id === 'worklist') arrivals.seen();
  const mounted = screen.mount(view, {
    user,
    live,
    params: (match as RegExpMatchArray).slice(1),
    query,
    navigate,
    queue: {
      ids: () => queue.ids,
      hash: () => queue.hash,
      set: (ids, listHash) => {
        queue = { ids, hash: listHash };
        saveQueue(queue);
      },
    },
  });
  current = { screen, mounted, hash };
}

function showApp(signedIn: User): void {
  user = signedIn;
  loginSection.hidden = true;
  if (topbar) topbar.hidden = false;
  byId('who').textContent = `${signedIn.username} · ${signedIn.role}`;
  byId('nav').replaceChildren(
    ...screens
      .filter((s) => s.nav && (!s.adminOnly || signedIn.isAdmin))
      .map((s) => h('a', { href: s.id === 'worklist' ? queue.hash : `#/${s.id}`, dataset: { screen: s.id } }, s.nav)),
  );
  live = connectLive((on) => byId('live').classList.toggle('on', on));
  live.on('result', (item) => arrivals.arrived(item, current?.screen.id === 'worklist'));
  drift = startDriftBanner(driftBanner, signedIn.isAdmin);
  route();
  // Screens set themselves up while the reader looks at the worklist (the viewer: Cornerstone, the film decoder).
  const idle = window.requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 200));
  idle(() => {
    for (const screen of screens) screen.warm?.();
  });
}

function showLogin(): void {
  current?.mounted.unmount();
  current = null;
  live?.close();
  live = null;
  drift?.stop();
  drift = null;
  user = null;
  view.replaceChildren();
  if (topbar) topbar.hidden = true;
  loginSection.hidden = false;
  byId<HTMLInputElement>('login-username').focus();
}

byId('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = byId('login-error');
  error.textContent = '';
  const password = byId<HTMLInputElement>('login-password');
  try {
    const signedIn = await logIn(byId<HTMLInputElement>('login-username').value, password.value);
    password.value = '';
    showApp(signedIn);
  } catch (err) {
    const apiError = err instanceof ApiError ? err : null;
    error.textContent =
      apiError?.status === 401
        ? 'Wrong username or password.'
        : apiError?.code === 'CXR_ERR_HUB_LOGIN_THROTTLED'
          ? `Too many failed sign-ins. ${apiError.message}`
          : String((err as Error).message);
  }
});

byId('logout').addEventListener('click', async () => {
  if (current?.mounted.unsaved?.() && !window.confirm('Discard the unsaved read and log out?')) return;
  await logOut().catch(() => {});
  showLogin();
});

window.addEventListener('hashchange', route);
window.addEventListener('beforeunload', (e) => {
  if (current?.mounted.unsaved?.()) e.preventDefault();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && current?.screen.id === 'worklist') arrivals.seen();
});
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.status === 401) showLogin();
});

const signedIn = await currentUser();
if (signedIn) showApp(signedIn);
else showLogin();
