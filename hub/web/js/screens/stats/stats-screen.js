/** Stats: volumes per site (with a 14-day sparkline) and radiologist-vs-AI agreement per class. */
import * as api from '../../api-client.js';
import { h } from '../../view-format.js';

export function mountStats(root) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  root.append(h('section', { class: 'screen' }, h('div', { class: 'screen-head' }, h('h1', {}, 'Statistics')), body));
  api.stats().then((s) => {
    const cards = s.sites.map((site) => {
      const max = Math.max(1, ...site.days.map((d) => d.count));
      return h(
        'div',
        { class: 'card' },
        h('div', { class: 'label' }, site.site),
        h('div', { class: 'big' }, site.total),
        h(
          'div',
          { class: 'label' },
          `${site.last24h} in 24 h · ${site.flaggedShare} flagged · ${site.reviewedShare} reviewed`,
        ),
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
      h('div', { class: 'section-title' }, 'Radiologist vs AI agreement (latest review per study)'),
      h(
        'table',
        { class: 'grid', id: 'agreement' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Class', 'Reviewed', 'Agreement', 'AI+ / Rad+', 'AI+ / Rad−', 'AI− / Rad+', 'AI− / Rad−'].map((t, i) =>
              h('th', { class: i ? 'num' : undefined }, t),
            ),
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
                  h('td', { class: 'num' }, a.reviewed),
                  h('td', { class: 'num' }, a.rateText),
                  h('td', { class: 'num' }, a.truePositive),
                  h('td', { class: 'num' }, a.falsePositive),
                  h('td', { class: 'num' }, a.falseNegative),
                  h('td', { class: 'num' }, a.trueNegative),
                ),
              )
            : h('tr', {}, h('td', { colspan: '7', class: 'empty' }, 'No reviews yet.')),
        ),
      ),
    );
  });
  return () => {};
}
