/** Fleet: every agent — online, last seen, backlog, outbox, model, runtime, version, rollout state. Live. */
import * as api from '../../api-client.js';
import { h } from '../../view-format.js';

export function mountFleet(root, ctx) {
  const tbody = h('tbody', { id: 'fleet-rows' });
  root.append(
    h(
      'section',
      { class: 'screen' },
      h('div', { class: 'screen-head' }, h('h1', {}, 'Fleet'), h('span', { class: 'muted' }, 'Agents at the sites')),
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Agent',
              'State',
              'Last seen',
              'Backlog',
              'Outbox',
              'Quarantined',
              'Delivered',
              'Model',
              'Runtime',
              'Version',
              'Rollout',
            ].map((t, i) => h('th', { class: i >= 3 && i <= 6 ? 'num' : undefined }, t)),
          ),
        ),
        tbody,
      ),
    ),
  );
  async function load() {
    const agents = await api.fleet();
    tbody.replaceChildren(
      ...(agents.length
        ? agents.map((a) =>
            h(
              'tr',
              {},
              h('td', {}, a.name),
              h(
                'td',
                {},
                h('span', { class: `dot ${a.online ? 'on' : 'off'}` }),
                a.online ? (a.paused ? 'online · intake paused' : 'online') : 'offline',
              ),
              h('td', {}, a.lastSeen === 'never' ? 'never' : `${a.lastSeen} ago`),
              h('td', { class: 'num' }, a.backlog),
              h('td', { class: 'num' }, a.outbox),
              h('td', { class: 'num' }, a.quarantined),
              h('td', { class: 'num' }, a.results),
              h('td', {}, a.model),
              h('td', {}, a.runtime),
              h('td', {}, a.version),
              h('td', { class: 'muted' }, a.rollout),
            ),
          )
        : [h('tr', {}, h('td', { colspan: '11', class: 'empty' }, 'No agent has reported yet.'))]),
    );
  }
  load();
  const off = ctx.live.on('fleet', () => load());
  const timer = setInterval(load, 15_000);
  return () => {
    off();
    clearInterval(timer);
  };
}
