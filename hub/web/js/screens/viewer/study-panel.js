/**
 * The viewer's side panel (pure DOM from a study view model): study facts, AI findings with
 * confirm/override per class, the report box, sign/back buttons, the study's history and key hints.
 */
import { h } from '../../view-format.js';

/**
 * @param {HTMLElement} side the panel element (its current report text is kept)
 * @param {object} d the study view model (api-client `study()`)
 * @param {{ focus: number, decisions: Record<string,string>, decide: Function, sign: Function, back: Function }} ui
 */
export function renderStudyPanel(side, d, ui) {
  const { focus, decisions, decide, sign, back } = ui;
  const findings = d.findings.map((f, i) => {
    const decision = decisions[f.name] ?? f.decision ?? null;
    return h(
      'div',
      {
        class: `finding${f.flagged ? ' flagged' : ''}${i === focus ? ' focused' : ''}`,
        dataset: { cls: f.name },
        style: i === focus ? 'outline: 1px solid #4fa3ff' : undefined,
      },
      h(
        'span',
        { class: 'name' },
        `${i + 1}. ${f.name}`,
        f.flagged ? h('span', { class: 'pill flag', style: 'margin-left:8px' }, 'AI flag') : null,
      ),
      h('span', { class: 'p' }, f.percent),
      h('div', { class: 'bar' }, h('span', { style: `width:${f.percent}` })),
      h(
        'div',
        { class: 'decide' },
        h(
          'button',
          {
            type: 'button',
            class: `btn confirm${decision === 'confirm' ? ' on' : ''}`,
            onclick: () => decide(i, 'confirm'),
          },
          f.flagged ? 'Confirm present' : 'Confirm absent',
        ),
        h(
          'button',
          {
            type: 'button',
            class: `btn override${decision === 'override' ? ' on override' : ''}`,
            onclick: () => decide(i, 'override'),
          },
          f.flagged ? 'Override: absent' : 'Override: present',
        ),
      ),
    );
  });
  const report = h('textarea', {
    class: 'report',
    id: 'report',
    placeholder: 'Short report (optional)…',
    maxlength: '4000',
  });
  report.value = side.querySelector('#report')?.value ?? d.review?.report ?? '';
  side.replaceChildren(
    h(
      'div',
      {},
      h('h2', {}, 'Study'),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'Study'),
        h('dd', { class: 'mono' }, d.studyShort),
        h('dt', {}, 'Site'),
        h('dd', {}, `${d.site} / ${d.agent}`),
        h('dt', {}, 'Scored'),
        h('dd', {}, `${d.scoredText} (${d.age} ago)`),
        h('dt', {}, 'Image'),
        h(
          'dd',
          {},
          `${d.image.format.toUpperCase()} ${d.image.cols}×${d.image.rows}${d.image.viewPosition ? ` · ${d.image.viewPosition}` : ''}`,
        ),
        h('dt', {}, 'Model'),
        h('dd', { id: 'model-version' }, `${d.model} · ${d.runtime}`),
        h('dt', {}, 'Status'),
        h(
          'dd',
          { id: 'study-status' },
          d.status === 'reviewed'
            ? h('span', { class: 'pill ok' }, `reviewed by ${d.review?.reviewer}`)
            : h('span', { class: 'pill muted' }, 'unread'),
        ),
      ),
    ),
    h('div', { id: 'findings' }, h('h2', {}, 'AI findings'), findings),
    h('div', {}, h('h2', {}, 'Report'), report),
    h(
      'div',
      { style: 'display:flex; gap:8px' },
      h('button', { class: 'btn btn-primary', id: 'sign', type: 'button', onclick: sign }, 'Sign review (s)'),
      h('button', { class: 'btn', type: 'button', onclick: back }, 'Back (Esc)'),
    ),
    h(
      'div',
      {},
      h('h2', {}, 'History'),
      h(
        'ul',
        { class: 'history', id: 'history' },
        d.history.length
          ? d.history.map((e) => h('li', {}, `${e.at} · ${e.actor} · ${e.action}`))
          : h('li', {}, 'No changes yet'),
      ),
    ),
    h(
      'p',
      { class: 'hint' },
      h('kbd', {}, 'j'),
      '/',
      h('kbd', {}, 'k'),
      ' next/prev · ',
      h('kbd', {}, 'c'),
      ' confirm · ',
      h('kbd', {}, 'o'),
      ' override · ',
      h('kbd', {}, 'h'),
      ' heatmap · ',
      h('kbd', {}, 's'),
      ' sign',
    ),
  );
}
