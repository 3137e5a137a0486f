/**
 * Dashboard shell: session check and login, the nav built from the screen list, a hash router that
 * mounts one screen at a time, and one live-update connection (server-sent events) shared by screens.
 */
import * as api from './api-client.js';
import { screens } from './screens/index.js';
import { h } from './view-format.js';

const view = document.getElementById('view');
const topbar = document.querySelector('.topbar');
const loginSection = document.getElementById('login');
let user = null;
let unmount = () => {};
let closeLive = () => {};
let queue = [];
const listeners = { result: new Set(), review: new Set(), fleet: new Set(), rollout: new Set() };

const live = {
  on(name, fn) {
    listeners[name].add(fn);
    return () => listeners[name].delete(fn);
  },
};

const ctx = {
  live,
  savedFilters: {},
  navigate: (hash) => {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  setQueue: (ids) => {
    queue = ids;
  },
  queue: () => queue,
};

function route() {
  if (!user) return;
  const hash = location.hash || '#/worklist';
  const visible = screens.filter((s) => !s.adminOnly || user.isAdmin);
  let match = null;
  const screen = visible.find((s) => (match = hash.match(s.route)));
  if (!screen) {
    location.hash = '#/worklist';
    return;
  }
  unmount();
  view.replaceChildren();
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.screen === screen.id);
  unmount = screen.mount(view, { ...ctx, params: match.slice(1) }) ?? (() => {});
}

function emit(name, value) {
  for (const fn of listeners[name]) fn(value);
}

function showApp() {
  loginSection.hidden = true;
  topbar.hidden = false;
  document.getElementById('who').textContent = `${user.username} · ${user.role}`;
  document
    .getElementById('nav')
    .replaceChildren(
      ...screens
        .filter((s) => s.nav && (!s.adminOnly || user.isAdmin))
        .map((s) => h('a', { href: `#/${s.id}`, dataset: { screen: s.id } }, s.nav)),
    );
  closeLive = api.subscribe(
    {
      result: (item) => emit('result', item),
      review: (e) => emit('review', e),
      fleet: (e) => emit('fleet', e),
      rollout: (e) => emit('rollout', e),
    },
    (on) => document.getElementById('live').classList.toggle('on', on),
  );
  route();
}

function showLogin() {
  unmount();
  closeLive();
  view.replaceChildren();
  topbar.hidden = true;
  loginSection.hidden = false;
  document.getElementById('login-username').focus();
}

document.getElementById('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = document.getElementById('login-error');
  error.textContent = '';
  try {
    user = await api.logIn(
      document.getElementById('login-username').value,
      document.getElementById('login-password').value,
    );
    document.getElementById('login-password').value = '';
    showApp();
  } catch (err) {
    error.textContent = err.status === 401 ? 'Wrong username or password.' : err.message;
  }
});

document.getElementById('logout').addEventListener('click', async () => {
  await api.logOut().catch(() => {});
  user = null;
  showLogin();
});

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof api.ApiError && e.reason.status === 401) {
    user = null;
    showLogin();
  }
});

user = await api.currentUser();
if (user) showApp();
else showLogin();
