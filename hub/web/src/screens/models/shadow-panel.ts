/**
 * Live shadows on the Models screen (admins): a form to shadow a candidate at chosen sites, and one card per shadow —
 * the candidate, its evaluation report, per site and overall the read films and how many of them production and the
 * candidate agree with, how it ended (stopped by an admin or on its own, promoted with its rollout), and the Promote
 * (staged rollout to every agent, asks first) and Stop buttons while it runs. Errors show as toasts with their code.
 */
import { ApiError } from '../../api/http.ts';
import type { ModelView } from '../../api/models-api.ts';
import { promoteShadow, type ShadowView, startShadow, stopShadow } from '../../api/shadows-api.ts';
import { h } from '../../ui/h.ts';
import { toast } from '../../ui/toast.ts';

const failed = (e: unknown) => toast(`${e instanceof ApiError ? e.code : 'error'}: ${(e as Error).message}`, 'error');

export function shadowPanel({ onChanged }: { onChanged(): void }) {
  const version = h('select', { id: 'shadow-version', required: true });
  const sites = h('input', { id: 'shadow-sites', placeholder: 'site-b, clinic-a', required: true });
  const minReads = h('input', { id: 'shadow-min-reads', type: 'number', min: '1', placeholder: '50', class: 'short' });
  const error = h('p', { class: 'error', role: 'alert' });
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    error.textContent = '';
    try {
      const [kind, name] = version.value.split(':');
      const started = await startShadow({
        ...(kind === 'alias' ? { alias: name } : { version: name }),
        sites: sites.value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        ...(minReads.value ? { minReads: Number(minReads.value) } : {}),
      });
      toast(`Shadowing ${started.version} at ${started.sites.join(', ')}`);
      onChanged();
    } catch (e) {
      error.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message;
    }
  }
  const field = (label: string, input: HTMLElement) => h('label', {}, label, input);
  const form = h(
    'form',
    { class: 'rollout-form', id: 'shadow-form', onsubmit: (e: Event) => void submit(e) },
    field('Candidate', version),
    field('Sites', sites),
    field('Stop below production after (reads)', minReads),
    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Start shadow'),
    error,
  );
  const list = h('div', { id: 'shadows', class: 'rollouts' });

  async function promote(s: ShadowView): Promise<void> {
    if (!window.confirm(`Promote ${s.version}? Its staged rollout to every agent starts now.`)) return;
    try {
      const done = await promoteShadow(s.id);
      toast(`${s.version} promoted: rollout ${done.rolloutId}`);
      onChanged();
    } catch (e) {
      failed(e);
    }
  }
  async function stop(s: ShadowView): Promise<void> {
    try {
      await stopShadow(s.id);
      toast(`Shadow of ${s.version} stopped`);
      onChanged();
    } catch (e) {
      failed(e);
    }
  }

  function card(s: ShadowView): HTMLElement {
    const button = (can: boolean, label: string, cls: string, action: string, run: () => Promise<void>) =>
      can
        ? h('button', { class: `btn ${cls}`, type: 'button', dataset: { action }, onclick: () => void run() }, label)
        : null;
    return h(
      'div',
      { class: `rollout status-${s.status}`, dataset: { id: s.id } },
      h(
        'div',
        { class: 'rollout-head' },
        h('strong', {}, s.version),
        h('span', { class: `pill state-${s.status}` }, s.status),
        h('span', { class: 'muted mono' }, s.id),
        h(
          'span',
          { class: 'muted' },
          `${s.sites} · beside production ${s.production} · stops below it after ${s.minReads} reads`,
        ),
        s.reportUrl ? h('a', { href: s.reportUrl, target: '_blank', rel: 'noopener' }, 'Evaluation report') : null,
        h(
          'span',
          { class: 'rollout-actions' },
          button(s.can.promote, 'Promote', 'btn-primary', 'promote', () => promote(s)),
          button(s.can.stop, 'Stop', 'btn-danger', 'stop', () => stop(s)),
        ),
      ),
      h(
        'div',
        { class: 'muted' },
        s.started,
        s.ended ? ` · ${s.ended}` : '',
        s.rolloutId ? ` · rollout ${s.rolloutId}` : '',
      ),
      h(
        'table',
        { class: 'grid shadow-agreement' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Site', 'Films scored', 'Read', 'Production agrees', 'Candidate agrees'].map((t, i) =>
              h('th', { class: i > 0 ? 'num' : undefined }, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          ...s.lines.map((l) =>
            h(
              'tr',
              { dataset: { site: l.site, ahead: l.ahead } },
              h('td', {}, l.site),
              h('td', { class: 'num' }, String(l.films)),
              h('td', { class: 'num' }, String(l.reads)),
              h('td', { class: `num${l.ahead === 'production' ? ' ahead' : ''}` }, l.production),
              h('td', { class: `num${l.ahead === 'candidate' ? ' ahead' : ''}` }, l.candidate),
            ),
          ),
        ),
      ),
    );
  }

  return {
    element: h('div', {}, form, list),
    setChoices(models: ModelView[], aliases: Array<{ alias: string; version: string }>): void {
      const selected = version.value;
      version.replaceChildren(
        ...aliases.map((a) => h('option', { value: `alias:${a.alias}` }, `${a.alias} (${a.version})`)),
        ...models.map((m) => h('option', { value: `version:${m.version}` }, `${m.version} · ${m.name}`)),
      );
      if (selected) version.value = selected;
      else if (aliases.some((a) => a.alias === 'candidate')) version.value = 'alias:candidate';
    },
    render(shadows: ShadowView[]): void {
      list.replaceChildren(
        ...(shadows.length ? shadows.map(card) : [h('p', { class: 'muted' }, 'No live shadows yet.')]),
      );
    },
  };
}
