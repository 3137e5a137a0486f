/**
 * Viewer: the preview with zoom/pan and window/level, heatmap toggle + opacity, probabilities per class
 * with the model version, confirm/override per class with a short report, and the study's audit trail.
 * Keys: j/k next/previous study, ↑/↓ or 1–9 pick a finding, c confirm, o override, Shift+C confirm all,
 * h heatmap, [ ] opacity, + - zoom, r reset, s (or Ctrl+Enter) sign the review, Esc back to the worklist.
 */
import * as api from '../../api-client.js';
import { h, toast } from '../../view-format.js';
import { createImageView } from './image-canvas.js';

export function mountViewer(root, ctx) {
  const id = ctx.params[0];
  let view = null;
  let detail = null;
  let focus = 0;
  const decisions = {};

  const stage = h('div', { class: 'stage', id: 'stage' });
  const heatToggle = h(
    'button',
    { class: 'btn on', id: 'heatmap-toggle', type: 'button', title: 'Heatmap (h)' },
    'Heatmap',
  );
  const opacity = h('input', {
    type: 'range',
    min: '0',
    max: '100',
    value: '45',
    id: 'heatmap-opacity',
    'aria-label': 'Heatmap opacity',
  });
  const info = h('div', { class: 'stage-info', id: 'stage-info' });
  stage.append(
    h(
      'div',
      { class: 'stage-toolbar' },
      heatToggle,
      h('label', {}, 'Opacity', opacity),
      h('button', { class: 'btn', type: 'button', title: 'Zoom in (+)', onclick: () => view?.zoomBy(1.25) }, '+'),
      h('button', { class: 'btn', type: 'button', title: 'Zoom out (-)', onclick: () => view?.zoomBy(0.8) }, '−'),
      h('button', { class: 'btn', type: 'button', title: 'Reset view (r)', onclick: () => view?.reset() }, 'Reset'),
    ),
    info,
  );
  const side = h('aside', { class: 'side' }, h('p', { class: 'muted' }, 'Loading…'));
  root.append(h('div', { class: 'viewer' }, stage, side));

  const setHeatmap = (on) => {
    view?.setHeatmap(on);
    heatToggle.classList.toggle('on', on);
    heatToggle.setAttribute('aria-pressed', String(on));
  };
  heatToggle.addEventListener('click', () => setHeatmap(!view?.state.heatmap));
  opacity.addEventListener('input', () => view?.setOpacity(Number(opacity.value) / 100));

  function renderSide() {
    const d = detail;
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
        h('button', { class: 'btn', type: 'button', onclick: () => ctx.navigate('#/worklist') }, 'Back (Esc)'),
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

  function decide(index, decision) {
    focus = index;
    decisions[detail.findings[index].name] = decision;
    renderSide();
  }

  async function sign() {
    const report = side.querySelector('#report')?.value ?? '';
    try {
      await api.submitReview(id, decisions, report);
      toast('Review signed');
      detail = await api.study(id);
      renderSide();
    } catch (error) {
      toast(`Could not sign: ${error.message}`);
    }
  }

  function step(delta) {
    const queue = ctx.queue();
    const at = queue.indexOf(id);
    const next = queue[at + delta];
    if (next) ctx.navigate(`#/study/${next}`);
    else toast(delta > 0 ? 'End of worklist' : 'Start of worklist');
  }

  function onKey(e) {
    if (e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement) {
      if (e.key === 'Enter' && e.ctrlKey) sign();
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    if (!detail) return;
    const n = detail.findings.length;
    const keys = {
      j: () => step(1),
      k: () => step(-1),
      ArrowDown: () => {
        focus = (focus + 1) % n;
        renderSide();
      },
      ArrowUp: () => {
        focus = (focus + n - 1) % n;
        renderSide();
      },
      c: () => decide(focus, 'confirm'),
      C: () => {
        for (let i = 0; i < n; i++) decisions[detail.findings[i].name] = 'confirm';
        renderSide();
      },
      o: () => decide(focus, 'override'),
      h: () => setHeatmap(!view?.state.heatmap),
      '[': () => {
        opacity.value = String(Math.max(0, Number(opacity.value) - 10));
        view?.setOpacity(Number(opacity.value) / 100);
      },
      ']': () => {
        opacity.value = String(Math.min(100, Number(opacity.value) + 10));
        view?.setOpacity(Number(opacity.value) / 100);
      },
      '+': () => view?.zoomBy(1.25),
      '=': () => view?.zoomBy(1.25),
      '-': () => view?.zoomBy(0.8),
      r: () => view?.reset(),
      s: () => sign(),
      Escape: () => ctx.navigate('#/worklist'),
    };
    if (/^[1-9]$/.test(e.key) && Number(e.key) <= n) {
      focus = Number(e.key) - 1;
      renderSide();
      return;
    }
    const action = keys[e.key];
    if (action && !e.metaKey && !e.altKey && !(e.ctrlKey && e.key !== 'Enter')) {
      e.preventDefault();
      action();
    }
  }
  document.addEventListener('keydown', onKey);

  (async () => {
    try {
      detail = await api.study(id);
      renderSide();
      view = createImageView(stage, (s) => {
        info.textContent = `Zoom ${Math.round(s.zoom * 100)}% · W ${Math.round(s.width)} L ${Math.round(s.center)}${s.hasHeatmap ? ` · heatmap ${s.heatmap ? `${Math.round(s.opacity * 100)}%` : 'off'}` : ' · no heatmap'}`;
      });
      await view.load(detail.previewUrl, detail.heatmapUrl);
      if (!detail.heatmapUrl) heatToggle.disabled = true;
    } catch (error) {
      side.replaceChildren(h('p', { class: 'error' }, `Could not open the study: ${error.message}`));
    }
  })();

  const offReview = ctx.live.on('review', async (e) => {
    if (e.resultId === id && detail) {
      detail = await api.study(id);
      renderSide();
    }
  });

  return () => {
    document.removeEventListener('keydown', onKey);
    offReview();
    view?.destroy();
  };
}
