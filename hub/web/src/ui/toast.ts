/** One transient message at a time in #toast; `urgent` ones are styled apart and announced assertively. */
let timer: ReturnType<typeof setTimeout> | undefined;

export function toast(message: string, kind: 'info' | 'urgent' | 'error' = 'info'): void {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.className = `toast show toast-${kind}`;
  el.setAttribute('role', kind === 'info' ? 'status' : 'alert');
  clearTimeout(timer);
  timer = setTimeout(() => el.classList.remove('show'), kind === 'urgent' ? 8000 : 3000);
}
