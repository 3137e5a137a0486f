/** Rollouts, newest first: status, waves, who started it, per-agent state chips, and the actions its status allows. */
import { ApiError } from '../../api/http.ts';
import { type RolloutView, rolloutAction } from '../../api/models-api.ts';
import { h } from '../../ui/h.ts';
import { toast } from '../../ui/toast.ts';

type Action = keyof RolloutView['can'];

const CONFIRM: Partial<Record<Action, string>> = {
  abort: 'Abort this rollout? Agents not yet active get their previous version back.',
  rollback: 'Roll back? Every agent of this rollout gets its previous version back.',
};

export function rolloutList({ onChanged }: { onChanged(): void }) {
  const element = h('div', { id: 'rollouts', class: 'rollouts' });

  async function act(rollout: RolloutView, action: Action): Promise<void> {
    const question = CONFIRM[action];
    if (question && !window.confirm(question)) return;
    try {
      await rolloutAction(rollout.id, action);
      toast(`${rollout.id}: ${action}`);
      onChanged();
    } catch (e) {
      toast(`${e instanceof ApiError ? e.code : 'error'}: ${(e as Error).message}`, 'error');
    }
  }

  function card(r: RolloutView): HTMLElement {
    const button = (action: Action, label: string, cls = '') =>
      r.can[action]
        ? h(
            'button',
            { class: `btn ${cls}`, type: 'button', dataset: { action }, onclick: () => void act(r, action) },
            label,
          )
        : null;
    return h(
      'div',
      { class: `rollout status-${r.status}`, dataset: { id: r.id } },
      h(
        'div',
        { class: 'rollout-head' },
        h('strong', {}, r.version),
        h('span', { class: `pill state-${r.status}` }, r.status),
        h('span', { class: 'muted mono' }, r.id),
        h('span', { class: 'muted' }, `waves ${r.waves} · wait ${r.waitS}s${r.shadow ? ' · shadow' : ''}`),
        h('span', { class: 'muted' }, `${r.createdAt} · ${r.createdBy}`),
        h(
          'span',
          { class: 'rollout-actions' },
          button('pause', 'Pause'),
          button('resume', 'Resume'),
          button('abort', 'Abort', 'btn-danger'),
          button('rollback', 'Roll back', 'btn-danger'),
        ),
      ),
      h('div', { class: 'muted' }, r.progress, r.reason ? ` · ${r.reason}` : ''),
      h(
        'div',
        { class: 'chips' },
        r.agents.map((a) =>
          h(
            'span',
            { class: `chip state-${a.shown}`, title: a.title || `wave ${a.wave}`, dataset: { agent: a.name } },
            `${a.name} · ${a.shown}${a.detail ? ` ${a.detail}` : ''}`,
          ),
        ),
      ),
    );
  }

  return {
    element,
    render(list: RolloutView[]): void {
      element.replaceChildren(...(list.length ? list.map(card) : [h('p', { class: 'muted' }, 'No rollouts yet.')]));
    },
  };
}
