/** Fleet: every agent — online, last seen, backlog, outbox, model, runtime, version, rollout state. Live. */
import { fleet } from '../../api/admin-api.ts';
import { h } from '../../ui/h.ts';
import type { MountedScreen, ScreenContext } from '../types.ts';

const HEADERS = [
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
];

export function mountFleet(root: HTMLElement, ctx: ScreenContext): MountedScreen {
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
          h('tr', {}, ...HEADERS.map((t, i) => h('th', { class: i >= 3 && i <= 6 ? 'num' : undefined }, t))),
        ),
        tbody,
      ),
    ),
  );
  async function load(): Promise<void> {
    const agents = await fleet();
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
              h('td', {}, a.lastSeen),
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
        : [h('tr', {}, h('td', { colspan: String(HEADERS.length), class: 'empty' }, 'No agent has reported yet.'))]),
    );
  }
  void load();
  const off = ctx.live.on('fleet', () => void load());
  const timer = setInterval(() => void load(), 15_000);
  return {
    unmount() {
      off();
      clearInterval(timer);
    },
  };
}
