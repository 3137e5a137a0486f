/**
 * The read form: for each finding class an explicit Present / Absent (nothing is implied), "Normal study"
 * (every finding absent), "Agree with AI" (one action that sets each finding to the AI's call and says what was
 * agreed to), the impression, and Sign. Before anything is sent, the same rules as the API (hub/reviews/
 * read-rules.ts) say what is missing. With earlier versions, the form writes an addendum: decisions start from
 * the latest version, the original stays in the history.
 */

import { agreesWithAi, aiDecisions, checkRead, isNormalRead } from '../../../../reviews/read-rules.ts';
import type { ReadRequest, StudyView } from '../../api/study-api.ts';
import type { Decision } from '../../api/types.ts';
import { h } from '../../ui/h.ts';

export interface ReadForm {
  el: HTMLElement;
  focus(index: number): void;
  move(delta: number): void;
  focused(): string | undefined;
  decide(decision: Decision, name?: string): void;
  /** c / o: take or reverse the AI's call for the focused finding. */
  followAi(agree: boolean): void;
  agreeWithAi(): void;
  markNormal(): void;
  sign(): Promise<void>;
  setEnabled(enabled: boolean): void;
  /** Whether there is something the reader would lose by leaving. */
  dirty(): boolean;
}

export function createReadForm(study: StudyView, onSign: (read: ReadRequest) => Promise<void>): ReadForm {
  const latest = study.reads.at(-1);
  const model = { findingClasses: study.findingClasses, normalClass: study.normalClass };
  const initial: Record<string, Decision | undefined> = latest ? { ...latest.decisions } : {};
  let decisions: Record<string, Decision | undefined> = { ...initial };
  let normal = false;
  let focusIndex = 0;
  let enabled = true;
  let problemClasses: string[] = [];

  const impression = h('textarea', {
    class: 'report',
    id: 'impression',
    placeholder: latest ? 'Addendum: what changes, and why…' : 'Impression…',
    maxlength: '4000',
    'aria-label': 'Impression',
  });
  const rows = h('div', { id: 'decisions' });
  const agreement = h('p', { class: 'agreement', id: 'agreement' });
  const problem = h('p', { class: 'error', id: 'read-problem', role: 'alert' });
  const signButton = h(
    'button',
    { class: 'btn btn-primary', id: 'sign', type: 'button' },
    latest ? `Sign addendum v${latest.version + 1} (s)` : 'Sign read (s)',
  );
  const normalButton = h('button', { class: 'btn', id: 'mark-normal', type: 'button' }, 'Normal study (N)');
  const agreeButton = h('button', { class: 'btn', id: 'agree-ai', type: 'button' }, 'Agree with AI (A)');

  const render = () => {
    rows.replaceChildren(
      ...study.findings.map((f, i) => {
        const d = decisions[f.name];
        return h(
          'div',
          {
            class: ['decision-row', i === focusIndex ? 'focused' : '', problemClasses.includes(f.name) ? 'missing' : '']
              .filter(Boolean)
              .join(' '),
            dataset: { cls: f.name },
          },
          h('span', { class: 'name' }, `${i + 1}. ${f.name}`),
          h('span', { class: 'ai-call muted' }, `AI: ${f.called ? 'present' : 'absent'} (${f.percent})`),
          h(
            'span',
            { class: 'seg', role: 'group', 'aria-label': f.name },
            (['present', 'absent'] as const).map((choice) =>
              h(
                'button',
                {
                  type: 'button',
                  class: `btn seg-${choice}${d === choice ? ' on' : ''}`,
                  'aria-pressed': String(d === choice),
                  disabled: !enabled,
                  dataset: { decision: choice },
                  onclick: () => {
                    focusIndex = i;
                    decide(choice, f.name);
                  },
                },
                choice === 'present' ? 'Present' : 'Absent',
              ),
            ),
          ),
        );
      }),
    );
    const complete = study.findingClasses.every((c) => decisions[c] !== undefined);
    agreement.textContent = !complete
      ? `${study.findingClasses.filter((c) => decisions[c] === undefined).length} of ${study.findingClasses.length} findings undecided`
      : agreesWithAi(model, decisions, study.aiFindings)
        ? `Agrees with AI: ${study.findingClasses.map((c) => `${c} ${decisions[c]}`).join('; ')}`
        : `Differs from AI: ${study.findingClasses.filter((c) => decisions[c] !== (study.aiFindings.includes(c) ? 'present' : 'absent')).join(', ')}`;
    for (const el of [impression, signButton, normalButton, agreeButton]) el.toggleAttribute('disabled', !enabled);
  };

  const clearProblem = () => {
    problemClasses = [];
    problem.textContent = '';
  };
  const decide = (decision: Decision, name = study.findings[focusIndex]?.name) => {
    if (!enabled || name === undefined) return;
    decisions = { ...decisions, [name]: decision };
    if (decision === 'present') normal = false;
    clearProblem();
    render();
  };
  const agreeWithAi = () => {
    if (!enabled) return;
    decisions = aiDecisions(model, study.aiFindings);
    normal = isNormalRead(model, decisions);
    clearProblem();
    render();
  };
  const markNormal = () => {
    if (!enabled) return;
    decisions = Object.fromEntries(study.findingClasses.map((c) => [c, 'absent' as const]));
    normal = true;
    if (impression.value.trim() === '') impression.value = 'No radiographic evidence of the findings screened for.';
    clearProblem();
    render();
  };
  const sign = async () => {
    if (!enabled) return;
    const found = checkRead(model, { decisions, impression: impression.value, normal });
    if (found) {
      problemClasses = found.classes;
      problem.textContent = `Cannot sign yet: ${found.message}.`;
      const first = study.findings.findIndex((f) => found.classes.includes(f.name));
      if (first >= 0) focusIndex = first;
      render();
      if (found.classes.length === 0) impression.focus();
      return;
    }
    const complete = decisions as Record<string, Decision>;
    await onSign({
      decisions: complete,
      impression: impression.value.trim(),
      normal: isNormalRead(model, complete),
      agreedWithAi: agreesWithAi(model, complete, study.aiFindings),
      basedOn: latest?.version ?? 0,
    });
  };

  signButton.addEventListener('click', () => void sign());
  normalButton.addEventListener('click', markNormal);
  agreeButton.addEventListener('click', agreeWithAi);
  impression.addEventListener('input', clearProblem);
  render();

  const el = h(
    'div',
    { class: 'read-form', id: 'read-form' },
    h('h2', {}, latest ? `Addendum to v${latest.version}` : 'Read'),
    h('div', { class: 'quick' }, agreeButton, normalButton),
    rows,
    agreement,
    impression,
    problem,
    signButton,
  );
  return {
    el,
    focus(index) {
      focusIndex = Math.min(study.findings.length - 1, Math.max(0, index));
      render();
    },
    move(delta) {
      const n = study.findings.length;
      focusIndex = (focusIndex + delta + n) % n;
      render();
    },
    focused: () => study.findings[focusIndex]?.name,
    decide,
    followAi(agree) {
      const f = study.findings[focusIndex];
      if (f) decide(f.called === agree ? 'present' : 'absent', f.name);
    },
    agreeWithAi,
    markNormal,
    sign,
    setEnabled(value) {
      enabled = value;
      render();
    },
    dirty: () => impression.value.trim() !== '' || study.findingClasses.some((c) => decisions[c] !== initial[c]),
  };
}
