/** One worklist row (DOM from a view model): tier badge, the findings called, waiting or turnaround, reader. */
import type { WorkItem } from '../../api/worklist-api.ts';
import { ageText, durationText } from '../../ui/format.ts';
import { h } from '../../ui/h.ts';

export const COLUMNS = 10;

export function waitingText(item: WorkItem, nowMs: number): string {
  if (item.status === 'reviewed')
    return item.turnaroundS === null ? 'read' : `read in ${durationText(item.turnaroundS)}`;
  return ageText(item.arrivedAt, nowMs);
}

export function worklistRow(
  item: WorkItem & { fresh?: boolean },
  opts: { selected: boolean; me: string; nowMs: number; onOpen(): void },
): HTMLTableRowElement {
  const claimed = item.claimedBy === null ? '' : item.claimedBy === opts.me ? 'you' : item.claimedBy;
  return h(
    'tr',
    {
      class: [`tier-${item.tier}`, opts.selected ? 'selected' : '', item.fresh ? 'fresh' : '']
        .filter(Boolean)
        .join(' '),
      dataset: { id: item.id, tier: item.tier },
      onclick: opts.onOpen,
    },
    h('td', {}, h('span', { class: `tier tier-${item.tier}` }, item.tierLabel)),
    h(
      'td',
      { class: 'findings-cell' },
      item.findings.length
        ? item.findings.map((f) =>
            h('span', { class: `pill ${f.urgent ? 'urgent' : 'finding'}` }, `${f.name} ${f.percent}`),
          )
        : h('span', { class: 'muted' }, '—'),
    ),
    h('td', { class: 'num' }, item.scoreText),
    h('td', {}, item.site),
    h('td', { class: 'mono' }, item.studyShort),
    h('td', { title: item.acquired ? 'acquisition time' : 'time the clinic agent received it' }, item.arrivedText),
    h('td', { class: 'num waiting', dataset: { arrived: item.arrivedAt } }, waitingText(item, opts.nowMs)),
    h(
      'td',
      { class: 'reader' },
      claimed ? h('span', { class: 'pill claim', title: 'being read' }, `being read by ${claimed}`) : '',
    ),
    h(
      'td',
      {},
      item.status === 'reviewed'
        ? h('span', { class: 'pill ok' }, 'read')
        : h('span', { class: 'pill muted' }, 'unread'),
    ),
    h('td', { class: 'muted' }, item.model),
  );
}
