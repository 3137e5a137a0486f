/**
 * Worklist: studies in triage order (flagged first, then oldest), live — a result that reaches the hub
 * appears without reload. Keys: j/k move, Enter or o opens, f toggles "flagged only", u/a unread/all.
 */
import * as api from '../../api-client.js';
import { h } from '../../view-format.js';

/** Triage order, the same as the API's: priority desc, then oldest first. */
function before(a, b) {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.scoredAt < b.scoredAt;
}

export function mountWorklist(root, ctx) {
  const filters = { status: 'unread', site: '', flagged: '', ...ctx.savedFilters };
  let items = [];
  let nextCursor = null;
  let selected = 0;

  const tbody = h('tbody', { id: 'worklist-rows' });
  const count = h('span', { class: 'muted', id: 'worklist-count' });
  const more = h('button', { class: 'btn', type: 'button', hidden: true, onclick: () => load(true) }, 'Load more');
  const status = h(
    'select',
    { id: 'filter-status', 'aria-label': 'Status' },
    h('option', { value: 'unread' }, 'Unread'),
    h('option', { value: 'reviewed' }, 'Reviewed'),
    h('option', { value: 'all' }, 'All'),
  );
  const flagged = h(
    'select',
    { id: 'filter-flagged', 'aria-label': 'Flags' },
    h('option', { value: '' }, 'All studies'),
    h('option', { value: 'true' }, 'Flagged only'),
    h('option', { value: 'false' }, 'Not flagged'),
  );
  const site = h('input', { id: 'filter-site', placeholder: 'Site', size: '10', 'aria-label': 'Site' });
  status.value = filters.status;
  flagged.value = filters.flagged;
  site.value = filters.site;
  for (const [el, key] of [
    [status, 'status'],
    [flagged, 'flagged'],
    [site, 'site'],
  ]) {
    el.addEventListener('change', () => {
      filters[key] = el.value.trim();
      ctx.savedFilters = { ...filters };
      load(false);
    });
  }

  root.append(
    h(
      'section',
      { class: 'screen' },
      h(
        'div',
        { class: 'screen-head' },
        h('h1', {}, 'Worklist'),
        count,
        h('div', { class: 'filters' }, status, flagged, site),
      ),
      h(
        'table',
        { class: 'grid', id: 'worklist' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { title: 'Flagged findings' }, 'Pri'),
            h('th', {}, 'AI flags'),
            h('th', {}, 'Top finding'),
            h('th', {}, 'Site'),
            h('th', {}, 'Study'),
            h('th', {}, 'Scored'),
            h('th', { class: 'num' }, 'Waiting'),
            h('th', {}, 'Model'),
            h('th', {}, 'Status'),
          ),
        ),
        tbody,
      ),
      more,
      h(
        'p',
        { class: 'hint' },
        h('kbd', {}, 'j'),
        '/',
        h('kbd', {}, 'k'),
        ' move · ',
        h('kbd', {}, 'Enter'),
        ' open · ',
        h('kbd', {}, 'f'),
        ' flagged only · live updates on',
      ),
    ),
  );

  function row(item, index) {
    return h(
      'tr',
      {
        class: `${index === selected ? 'selected' : ''}${item.fresh ? ' fresh' : ''}`,
        dataset: { id: item.id },
        onclick: () => open(index),
      },
      h('td', {}, h('span', { class: `prio prio-${Math.min(item.priority, 3)}` }, item.priority)),
      h(
        'td',
        {},
        item.flags.length
          ? item.flags.map((f) => h('span', { class: 'pill flag' }, f))
          : h('span', { class: 'pill muted' }, 'none'),
      ),
      h('td', {}, `${item.topFinding} `, h('span', { class: 'muted' }, item.topProbability)),
      h('td', {}, item.site),
      h('td', { class: 'mono' }, item.studyShort),
      h('td', {}, item.scoredText),
      h('td', { class: 'num' }, item.age),
      h('td', { class: 'muted' }, item.model),
      h(
        'td',
        {},
        item.status === 'reviewed'
          ? h('span', { class: 'pill ok' }, 'reviewed')
          : h('span', { class: 'pill muted' }, 'unread'),
      ),
    );
  }

  function render() {
    tbody.replaceChildren(
      ...(items.length
        ? items.map(row)
        : [
            h(
              'tr',
              {},
              h('td', { colspan: '9', class: 'empty' }, 'No studies waiting. New results appear here as they arrive.'),
            ),
          ]),
    );
    count.textContent = `${items.length}${nextCursor ? '+' : ''} ${items.length === 1 && !nextCursor ? 'study' : 'studies'}`;
    more.hidden = !nextCursor;
    ctx.setQueue(items.map((i) => i.id));
    tbody.querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' });
  }

  async function load(append) {
    const query = { status: filters.status, site: filters.site, flagged: filters.flagged, limit: 100 };
    const page = await api.worklist(query, append ? nextCursor : undefined);
    items = append ? [...items, ...page.items] : page.items;
    nextCursor = page.nextCursor;
    selected = Math.min(selected, Math.max(0, items.length - 1));
    render();
  }

  function open(index) {
    selected = index;
    if (items[index]) ctx.navigate(`#/study/${items[index].id}`);
  }

  function matches(item) {
    if (filters.status !== 'all' && item.status !== filters.status) return false;
    if (filters.site && item.site !== filters.site) return false;
    if (filters.flagged === 'true' && item.flags.length === 0) return false;
    if (filters.flagged === 'false' && item.flags.length > 0) return false;
    return true;
  }

  const offResult = ctx.live.on('result', (item) => {
    if (!matches(item) || items.some((i) => i.id === item.id)) return;
    let at = items.findIndex((i) => before(item, i));
    if (at === -1) {
      if (nextCursor) return; // belongs on a later page
      at = items.length;
    }
    items.splice(at, 0, { ...item, fresh: true });
    if (at <= selected && items.length > 1) selected++;
    render();
  });
  const offReview = ctx.live.on('review', () => load(false));

  function onKey(e) {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.metaKey || e.ctrlKey) return;
    const actions = {
      j: () => {
        selected = Math.min(items.length - 1, selected + 1);
        render();
      },
      ArrowDown: () => {
        selected = Math.min(items.length - 1, selected + 1);
        render();
      },
      k: () => {
        selected = Math.max(0, selected - 1);
        render();
      },
      ArrowUp: () => {
        selected = Math.max(0, selected - 1);
        render();
      },
      Enter: () => open(selected),
      o: () => open(selected),
      f: () => {
        flagged.value = flagged.value === 'true' ? '' : 'true';
        flagged.dispatchEvent(new Event('change'));
      },
      u: () => {
        status.value = 'unread';
        status.dispatchEvent(new Event('change'));
      },
      a: () => {
        status.value = 'all';
        status.dispatchEvent(new Event('change'));
      },
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  }
  document.addEventListener('keydown', onKey);
  load(false).catch((error) =>
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: '9', class: 'error' }, error.message))),
  );

  return () => {
    document.removeEventListener('keydown', onKey);
    offResult();
    offReview();
  };
}
