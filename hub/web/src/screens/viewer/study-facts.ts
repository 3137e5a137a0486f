/** The viewer's read-only panels (DOM from the study view model): facts, the AI's triage, earlier reads, history. */
import type { StudyView } from '../../api/study-api.ts';
import { ageText, timeText } from '../../ui/format.ts';
import { h } from '../../ui/h.ts';

function deidText(deid: StudyView['deid']): string {
  if (!deid) return 'not recorded';
  if (deid.pixels === 'withheld') return `pixels kept at the clinic (${deid.reason ?? 'policy'})`;
  const masked =
    deid.masked === 0 ? 'none found' : `${deid.masked} region${deid.masked === 1 ? '' : 's'} masked at the clinic`;
  return deid.keptMarkers > 0
    ? `${masked}; ${deid.keptMarkers} side marker${deid.keptMarkers === 1 ? '' : 's'} kept`
    : masked;
}

export function factsPanel(d: StudyView, nowMs: number): HTMLElement {
  return h(
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
      h('dt', {}, d.acquired ? 'Acquired' : 'Received'),
      h('dd', {}, d.arrivedText),
      h('dt', {}, 'Waiting'),
      h('dd', { id: 'viewer-waiting' }, d.status === 'reviewed' ? 'read' : ageText(d.arrivedAt, nowMs)),
      h('dt', {}, 'Image'),
      h(
        'dd',
        {},
        [
          `${d.image.format.toUpperCase()} ${d.image.cols}×${d.image.rows}`,
          d.image.modality,
          d.image.projection ?? d.image.viewPosition,
          d.image.portable ? 'portable' : '',
          d.image.bodyPart,
        ]
          .filter(Boolean)
          .join(' · '),
      ),
      h('dt', {}, 'Patient'),
      h(
        'dd',
        { id: 'safe-header' },
        [d.image.ageBand ? `age ${d.image.ageBand}` : '', d.image.sex ?? ''].filter(Boolean).join(' · ') || '—',
      ),
      h('dt', {}, 'Spacing'),
      h(
        'dd',
        {},
        d.image.pixelSpacingMm
          ? `${d.image.pixelSpacingMm.map((v) => v.toFixed(3)).join(' × ')} mm (${d.image.spacingSource ?? 'PixelSpacing'})`
          : 'not given (lengths in px)',
      ),
      h('dt', {}, 'Burned-in text'),
      h('dd', { id: 'deid' }, deidText(d.deid)),
      h('dt', {}, 'Model'),
      h('dd', { id: 'model-version' }, `${d.model} · ${d.runtime}`),
    ),
  );
}

export function aiPanel(d: StudyView, onShow: (finding: string) => void): HTMLElement {
  return h(
    'div',
    { id: 'ai-triage' },
    h('h2', {}, 'AI triage ', h('span', { class: `tier tier-${d.tier}`, id: 'viewer-tier' }, d.tierLabel)),
    h(
      'ul',
      { class: 'ai-findings' },
      d.findings.map((f) =>
        h(
          'li',
          { class: f.called ? (f.urgent ? 'urgent' : 'called') : 'not-called', dataset: { cls: f.name } },
          h(
            'button',
            { type: 'button', class: 'link', title: 'Show its evidence map', onclick: () => onShow(f.name) },
            f.name,
          ),
          h('span', { class: 'p' }, f.percent),
          h('div', { class: 'bar' }, h('span', { style: `width:${f.percent}` })),
          h(
            'span',
            { class: 'muted small' },
            `${f.called ? (f.urgent ? 'called, urgent' : 'called') : 'not called'} · ${f.operatingPoint}`,
          ),
        ),
      ),
    ),
    d.normal
      ? h(
          'p',
          { class: 'muted small', id: 'normal-probability' },
          `${d.normal.name} (not a finding): ${d.normal.percent}`,
        )
      : null,
  );
}

export function readsPanel(d: StudyView): HTMLElement | null {
  if (d.reads.length === 0) return null;
  return h(
    'div',
    { id: 'reads' },
    h('h2', {}, 'Signed reads'),
    d.reads.map((r) =>
      h(
        'div',
        { class: 'read', dataset: { version: String(r.version) } },
        h(
          'div',
          { class: 'read-head' },
          `${r.version === 1 ? 'Original read' : `Addendum v${r.version}`} · ${r.reader} · ${timeText(r.signedAt)}${r.agreedWithAi ? ' · agreed with AI' : ''}`,
        ),
        h(
          'div',
          { class: 'small' },
          Object.entries(r.decisions)
            .map(([c, dec]) => `${c}: ${dec}`)
            .join(' · '),
        ),
        h('p', { class: 'impression' }, r.impression),
      ),
    ),
  );
}

export function historyPanel(d: StudyView): HTMLElement {
  return h(
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
  );
}
