/**
 * Viewer: the preview with zoom/pan and window/level, heatmap toggle + opacity, probabilities per class
 * with the model version, confirm/override per class with a short report, and the study's audit trail.
 * Keys: j/k next/previous study, ↑/↓ or 1–9 pick a finding, c confirm, o override, Shift+C confirm all,
 * h heatmap, [ ] opacity, + - zoom, r reset, s (or Ctrl+Enter) sign the review, Esc back to the worklist.
 */
import * as api from '../../api-client.js';
import { h, toast } from '../../view-format.js';
import { createImageView } from './image-canvas.js';
import { renderStudyPanel } from './study-panel.js';

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
    renderStudyPanel(side, detail, { focus, decisions, decide, sign, back: () => ctx.navigate('#/worklist') });
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
