/** The start-rollout form: version or alias, target (all / sites / agents), waves, wait, abort threshold, shadow. */
import { ApiError } from '../../api/http.ts';
import { type ModelView, parseWaves, type RolloutView, startRollout } from '../../api/models-api.ts';
import { h } from '../../ui/h.ts';
import { toast } from '../../ui/toast.ts';

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function rolloutForm({ onStarted }: { onStarted(started: RolloutView): void }) {
  const version = h('select', { id: 'rollout-version', required: true });
  const targetKind = h(
    'select',
    { id: 'rollout-target' },
    h('option', { value: 'all' }, 'All agents'),
    h('option', { value: 'sites' }, 'Sites…'),
    h('option', { value: 'agents' }, 'Agents…'),
  );
  const targetList = h('input', {
    id: 'rollout-target-list',
    placeholder: 'clinic-a, clinic-b  or  clinic-a/xr-1',
    hidden: true,
  });
  targetKind.addEventListener('change', () => {
    targetList.hidden = targetKind.value === 'all';
  });
  const waves = h('input', { id: 'rollout-waves', value: '1,25%,100%', title: 'cumulative: a count or a percentage' });
  const wait = h('input', { id: 'rollout-wait', type: 'number', min: '0', value: '60', class: 'short' });
  const threshold = h('input', {
    id: 'rollout-threshold',
    type: 'number',
    min: '0',
    max: '1',
    step: '0.05',
    value: '0.2',
    class: 'short',
  });
  const shadow = h('input', { id: 'rollout-shadow', type: 'checkbox' });
  const error = h('p', { class: 'error', role: 'alert' });

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    error.textContent = '';
    try {
      const [kind, name] = version.value.split(':');
      const started = await startRollout({
        ...(kind === 'alias' ? { alias: name } : { version: name }),
        target: targetKind.value === 'all' ? { all: true } : { [targetKind.value]: list(targetList.value) },
        waves: parseWaves(waves.value),
        waitS: Number(wait.value),
        abortFailureFraction: Number(threshold.value),
        shadow: shadow.checked,
      });
      toast(`Rollout ${started.id} of ${started.version} started`);
      onStarted(started);
    } catch (e) {
      error.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message;
    }
  }

  const field = (label: string, input: HTMLElement) => h('label', {}, label, input);
  const element = h(
    'form',
    { class: 'rollout-form', id: 'rollout-form', onsubmit: (e: Event) => void submit(e) },
    field('Version', version),
    field('Target', h('span', { class: 'inline' }, targetKind, targetList)),
    field('Waves', waves),
    field('Wait (s)', wait),
    field('Abort above', threshold),
    h('label', { class: 'check' }, shadow, 'Shadow first'),
    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Start rollout'),
    error,
  );

  return {
    element,
    /** Fills the version choices: aliases first, then versions, newest first. */
    setChoices(models: ModelView[], aliases: Array<{ alias: string; version: string }>): void {
      const selected = version.value;
      version.replaceChildren(
        ...aliases.map((a) => h('option', { value: `alias:${a.alias}` }, `${a.alias} (${a.version})`)),
        ...models.map((m) => h('option', { value: `version:${m.version}` }, `${m.version} · ${m.name}`)),
      );
      if (selected) version.value = selected;
    },
  };
}
