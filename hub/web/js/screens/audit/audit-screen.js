/** Audit log (admins): every state change — who, what, when, before → after. Newest first. */
import * as api from '../../api-client.js';
import { h } from '../../view-format.js';

export function mountAudit(root, ctx) {
  const tbody = h('tbody', { id: 'audit-rows' });
  root.append(
    h(
      'section',
      { class: 'screen' },
      h('div', { class: 'screen-head' }, h('h1', {}, 'Audit log'), h('span', { class: 'muted' }, 'Append-only')),
      h(
        'table',
        { class: 'grid', id: 'audit' },
        h('thead', {}, h('tr', {}, ...['#', 'When', 'Who', 'Action', 'Target', 'Change'].map((t) => h('th', {}, t)))),
        tbody,
      ),
    ),
  );
  async function load() {
    const entries = await api.auditLog();
    tbody.replaceChildren(
      ...entries.map((e) =>
        h(
          'tr',
          { onclick: () => e.target.length === 64 && ctx.navigate(`#/study/${e.target}`) },
          h('td', { class: 'muted' }, e.id),
          h('td', {}, e.at),
          h('td', {}, e.actor),
          h('td', {}, e.action),
          h('td', { class: 'mono' }, e.target.length === 64 ? `${e.target.slice(0, 12)}…` : e.target),
          h('td', { class: 'muted' }, e.change),
        ),
      ),
    );
  }
  load();
  const off = ctx.live.on('review', () => load());
  return () => off();
}
