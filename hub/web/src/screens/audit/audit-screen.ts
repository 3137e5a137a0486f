/**
 * Audit log (admins): every state change — who, from where, what, when, before → after — newest first, with
 * the filters the API has (actor, action, target) and paging. Fits a 1280 px screen: long values are cut, with
 * the whole value in the cell's title.
 */
import { type AuditQuery, auditLog } from '../../api/admin-api.ts';
import { h } from '../../ui/h.ts';
import type { MountedScreen, ScreenContext } from '../types.ts';

export function mountAudit(root: HTMLElement, ctx: ScreenContext): MountedScreen {
  const query: AuditQuery = {};
  const pages: Array<number | undefined> = [undefined];
  let next: number | null = null;
  const tbody = h('tbody', { id: 'audit-rows' });
  const field = (key: 'actor' | 'action' | 'target', placeholder: string) => {
    const el = h('input', { id: `audit-${key}`, placeholder, size: '14', 'aria-label': placeholder });
    el.addEventListener('change', () => {
      query[key] = el.value.trim() || undefined;
      pages.splice(0, pages.length, undefined);
      void load();
    });
    return el;
  };
  const older = h('button', { class: 'btn', id: 'audit-older', type: 'button', onclick: () => page(1) }, 'Older →');
  const newer = h('button', { class: 'btn', id: 'audit-newer', type: 'button', onclick: () => page(-1) }, '← Newer');
  root.append(
    h(
      'section',
      { class: 'screen audit-screen' },
      h(
        'div',
        { class: 'screen-head' },
        h('h1', {}, 'Audit log'),
        h('span', { class: 'muted' }, 'Append-only'),
        h(
          'div',
          { class: 'filters' },
          field('actor', 'Who'),
          field('action', 'Action'),
          field('target', 'Target'),
          newer,
          older,
        ),
      ),
      h(
        'table',
        { class: 'grid audit', id: 'audit' },
        h(
          'thead',
          {},
          h('tr', {}, ...['#', 'When', 'Who', 'From', 'Action', 'Target', 'Change'].map((t) => h('th', {}, t))),
        ),
        tbody,
      ),
    ),
  );
  function page(delta: number): void {
    if (delta > 0 && next !== null) pages.push(next);
    if (delta < 0 && pages.length > 1) pages.pop();
    void load();
  }
  async function load(): Promise<void> {
    const before = pages.at(-1);
    const result = await auditLog({ ...query, ...(before === undefined ? {} : { before }) });
    next = result.nextBefore;
    older.disabled = next === null;
    newer.disabled = pages.length <= 1;
    tbody.replaceChildren(
      ...(result.rows.length
        ? result.rows.map((e) =>
            h(
              'tr',
              { onclick: () => /^[0-9a-f]{64}$/.test(e.target) && ctx.navigate(`#/study/${e.target}`) },
              h('td', { class: 'muted' }, e.id),
              h('td', { class: 'nowrap' }, e.at),
              h('td', {}, e.actor),
              h('td', { class: 'mono' }, e.source),
              h('td', {}, e.action),
              h(
                'td',
                { class: 'mono', title: e.target },
                e.target.length > 16 ? `${e.target.slice(0, 12)}…` : e.target,
              ),
              h('td', { class: 'muted change', title: e.change }, e.change),
            ),
          )
        : [h('tr', {}, h('td', { colspan: '7', class: 'empty' }, 'No entries.'))]),
    );
  }
  void load();
  const off = ctx.live.on('read', () => {
    if (pages.length === 1) void load();
  });
  return { unmount: () => off() };
}
