/**
 * Models (admins): the registry (version, name, MACs, params, mean AUROC, publisher, aliases), a form to
 * start a rollout, and the rollouts with per-agent state chips, live over SSE (`rollout`, `fleet`).
 */
import * as api from '../../api-client.js';
import { h, toast } from '../../view-format.js';
import { rolloutForm } from './rollout-form.js';
import { rolloutList } from './rollout-list.js';

export function mountModels(root, ctx) {
  const rows = h('tbody', { id: 'models-rows' });
  const form = rolloutForm({ onStarted: () => loadRollouts() });
  const list = rolloutList({ onChanged: () => loadRollouts() });
  root.append(
    h(
      'section',
      { class: 'screen' },
      h('div', { class: 'screen-head' }, h('h1', {}, 'Models'), h('span', { class: 'muted' }, 'Registry and rollouts')),
      h(
        'table',
        { class: 'grid', id: 'models' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Version', 'Name', 'MACs', 'Params', 'Mean AUROC', 'Size', 'sha256', 'Published', 'Aliases'].map(
              (t, i) => h('th', { class: i >= 2 && i <= 5 ? 'num' : undefined }, t),
            ),
          ),
        ),
        rows,
      ),
      h('div', { class: 'section-title' }, 'Start a rollout'),
      form.element,
      h('div', { class: 'section-title' }, 'Rollouts'),
      list.element,
    ),
  );

  async function loadModels() {
    const { models, aliases } = await api.models();
    form.setChoices(models, aliases);
    rows.replaceChildren(
      ...(models.length
        ? models.map((m) =>
            h(
              'tr',
              { dataset: { version: m.version } },
              h('td', {}, m.version),
              h('td', {}, m.name),
              h('td', { class: 'num' }, m.macs),
              h('td', { class: 'num' }, m.params),
              h('td', { class: 'num' }, m.auroc),
              h('td', { class: 'num' }, m.size),
              h('td', { class: 'mono' }, m.sha),
              h('td', {}, `${m.publishedAt} · ${m.publishedBy}`),
              h(
                'td',
                {},
                m.aliases.map((a) => h('span', { class: 'pill' }, a)),
              ),
            ),
          )
        : [
            h(
              'tr',
              {},
              h('td', { colspan: '9', class: 'empty' }, 'Nothing published yet: cxr publish <package> --hub …'),
            ),
          ]),
    );
  }

  let pending;
  async function loadRollouts() {
    clearTimeout(pending);
    pending = undefined;
    list.render(await api.rollouts());
  }
  // Agents report several steps a second during a take-up: read at most every 300 ms.
  const soon = () => {
    pending ??= setTimeout(() => loadRollouts().catch((e) => toast(e.message)), 300);
  };

  loadModels().catch((e) => toast(e.message));
  loadRollouts().catch((e) => toast(e.message));
  const offRollout = ctx.live.on('rollout', soon);
  const offFleet = ctx.live.on('fleet', soon);
  return () => {
    offRollout();
    offFleet();
    clearTimeout(pending);
  };
}
