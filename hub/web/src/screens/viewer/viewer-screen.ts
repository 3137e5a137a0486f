/**
 * Viewer: the film on Cornerstone3D (film/film-view.ts: full bit depth, window/level and presets, invert, zoom to
 * 1:1, pan, rotate/flip, length in mm or px) with the AI's evidence map per finding (off by default — a site setting
 * — and the reader's choice remembered), the AI triage, safe header data, the patient's earlier studies (side by
 * side, zoom and pan linked), the claim ("being read by…", explicit takeover), the read form with explicit
 * decisions, earlier reads and addenda, and the study's history.
 * Keys: j/k next/previous study, ↑/↓ or 1–9 pick a finding, p present, x absent, c agree / o disagree with the
 * AI on it, A (or Shift+C) agree with AI on all, N normal study, h evidence map, [ ] opacity, w window preset,
 * v invert, 0 one-to-one, + - zoom, e rotate, f flip, m measure, r reset, i impression, s (or Ctrl+Enter) sign,
 * Esc back to the worklist.
 */

import { ApiError } from '../../api/http.ts';
import { claim, releaseClaim, type StudyView, signRead, study } from '../../api/study-api.ts';
import type { ClaimBody } from '../../api/types.ts';
import { worklist } from '../../api/worklist-api.ts';
import { ageText } from '../../ui/format.ts';
import { h } from '../../ui/h.ts';
import { toast } from '../../ui/toast.ts';
import type { MountedScreen, ScreenContext } from '../types.ts';
import { apiQuery, filtersFromQuery } from '../worklist/worklist-filters.ts';
import { legend, overlayCanvas } from './activation-overlay.ts';
import { filmImage } from './film/film-image.ts';
import { infoText } from './film/film-info.ts';
import { createFilmView, type FilmView } from './film/film-view.ts';
import { nextPreset } from './film/window-presets.ts';
import { type Prior, priorsOf, priorsPanel } from './priors-panel.ts';
import { createReadForm, type ReadForm } from './read-form.ts';
import { aiPanel, factsPanel, historyPanel, readsPanel } from './study-facts.ts';
import { createToolbar } from './viewer-toolbar.ts';

const OVERLAY_PREF = 'cxr.activation';

export function mountViewer(root: HTMLElement, ctx: ScreenContext): MountedScreen {
  const id = ctx.params[0] as string;
  let view: FilmView | null = null;
  let priorView: FilmView | null = null;
  let unlink: (() => void) | null = null;
  let priors: Prior[] = [];
  let comparing: string | null = null;
  let detail: StudyView | null = null;
  let form: ReadForm | null = null;
  let formVersion = -1;
  let overlayClass: string | undefined;
  let holding = false;
  /** The claim as last heard of (the study's detail, then claim calls and live events). */
  let claimNow: ClaimBody | null = null;
  let lastActivity = Date.now();
  let closed = false;

  const savedPref = localStorage.getItem(OVERLAY_PREF);
  const overlayOn = savedPref === null ? ctx.user.settings.activationDefault === 'on' : savedPref === 'on';
  const stage = h('div', { class: 'stage', id: 'stage' });
  const mainPane = h('div', { class: 'pane', id: 'pane-current' });
  const priorPane = h('div', { class: 'pane', id: 'pane-prior', hidden: true });
  const toolbar = createToolbar(
    () => view,
    () => showOverlay(!(view?.state.overlay ?? false)),
    () => {
      const on = !(view?.state.measuring ?? false);
      view?.measure(on);
      toolbar.measure.classList.toggle('on', on);
    },
  );
  const overlayToggle = toolbar.overlayToggle;
  const opacity = toolbar.opacity;
  const info = h('div', { class: 'stage-info', id: 'stage-info' });
  const legendSlot = h('div', { class: 'legend-slot' });
  stage.append(h('div', { class: 'panes' }, mainPane, priorPane), toolbar.el, legendSlot, info);
  const claimBar = h('div', { class: 'claim-bar', id: 'claim-bar', role: 'status' });
  const side = h('aside', { class: 'side' }, h('p', { class: 'muted' }, 'Loading…'));
  root.append(h('div', { class: 'viewer' }, stage, h('div', { class: 'side-wrap' }, claimBar, side)));

  function showOverlay(on: boolean, remember = true): void {
    if (remember) localStorage.setItem(OVERLAY_PREF, on ? 'on' : 'off');
    view?.setOverlay(on);
    overlayToggle.classList.toggle('on', on);
    overlayToggle.setAttribute('aria-pressed', String(on));
    const f = detail?.findings.find((x) => x.name === overlayClass);
    legendSlot.replaceChildren(on && f && view?.state.hasOverlay ? legend(f.name, f.percent, f.operatingPoint) : '');
  }

  function selectOverlay(finding: string | undefined): void {
    overlayClass = finding;
    const layer = detail?.activation && finding ? overlayCanvas(detail.activation, finding) : null;
    view?.setOverlayLayer(layer);
    overlayToggle.disabled = layer === null;
    showOverlay(view?.state.overlay ?? false, false);
  }

  function renderClaim(current: ClaimBody | null): void {
    claimNow = current;
    const live = current !== null && Date.parse(current.expiresAt) > Date.now();
    const mine = live && current?.by === ctx.user.username;
    holding = mine;
    form?.setEnabled(mine || !live);
    if (!live) {
      claimBar.replaceChildren(h('span', { class: 'muted' }, 'Not claimed'));
    } else if (mine) {
      claimBar.replaceChildren(h('span', { class: 'pill ok' }, 'You are reading this study'));
    } else {
      claimBar.replaceChildren(
        h('span', { class: 'pill claim', id: 'claimed-by' }, `Being read by ${current?.by}`),
        ' ',
        h(
          'button',
          { class: 'btn', id: 'take-over', type: 'button', onclick: () => void takeClaim(true) },
          'Take over',
        ),
        ctx.user.isAdmin
          ? h(
              'button',
              { class: 'btn', id: 'release-claim', type: 'button', onclick: () => void release(true) },
              'Release',
            )
          : '',
      );
    }
  }

  async function takeClaim(takeOver: boolean): Promise<void> {
    try {
      renderClaim(await claim(id, takeOver));
      if (takeOver) toast('You took over this study');
    } catch (error) {
      if (error instanceof ApiError && error.code === 'CXR_ERR_HUB_STUDY_CLAIMED') {
        renderClaim((error.details?.claim as ClaimBody | undefined) ?? null);
      } else if (!(error instanceof ApiError && error.status === 401)) {
        toast(`Could not claim: ${(error as Error).message}`, 'error');
      }
    }
  }

  async function release(admin: boolean): Promise<void> {
    await releaseClaim(id).catch(() => {});
    if (admin) renderClaim(null);
  }

  /** Shows a prior beside the current film with zoom and pan linked; `null` closes it. */
  async function compare(prior: Prior | null): Promise<void> {
    unlink?.();
    unlink = null;
    priorView?.destroy();
    priorView = null;
    comparing = prior?.resultId ?? null;
    priorPane.hidden = prior === null;
    stage.classList.toggle('comparing', prior !== null);
    if (prior && view) {
      priorPane.replaceChildren(h('div', { class: 'pane-label' }, `Prior · ${prior.daysBefore} days before`));
      priorView = createFilmView(priorPane, () => {});
      await priorView.load(prior.resultId);
      // Zoom and pan linked: the prior follows the current film (same fit, same relative zoom and pan).
      const current = view;
      const follower = priorView;
      follower.setZoomPan(current.zoomPan());
      unlink = current.onCamera(() => follower.setZoomPan(current.zoomPan()));
    }
    if (!closed) renderSide();
  }

  function renderSide(): void {
    if (!detail) return;
    const d = detail;
    // Re-rendering the panels (priors arriving, a comparison) keeps the form and its draft; only a newly signed
    // version makes a new form.
    const version = d.reads.at(-1)?.version ?? 0;
    if (form && formVersion === version) {
      side.replaceChildren(...panels(d, form));
      renderClaim(claimNow);
      return;
    }
    formVersion = version;
    form = createReadForm(d, async (read) => {
      try {
        await signRead(id, read);
        toast(read.basedOn === 0 ? 'Read signed' : 'Addendum signed');
        await refresh();
      } catch (error) {
        toast(`Could not sign: ${(error as Error).message}`, 'error');
        if (error instanceof ApiError && error.status === 409) await refresh(true);
      }
    });
    side.replaceChildren(...panels(d, form));
    renderClaim(claimNow);
  }

  function panels(d: StudyView, readForm: ReadForm): Array<HTMLElement | string> {
    return [
      factsPanel(d, Date.now()),
      aiPanel(d, (finding) => {
        selectOverlay(finding);
        showOverlay(true);
      }),
      readsPanel(d) ?? '',
      priorsPanel(priors, (p) => void compare(p), comparing),
      readForm.el,
      h(
        'div',
        { class: 'row-actions' },
        h('button', { class: 'btn', type: 'button', onclick: () => ctx.navigate(ctx.queue.hash()) }, 'Back (Esc)'),
      ),
      historyPanel(d),
      h(
        'p',
        { class: 'hint' },
        h('kbd', {}, 'j'),
        '/',
        h('kbd', {}, 'k'),
        ' next/prev · ',
        h('kbd', {}, 'p'),
        '/',
        h('kbd', {}, 'x'),
        ' present/absent · ',
        h('kbd', {}, 'A'),
        ' agree with AI · ',
        h('kbd', {}, 'N'),
        ' normal · ',
        h('kbd', {}, 'h'),
        ' evidence map · ',
        h('kbd', {}, 's'),
        ' sign',
      ),
    ];
  }

  /** Reloads the study; with `keepDraft` false a signed read replaces the form. */
  async function refresh(keepDraft = false): Promise<void> {
    if (keepDraft && form?.dirty()) {
      detail = await study(id);
      renderClaim(detail.claim);
      return;
    }
    detail = await study(id);
    claimNow = detail.claim;
    renderSide();
  }

  async function queueIds(): Promise<string[]> {
    if (ctx.queue.ids().includes(id)) return ctx.queue.ids();
    // A deep link or a reload: rebuild the queue from the worklist the reader last used.
    const hash = ctx.queue.hash();
    const query = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
    const page = await worklist(apiQuery(filtersFromQuery(query), 500));
    const ids = page.items.map((i) => i.id);
    ctx.queue.set(ids, hash);
    return ids;
  }

  async function step(delta: number): Promise<void> {
    const ids = await queueIds();
    const at = ids.indexOf(id);
    const next = at < 0 ? ids[0] : ids[at + delta];
    if (next && next !== id) ctx.navigate(`#/study/${next}`);
    else toast(delta > 0 ? 'End of worklist' : 'Start of worklist');
  }

  function onKey(e: KeyboardEvent): void {
    lastActivity = Date.now();
    const target = e.target as HTMLElement;
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) {
      if (e.key === 'Enter' && e.ctrlKey) void form?.sign();
      if (e.key === 'Escape') target.blur();
      return;
    }
    if (!detail || !form || e.metaKey || e.altKey || e.ctrlKey) return;
    const f = form;
    const keys: Record<string, () => void> = {
      j: () => void step(1),
      k: () => void step(-1),
      ArrowDown: () => f.move(1),
      ArrowUp: () => f.move(-1),
      p: () => f.decide('present'),
      x: () => f.decide('absent'),
      c: () => f.followAi(true),
      o: () => f.followAi(false),
      A: () => f.agreeWithAi(),
      C: () => f.agreeWithAi(),
      N: () => f.markNormal(),
      h: () => showOverlay(!(view?.state.overlay ?? false)),
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
      '0': () => view?.actualSize(),
      w: () => {
        const next = nextPreset(view?.state.preset ?? 'default');
        toolbar.preset.value = next;
        view?.preset(next);
      },
      v: () => view?.invert(),
      e: () => view?.rotate(),
      f: () => view?.flip(),
      m: () => toolbar.measure.click(),
      i: () => document.getElementById('impression')?.focus(),
      s: () => void f.sign(),
      Escape: () => ctx.navigate(ctx.queue.hash()),
    };
    if (/^[1-9]$/.test(e.key)) {
      e.preventDefault();
      f.focus(Number(e.key) - 1);
      selectOverlay(f.focused());
      return;
    }
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') selectOverlay(f.focused());
    }
  }
  document.addEventListener('keydown', onKey);
  const onPointer = () => {
    lastActivity = Date.now();
  };
  document.addEventListener('pointerdown', onPointer);

  // Keep the claim while the reader is active; let it lapse when they are not (the hub expires it).
  const heartbeatMs = Math.max(5, ctx.user.settings.claimTimeoutS / 3) * 1000;
  const heartbeat = setInterval(() => {
    if (holding && Date.now() - lastActivity < ctx.user.settings.claimTimeoutS * 1000) void takeClaim(false);
  }, heartbeatMs);
  const tick = setInterval(() => {
    const el = document.getElementById('viewer-waiting');
    if (el && detail && detail.status !== 'reviewed') el.textContent = ageText(detail.arrivedAt, Date.now());
  }, 10_000);

  // The film is fetched and decoded while the study, the claim and the panels load.
  const filmReady = filmImage(id);
  filmReady.catch(() => {});
  // The viewport is made while the study loads (making a rendering engine is the slow part of a first open).
  view = createFilmView(mainPane, (s) => {
    info.textContent = infoText(s);
  });
  // The film goes on the viewport as soon as it is decoded, whether or not the study's description came first.
  const filmShown = view.load(id, filmReady);
  filmShown.catch(() => {});
  (async () => {
    try {
      detail = await study(id);
      if (closed) return;
      claimNow = detail.claim;
      renderSide();
      const claimed = takeClaim(false); // the film does not wait for the claim
      await filmShown;
      await claimed;
      if (closed) return;
      selectOverlay(detail.findings[0]?.name);
      showOverlay(overlayOn, false);
      priors = await priorsOf(id).catch(() => []);
      renderSide();
    } catch (error) {
      side.replaceChildren(h('p', { class: 'error' }, `Could not open the study: ${(error as Error).message}`));
    }
  })();

  const offRead = ctx.live.on('read', (e) => {
    if (e.resultId === id && detail && e.reader !== ctx.user.username) {
      toast(`${e.reader} signed ${e.version === 1 ? 'a read' : `addendum v${e.version}`} of this study`);
      void refresh(true);
    }
  });
  const offClaim = ctx.live.on('claim', (e) => {
    if (e.resultId !== id) return;
    const wasMine = holding;
    renderClaim(e.claim);
    if (wasMine && !holding && e.claim) toast(`${e.claim.by} took over this study`, 'urgent');
  });

  return {
    unmount() {
      closed = true;
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
      clearInterval(heartbeat);
      clearInterval(tick);
      offRead();
      offClaim();
      if (holding) void release(false);
      void compare(null);
      view?.destroy();
    },
    unsaved: () => (form?.dirty() ? 'This study has an unsigned read.' : null),
  };
}
