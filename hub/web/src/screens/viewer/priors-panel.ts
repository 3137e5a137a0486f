/**
 * The patient's earlier studies (GET /api/studies/:id/priors, by the pseudonymous patient key): when (days before
 * this study), the AI tier, the signed read; "Compare" shows one beside the current film with zoom and pan linked.
 */
import { call } from '../../api/http.ts';
import type { Tier } from '../../api/types.ts';
import { TIER_LABEL } from '../../ui/format.ts';
import { h } from '../../ui/h.ts';

export interface Prior {
  resultId: string;
  daysBefore: number;
  daysAgo: number;
  tier: Tier;
  score: number;
  flags: string[];
  hasPreview: boolean;
  hasDiagnostic: boolean;
  read: { version: number; reader: string; signedDaysAgo: number; impression: string; normal: boolean } | null;
}

export async function priorsOf(resultId: string): Promise<Prior[]> {
  return (await call<{ priors: Prior[] }>('GET', `/api/studies/${resultId}/priors`)).priors;
}

const before = (n: number) => (n === 0 ? 'Same day' : n === 1 ? '1 day before' : `${n} days before`);

export function priorsPanel(
  priors: Prior[],
  onCompare: (prior: Prior | null) => void,
  comparing: string | null,
): HTMLElement {
  return h(
    'div',
    { id: 'priors' },
    h('h2', {}, 'Earlier studies'),
    priors.length === 0
      ? h('p', { class: 'muted small' }, 'No earlier study of this patient at this site.')
      : h(
          'ul',
          { class: 'priors' },
          priors.map((p) =>
            h(
              'li',
              { dataset: { id: p.resultId } },
              h(
                'div',
                {},
                h('strong', {}, before(p.daysBefore)),
                ' ',
                h('span', { class: `tier tier-${p.tier}` }, TIER_LABEL[p.tier]),
              ),
              h(
                'div',
                { class: 'small muted' },
                p.flags.length ? `AI: ${p.flags.join(', ')}` : 'AI: no finding called',
              ),
              p.read
                ? h(
                    'div',
                    { class: 'small' },
                    `Read by ${p.read.reader}${p.read.version > 1 ? ` (v${p.read.version})` : ''}: ${p.read.impression}`,
                  )
                : h('div', { class: 'small muted' }, 'Not read'),
              p.hasPreview || p.hasDiagnostic
                ? h(
                    'button',
                    {
                      class: `btn compare${comparing === p.resultId ? ' on' : ''}`,
                      type: 'button',
                      onclick: () => onCompare(comparing === p.resultId ? null : p),
                    },
                    comparing === p.resultId ? 'Stop comparing' : 'Compare side by side',
                  )
                : '',
            ),
          ),
        ),
  );
}
