/** Rollouts, newest first: status, waves, who started it, per-agent state chips, and the actions its status allows. */
import * as api from '../../api-client.js';
import { h, toast } from '../../view-format.js';

const CONFIRM = {
  abort: 'Abort this rollout? Agents not yet active get their previous version back.',
  rollback: 'Roll back? Every agent of this rollout gets its previous version back.',
};

export function rolloutList({ onChanged }) {
  const element = h('div', { id: 'rollouts', class: 'rollouts' });

  async function act(rollout, action) {
    if (CONFIRM[action] && !window.confirm(CONFIRM[action])) return;
    try {
      await api.rolloutAction(rollout.id, action);
      toast(`${rollout.id}: ${action}`);
      onChanged();
    } catch (e) {
      toast(`${e.code ?? 'error'}: ${e.message}`);
    }
  }

  function card(r) {
    const button = (action, label, cls = '') =>
      r.can[action]
        ? h(
            'button',
            { class: `btn ${cls}`, type: 'button', dataset: { action }, onclick: () => act(r, action) },
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
    render(rollouts) {
      element.replaceChildren(
        ...(rollouts.length ? rollouts.map(card) : [h('p', { class: 'muted' }, 'No rollouts yet.')]),
      );
    },
  };
}
