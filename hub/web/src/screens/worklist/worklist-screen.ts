/**
 * Worklist: studies in triage order (tier, then abnormality score, then longest waiting), live — a result that
 * reaches the hub appears without reload, claims show who is reading what. Filters and the sort live in the
 * hash, so opening a study and coming back keeps them, and the study just read stays selected.
 * Keys: j/k move, Enter or o opens, f flagged only (urgent + abnormal), u/a unread/all.
 */
import type { Tier, WorklistSort } from '../../api/types.ts';
import { TIERS } from '../../api/types.ts';
import { type WorkItem, worklist } from '../../api/worklist-api.ts';
import { TIER_LABEL } from '../../ui/format.ts';
import { h } from '../../ui/h.ts';
import type { MountedScreen, ScreenContext } from '../types.ts';
import { apiQuery, compareItems, filtersFromQuery, hashOf, matches, type WorklistFilters } from './worklist-filters.ts';
import { COLUMNS, waitingText, worklistRow } from './worklist-row.ts';

const PAGE = 100;
const LAST_STUDY = 'cxr.lastStudy';

export function mountWorklist(root: HTMLElement, ctx: ScreenContext): MountedScreen {
  const filters = filtersFromQuery(ctx.query);
  const me = ctx.user.username;
  let items: Array<WorkItem & { fresh?: boolean }> = [];
  let nextCursor: string | undefined;
  let selected = 0;
  const lastStudy = sessionStorage.getItem(LAST_STUDY);

  const setFilters = (change: Partial<WorklistFilters>) => ctx.navigate(hashOf({ ...filters, ...change }));

  const tbody = h('tbody', { id: 'worklist-rows' });
  const countText = h('span', { class: 'muted', id: 'worklist-count' });
  const more = h('button', { class: 'btn', type: 'button', hidden: true, onclick: () => load(true) }, 'Load more');

  const select = (
    id: string,
    label: string,
    value: string,
    options: Array<[string, string]>,
    onchange: (v: string) => void,
  ) => {
    const el = h('select', { id, 'aria-label': label }, ...options.map(([v, text]) => h('option', { value: v }, text)));
    el.value = value;
    el.addEventListener('change', () => onchange(el.value));
    return el;
  };
  const input = (
    id: string,
    label: string,
    value: string,
    attrs: Record<string, string>,
    onchange: (v: string) => void,
  ) => {
    const el = h('input', { id, 'aria-label': label, ...attrs });
    el.value = value;
    el.addEventListener('change', () => onchange(el.value.trim()));
    return el;
  };
  const tierChips = TIERS.map((tier) => {
    const on = filters.tiers.includes(tier);
    return h(
      'button',
      {
        type: 'button',
        class: `chip tier-${tier}${on ? ' on' : ''}`,
        'aria-pressed': String(on),
        dataset: { tier },
        onclick: () => setFilters({ tiers: on ? filters.tiers.filter((t) => t !== tier) : [...filters.tiers, tier] }),
      },
      TIER_LABEL[tier],
    );
  });
  const findingList = h('datalist', { id: 'finding-classes' });
  const filterBar = h(
    'div',
    { class: 'filters', id: 'worklist-filters' },
    select(
      'filter-status',
      'Status',
      filters.status,
      [
        ['unread', 'Unread'],
        ['reviewed', 'Read'],
        ['all', 'All'],
      ],
      (v) => setFilters({ status: v as WorklistFilters['status'] }),
    ),
    h('span', { class: 'chips', role: 'group', 'aria-label': 'Tier' }, tierChips),
    input(
      'filter-finding',
      'Finding',
      filters.finding,
      { placeholder: 'Finding', list: 'finding-classes', size: '14' },
      (v) => setFilters({ finding: v }),
    ),
    findingList,
    input('filter-site', 'Site', filters.site, { placeholder: 'Site', size: '10' }, (v) => setFilters({ site: v })),
    input('filter-from', 'From', filters.from, { type: 'date' }, (v) => setFilters({ from: v })),
    input('filter-to', 'To', filters.to, { type: 'date' }, (v) => setFilters({ to: v })),
    select(
      'filter-claimed',
      'Claimed',
      filters.claimed,
      [
        ['any', 'Any reader'],
        ['unclaimed', 'Not being read'],
        ['mine', 'Claimed by me'],
        ['others', 'Claimed by others'],
      ],
      (v) => setFilters({ claimed: v as WorklistFilters['claimed'] }),
    ),
  );

  const sortHeader = (label: string, sorts: WorklistSort[], title: string) => {
    const active = sorts.includes(filters.sort);
    const next =
      active && sorts.length > 1
        ? (sorts[(sorts.indexOf(filters.sort) + 1) % sorts.length] as WorklistSort)
        : (sorts[0] as WorklistSort);
    return h(
      'th',
      {
        class: `sortable${active ? ' sorted' : ''}`,
        'aria-sort': active ? (filters.sort === 'newest' ? 'descending' : 'ascending') : 'none',
        title,
      },
      h(
        'button',
        { type: 'button', class: 'th-button', dataset: { sort: sorts[0] }, onclick: () => setFilters({ sort: next }) },
        label,
        active ? (filters.sort === 'newest' ? ' ▼' : ' ▲') : '',
      ),
    );
  };

  root.append(
    h(
      'section',
      { class: 'screen' },
      h('div', { class: 'screen-head' }, h('h1', {}, 'Worklist'), countText, filterBar),
      h(
        'table',
        { class: 'grid', id: 'worklist' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            sortHeader('AI triage', ['triage'], 'Tier, then abnormality score, then longest waiting'),
            h('th', {}, 'AI findings'),
            sortHeader('Score', ['score'], 'Highest finding probability'),
            h('th', {}, 'Site'),
            h('th', {}, 'Study'),
            h('th', {}, 'Arrived'),
            sortHeader('Waiting', ['oldest', 'newest'], 'Oldest first; click again for newest first'),
            h('th', {}, 'Reader'),
            h('th', {}, 'Status'),
            h('th', {}, 'Model'),
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
        ' flagged (urgent + abnormal) · ',
        h('kbd', {}, 'u'),
        '/',
        h('kbd', {}, 'a'),
        ' unread/all · live updates on',
      ),
    ),
  );

  function render(): void {
    const now = Date.now();
    tbody.replaceChildren(
      ...(items.length
        ? items.map((item, index) =>
            worklistRow(item, { selected: index === selected, me, nowMs: now, onOpen: () => open(index) }),
          )
        : [
            h(
              'tr',
              {},
              h(
                'td',
                { colspan: String(COLUMNS), class: 'empty' },
                'No studies match. New results appear here as they arrive.',
              ),
            ),
          ]),
    );
    countText.textContent = `${items.length}${nextCursor ? '+' : ''} ${items.length === 1 && !nextCursor ? 'study' : 'studies'}`;
    more.hidden = !nextCursor;
    ctx.queue.set(
      items.map((i) => i.id),
      hashOf(filters),
    );
    const seen = new Set<string>();
    findingList.replaceChildren(
      ...items
        .flatMap((i) => i.findings.map((f) => f.name))
        .filter((n) => !seen.has(n) && seen.add(n))
        .map((n) => h('option', { value: n })),
    );
    tbody.querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' });
  }

  async function load(append: boolean): Promise<void> {
    const page = await worklist(apiQuery(filters, PAGE), append ? nextCursor : undefined);
    items = append ? [...items, ...page.items] : page.items;
    nextCursor = page.nextCursor;
    if (!append && lastStudy) {
      const at = items.findIndex((i) => i.id === lastStudy);
      if (at >= 0) selected = at;
    }
    selected = Math.min(selected, Math.max(0, items.length - 1));
    render();
  }

  function open(index: number): void {
    selected = index;
    const item = items[index];
    if (!item) return;
    sessionStorage.setItem(LAST_STUDY, item.id);
    ctx.navigate(`#/study/${item.id}`);
  }

  const offResult = ctx.live.on('result', (item) => {
    if (!matches(filters, item, me) || items.some((i) => i.id === item.id)) return;
    let at = items.findIndex((i) => compareItems(filters.sort, item, i) < 0);
    if (at === -1) {
      if (nextCursor) return; // belongs on a later page
      at = items.length;
    }
    items.splice(at, 0, { ...item, fresh: true });
    if (at <= selected && items.length > 1) selected++;
    render();
  });
  const reload = () => void load(false);
  const offRead = ctx.live.on('read', reload);
  const offClaim = ctx.live.on('claim', (e) => {
    const item = items.find((i) => i.id === e.resultId);
    if (!item) return;
    item.claimedBy = e.claim && Date.parse(e.claim.expiresAt) > Date.now() ? e.claim.by : null;
    render();
  });
  const tick = setInterval(() => {
    const now = Date.now();
    for (const cell of tbody.querySelectorAll<HTMLElement>('td.waiting')) {
      const item = items.find((i) => i.arrivedAt === cell.dataset.arrived);
      if (item) cell.textContent = waitingText(item, now);
    }
  }, 10_000);

  function onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || e.metaKey || e.ctrlKey || e.altKey)
      return;
    const move = (delta: number) => {
      selected = Math.min(items.length - 1, Math.max(0, selected + delta));
      render();
    };
    const flagged: Tier[] = ['urgent', 'abnormal'];
    const actions: Record<string, () => void> = {
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      Enter: () => open(selected),
      o: () => open(selected),
      f: () =>
        setFilters({
          tiers: filters.tiers.length === 2 && flagged.every((t) => filters.tiers.includes(t)) ? [] : flagged,
        }),
      u: () => setFilters({ status: 'unread' }),
      a: () => setFilters({ status: 'all' }),
    };
    const action = actions[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  }
  document.addEventListener('keydown', onKey);
  load(false).catch((error: Error) =>
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: String(COLUMNS), class: 'error' }, error.message))),
  );

  return {
    unmount() {
      document.removeEventListener('keydown', onKey);
      clearInterval(tick);
      offResult();
      offRead();
      offClaim();
    },
  };
}
