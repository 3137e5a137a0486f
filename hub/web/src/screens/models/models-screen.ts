/**
 * Models (admins): the registry (version, name, MACs, params, mean AUROC, publisher, aliases), live shadows of
 * candidates beside production (agreement with radiologists, report, promote, stop: shadow-panel.ts), a form to start
 * a rollout, and the rollouts with per-agent state chips, live over SSE (`rollout`, `fleet`, `shadow`, `read`).
 */
import { models, rollouts } from '../../api/models-api.ts';
import { listShadows } from '../../api/shadows-api.ts';
import { h } from '../../ui/h.ts';
import { toast } from '../../ui/toast.ts';
import type { MountedScreen, ScreenContext } from '../types.ts';
import { rolloutForm } from './rollout-form.ts';
import { rolloutList } from './rollout-list.ts';
import { shadowPanel } from './shadow-panel.ts';

export function mountModels(root: HTMLElement, ctx: ScreenContext): MountedScreen {
  const rows = h('tbody', { id: 'models-rows' });
  const form = rolloutForm({ onStarted: () => void loadRollouts() });
  const list = rolloutList({ onChanged: () => void loadRollouts() });
  const shadows = shadowPanel({ onChanged: () => void loadShadows().then(loadRollouts) });
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
      h('div', { class: 'section-title' }, 'Live shadows: candidate beside production, agreement with radiologists'),
      shadows.element,
      h('div', { class: 'section-title' }, 'Start a rollout'),
      form.element,
      h('div', { class: 'section-title' }, 'Rollouts'),
      list.element,
    ),
  );

  async function loadModels(): Promise<void> {
    const registry = await models();
    form.setChoices(registry.models, registry.aliases);
    shadows.setChoices(registry.models, registry.aliases);
    rows.replaceChildren(
      ...(registry.models.length
        ? registry.models.map((m) =>
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

  let pending: ReturnType<typeof setTimeout> | undefined;
  async function loadRollouts(): Promise<void> {
    clearTimeout(pending);
    pending = undefined;
    list.render(await rollouts());
  }
  // Agents report several steps a second during a take-up: read at most every 300 ms.
  const soon = () => {
    pending ??= setTimeout(() => loadRollouts().catch((e: Error) => toast(e.message, 'error')), 300);
  };

  let shadowsPending: ReturnType<typeof setTimeout> | undefined;
  async function loadShadows(): Promise<void> {
    clearTimeout(shadowsPending);
    shadowsPending = undefined;
    shadows.render(await listShadows());
  }
  // Every signed read can move the agreement: read at most once a second.
  const shadowsSoon = () => {
    shadowsPending ??= setTimeout(() => loadShadows().catch((e: Error) => toast(e.message, 'error')), 1000);
  };

  loadModels().catch((e: Error) => toast(e.message, 'error'));
  loadRollouts().catch((e: Error) => toast(e.message, 'error'));
  loadShadows().catch((e: Error) => toast(e.message, 'error'));
  const offRollout = ctx.live.on('rollout', soon);
  const offFleet = ctx.live.on('fleet', soon);
  const offShadow = ctx.live.on('shadow', shadowsSoon);
  const offRead = ctx.live.on('read', shadowsSoon);
  return {
    unmount() {
      offRollout();
      offFleet();
      offShadow();
      offRead();
      clearTimeout(pending);
      clearTimeout(shadowsPending);
    },
  };
}
