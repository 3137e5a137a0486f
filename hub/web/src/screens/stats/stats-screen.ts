/**
 * Statistics: per site the volume (14-day sparkline), the share flagged (urgent or abnormal), each tier, the read
 * turnaround (arrival → signed); and radiologist-vs-AI agreement per finding, from explicit decisions only.
 */
import { stats } from '../../api/admin-api.ts';
import { h } from '../../ui/h.ts';
import type { MountedScreen } from '../types.ts';

export function mountStats(root: HTMLElement): MountedScreen {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  root.append(h('section', { class: 'screen' }, h('div', { class: 'screen-head' }, h('h1', {}, 'Statistics')), body));
  void stats().then((s) => {
    const cards = s.sites.map((site) => {
      const max = Math.max(1, ...site.days.map((d) => d.count));
      return h(
        'div',
        { class: 'card', dataset: { site: site.site } },
        h('div', { class: 'label' }, site.site),
        h('div', { class: 'big' }, site.total),
        h(
          'div',
          { class: 'label' },
          `${site.last24h} in 24 h · ${site.flaggedShare} flagged · ${site.reviewedShare} read`,
        ),
        h('div', { class: 'label tiers' }, site.tierText),
        h('div', { class: 'label turnaround' }, `Turnaround: ${site.turnaroundText}`),
        h(
          'div',
          { class: 'spark', title: 'studies per day, last 14 days' },
          site.days.map((d) =>
            h('span', { class: 'spark-bar', style: `height:${(d.count / max) * 100}%`, title: `${d.day}: ${d.count}` }),
          ),
        ),
      );
    });
    body.replaceChildren(
      h('div', { class: 'section-title' }, 'Volumes per site'),
      cards.length ? h('div', { class: 'cards' }, cards) : h('p', { class: 'muted' }, 'No studies yet.'),
      h('div', { class: 'section-title' }, 'Radiologist vs AI, per finding (latest signed version of each read)'),
      h(
        'table',
        { class: 'grid', id: 'agreement' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Finding',
              'Reads',
              'Agreement',
              'AI called / present',
              'AI called / absent',
              'AI missed / present',
              'AI clear / absent',
            ].map((t, i) => h('th', { class: i ? 'num' : undefined }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          s.agreement.length
            ? s.agreement.map((a) =>
                h(
                  'tr',
                  {},
                  h('td', {}, a.class),
                  h('td', { class: 'num' }, a.reads),
                  h('td', { class: 'num' }, a.rateText),
                  h('td', { class: 'num' }, a.aiCalledPresent),
                  h('td', { class: 'num' }, a.aiCalledAbsent),
                  h('td', { class: 'num' }, a.aiMissedPresent),
                  h('td', { class: 'num' }, a.aiClearAbsent),
                ),
              )
            : h('tr', {}, h('td', { colspan: '7', class: 'empty' }, 'No reads yet.')),
        ),
      ),
    );
  });
  return { unmount() {} };
}
