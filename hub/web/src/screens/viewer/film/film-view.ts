/**
 * The viewer's film on Cornerstone3D: a stack viewport of the study's film (film-image.ts) with full-bit-depth
 * window/level (right-drag or Shift+drag; presets), invert, zoom (wheel; 1:1 = one film pixel per screen pixel),
 * pan (drag), rotate/flip, length (mm where the file gives pixel spacing, else px), and the AI evidence map drawn
 * on a canvas of its own that follows the camera (so it stays on the anatomy through zoom, pan, rotation, flip).
 */
import {
  Enums,
  getRenderingEngine,
  RenderingEngine,
  type StackViewport,
  type Types,
  utilities,
} from '@cornerstonejs/core';
import {
  LengthTool,
  PanTool,
  Enums as ToolEnums,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { setUpCornerstone } from './cornerstone-setup.ts';
import { warmFilmDecoder } from './film-decoder.ts';
import { type FilmImage, filmImage } from './film-image.ts';
import { type Preset, presetRange } from './window-presets.ts';

export interface FilmState {
  source: 'diagnostic' | 'preview' | null;
  bitsStored: number;
  /** Film pixels per screen pixel inverse: 1 = 1:1. */
  scale: number;
  windowCenter: number;
  windowWidth: number;
  invert: boolean;
  preset: Preset;
  rotation: number;
  flipped: boolean;
  measuring: boolean;
  lengthUnit: 'mm' | 'px';
  overlay: boolean;
  opacity: number;
  hasOverlay: boolean;
}

let serial = 0;

/** What a first film would otherwise wait for: Cornerstone's set-up and the decoder's worker (idempotent). */
export function warmFilmView(): void {
  setUpCornerstone();
  warmFilmDecoder();
}

export function createFilmView(stage: HTMLElement, onChange: (state: FilmState) => void) {
  setUpCornerstone();
  const id = ++serial;
  const element = document.createElement('div');
  element.className = 'film';
  element.id = 'film';
  element.addEventListener('contextmenu', (e) => e.preventDefault());
  const overlay = document.createElement('canvas');
  overlay.className = 'film-overlay';
  stage.append(element, overlay);
  const engine = new RenderingEngine(`cxr-engine-${id}`);
  const viewportId = `cxr-film-${id}`;
  engine.enableElement({
    viewportId,
    type: Enums.ViewportType.STACK,
    element,
    defaultOptions: { background: [0, 0, 0] },
  });
  const viewport = engine.getViewport(viewportId) as StackViewport;
  const toolGroupId = `cxr-tools-${id}`;
  const tools = ToolGroupManager.createToolGroup(toolGroupId);
  if (!tools) throw new Error('cannot create the viewer tool group');
  for (const name of [WindowLevelTool.toolName, PanTool.toolName, ZoomTool.toolName, LengthTool.toolName])
    tools.addTool(name);
  tools.addViewport(viewportId, engine.id);
  const { MouseBindings, KeyboardBindings } = ToolEnums;
  const bindPan = () => {
    tools.setToolPassive(LengthTool.toolName);
    tools.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  };
  tools.setToolActive(WindowLevelTool.toolName, {
    bindings: [
      { mouseButton: MouseBindings.Secondary },
      { mouseButton: MouseBindings.Primary, modifierKey: KeyboardBindings.Shift },
    ],
  });
  tools.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
  bindPan();

  let film: FilmImage | null = null;
  let layer: HTMLCanvasElement | null = null;
  const state = {
    preset: 'default' as Preset,
    rotation: 0,
    flipped: false,
    measuring: false,
    overlay: false,
    opacity: 0.5,
  };

  /** Screen (device) pixels per film pixel along the film's x axis. */
  function devicePixelsPerFilmPixel(): number {
    if (!film) return 1;
    const a = viewport.worldToCanvas(utilities.imageToWorldCoords(film.imageId, [0, 0]) as Types.Point3);
    const b = viewport.worldToCanvas(utilities.imageToWorldCoords(film.imageId, [1, 0]) as Types.Point3);
    return Math.hypot(b[0] - a[0], b[1] - a[1]) * (window.devicePixelRatio || 1);
  }

  function drawOverlay(): void {
    const rect = element.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    overlay.width = Math.round(rect.width * dpr);
    overlay.height = Math.round(rect.height * dpr);
    const ctx = overlay.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    if (!film || !layer || !state.overlay) return;
    const corner = (x: number, y: number) =>
      viewport.worldToCanvas(utilities.imageToWorldCoords(film!.imageId, [x, y]) as Types.Point3);
    const o = corner(0, 0);
    const right = corner(film.width, 0);
    const down = corner(0, film.height);
    ctx.setTransform(
      ((right[0] - o[0]) * dpr) / layer.width,
      ((right[1] - o[1]) * dpr) / layer.width,
      ((down[0] - o[0]) * dpr) / layer.height,
      ((down[1] - o[1]) * dpr) / layer.height,
      o[0] * dpr,
      o[1] * dpr,
    );
    ctx.globalAlpha = state.opacity;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(layer, 0, 0);
  }

  function snapshot(): FilmState {
    const props = viewport.getProperties();
    const voi = props.voiRange ?? { lower: 0, upper: 1 };
    return {
      source: film?.source ?? null,
      bitsStored: film?.bitsStored ?? 8,
      scale: devicePixelsPerFilmPixel(),
      windowCenter: (voi.lower + voi.upper) / 2,
      windowWidth: voi.upper - voi.lower,
      invert: props.invert === true,
      preset: state.preset,
      rotation: state.rotation,
      flipped: state.flipped,
      measuring: state.measuring,
      lengthUnit: film?.spacingMm ? 'mm' : 'px',
      overlay: state.overlay,
      opacity: state.opacity,
      hasOverlay: layer !== null,
    };
  }

  const rendered = () => {
    drawOverlay();
    onChange(snapshot());
  };
  element.addEventListener(Enums.Events.IMAGE_RENDERED, rendered);
  const resize = new ResizeObserver(() => {
    engine.resize(true, true);
    rendered();
  });
  resize.observe(stage);

  const applyPreset = (preset: Preset) => {
    if (!film) return;
    state.preset = preset;
    viewport.setProperties({ voiRange: presetRange(preset, film.range, film.window) });
    viewport.render();
  };

  return {
    /** Shows the study's film; `ready` may already be on its way (started before the viewer was built). */
    async load(resultId: string, ready: Promise<FilmImage> = filmImage(resultId)): Promise<FilmImage> {
      film = await ready;
      await viewport.setStack([film.imageId]);
      // setStack resolves before the image is on the viewport; properties set earlier would be dropped.
      for (let i = 0; i < 200 && !viewport.getImageData(); i++) await new Promise((r) => requestAnimationFrame(r));
      viewport.setProperties({ invert: film.invert });
      applyPreset('default');
      viewport.resetCamera();
      viewport.render();
      return film;
    },
    get state(): FilmState {
      return snapshot();
    },
    /** The film's rendered pixels, for tests and screenshots. */
    canvas: () => viewport.getCanvas(),
    setOverlayLayer(next: HTMLCanvasElement | null): void {
      layer = next;
      rendered();
    },
    setOverlay(on: boolean): void {
      state.overlay = on;
      rendered();
    },
    setOpacity(value: number): void {
      state.opacity = Math.min(1, Math.max(0, value));
      rendered();
    },
    preset: applyPreset,
    invert(): void {
      viewport.setProperties({ invert: !(viewport.getProperties().invert === true) });
      viewport.render();
    },
    zoomBy(factor: number): void {
      viewport.setZoom(viewport.getZoom() * factor);
      viewport.render();
    },
    /** One film pixel per screen pixel. */
    actualSize(): void {
      const now = devicePixelsPerFilmPixel();
      if (now > 0) viewport.setZoom(viewport.getZoom() / now);
      viewport.render();
    },
    rotate(): void {
      state.rotation = (state.rotation + 90) % 360;
      viewport.setViewPresentation({ rotation: state.rotation });
      viewport.render();
    },
    flip(): void {
      state.flipped = !state.flipped;
      viewport.setCamera({ flipHorizontal: state.flipped });
      viewport.render();
    },
    measure(on: boolean): void {
      state.measuring = on;
      if (on) {
        tools.setToolPassive(PanTool.toolName);
        tools.setToolActive(LengthTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
      } else bindPan();
      rendered();
    },
    reset(): void {
      state.rotation = 0;
      state.flipped = false;
      viewport.setViewPresentation({ rotation: 0 });
      viewport.setCamera({ flipHorizontal: false });
      viewport.resetCamera();
      viewport.setProperties({ invert: film?.invert ?? false });
      applyPreset('default');
    },
    /** Zoom and pan, to link another film to this one (a prior beside it). */
    zoomPan(): { zoom: number; pan: Types.Point2 } {
      return { zoom: viewport.getZoom(), pan: viewport.getPan() };
    },
    setZoomPan(next: { zoom: number; pan: Types.Point2 }): void {
      viewport.setZoom(next.zoom);
      viewport.setPan(next.pan);
      viewport.render();
    },
    /** Calls `fn` after every camera change (zoom, pan, rotation) the reader makes; returns the unsubscribe. */
    onCamera(fn: () => void): () => void {
      element.addEventListener(Enums.Events.CAMERA_MODIFIED, fn);
      return () => element.removeEventListener(Enums.Events.CAMERA_MODIFIED, fn);
    },
    destroy(): void {
      resize.disconnect();
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, rendered);
      ToolGroupManager.destroyToolGroup(toolGroupId);
      getRenderingEngine(engine.id)?.destroy();
      element.remove();
      overlay.remove();
    },
  };
}

export type FilmView = ReturnType<typeof createFilmView>;
