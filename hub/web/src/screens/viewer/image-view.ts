/**
 * The viewer's image: the de-identified preview on a canvas with zoom (wheel), pan (drag), window/level
 * (right-drag or shift-drag; 8-bit display range) and one activation overlay (off until asked for, with
 * opacity). The preview's luminance is read once; a window/level change only rebuilds a 256-entry table.
 */
export interface ImageViewState {
  zoom: number;
  panX: number;
  panY: number;
  center: number;
  width: number;
  overlay: boolean;
  opacity: number;
  hasOverlay: boolean;
}

async function loadImage(url: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.decoding = 'async';
  image.src = url;
  await image.decode();
  return image;
}

export function createImageView(stage: HTMLElement, onChange: (state: ImageViewState) => void) {
  const canvas = document.createElement('canvas');
  canvas.id = 'film';
  stage.append(canvas);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const base = document.createElement('canvas');
  const baseCtx = base.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  let luminance: Uint8Array | null = null;
  let overlayLayer: HTMLCanvasElement | null = null;
  const state = { zoom: 1, panX: 0, panY: 0, center: 128, width: 256, overlay: false, opacity: 0.5 };
  const snapshot = (): ImageViewState => ({ ...state, hasOverlay: overlayLayer !== null });

  function applyWindow(): void {
    if (!luminance) return;
    const lut = new Uint8ClampedArray(256);
    const low = state.center - state.width / 2;
    for (let v = 0; v < 256; v++) lut[v] = ((v - low) / state.width) * 255;
    const out = baseCtx.createImageData(base.width, base.height);
    for (let i = 0, p = 0; i < luminance.length; i++, p += 4) {
      const g = lut[luminance[i] as number] as number;
      out.data[p] = g;
      out.data[p + 1] = g;
      out.data[p + 2] = g;
      out.data[p + 3] = 255;
    }
    baseCtx.putImageData(out, 0, 0);
  }

  function draw(): void {
    const rect = stage.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(rect.width * dpr) || canvas.height !== Math.round(rect.height * dpr)) {
      canvas.width = Math.round(rect.width * dpr);
      canvas.height = Math.round(rect.height * dpr);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (base.width) {
      const scale = Math.min(canvas.width / base.width, canvas.height / base.height) * state.zoom;
      const w = base.width * scale;
      const hgt = base.height * scale;
      const x = (canvas.width - w) / 2 + state.panX * dpr;
      const y = (canvas.height - hgt) / 2 + state.panY * dpr;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(base, x, y, w, hgt);
      if (overlayLayer && state.overlay) {
        ctx.globalAlpha = state.opacity;
        ctx.drawImage(overlayLayer, x, y, w, hgt);
        ctx.globalAlpha = 1;
      }
    }
    onChange(snapshot());
  }

  async function load(previewUrl: string | null): Promise<void> {
    if (previewUrl) {
      const image = await loadImage(previewUrl);
      base.width = image.naturalWidth;
      base.height = image.naturalHeight;
      baseCtx.drawImage(image, 0, 0);
      const rgba = baseCtx.getImageData(0, 0, base.width, base.height).data;
      luminance = new Uint8Array(base.width * base.height);
      for (let i = 0, p = 0; i < luminance.length; i++, p += 4) {
        luminance[i] = Math.round(
          0.299 * (rgba[p] as number) + 0.587 * (rgba[p + 1] as number) + 0.114 * (rgba[p + 2] as number),
        );
      }
      applyWindow();
    }
    draw();
  }

  let drag: { x: number; y: number; windowing: boolean } | null = null;
  stage.addEventListener('contextmenu', (e) => e.preventDefault());
  stage.addEventListener('pointerdown', (e) => {
    if ((e.target as HTMLElement).closest('.stage-toolbar, .legend')) return;
    drag = { x: e.clientX, y: e.clientY, windowing: e.button === 2 || e.shiftKey };
    stage.setPointerCapture(e.pointerId);
    stage.classList.add('dragging');
  });
  stage.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (drag.windowing) {
      state.width = Math.min(512, Math.max(8, state.width + dx));
      state.center = Math.min(255, Math.max(0, state.center - dy));
      applyWindow();
    } else {
      state.panX += dx;
      state.panY += dy;
    }
    draw();
  });
  const endDrag = () => {
    drag = null;
    stage.classList.remove('dragging');
  };
  stage.addEventListener('pointerup', endDrag);
  stage.addEventListener('pointercancel', endDrag);
  stage.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      state.zoom = Math.min(12, Math.max(0.5, state.zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15)));
      draw();
    },
    { passive: false },
  );
  const resize = new ResizeObserver(() => draw());
  resize.observe(stage);

  return {
    load,
    get state(): ImageViewState {
      return snapshot();
    },
    setOverlayLayer(layer: HTMLCanvasElement | null): void {
      overlayLayer = layer;
      draw();
    },
    setOverlay(on: boolean): void {
      state.overlay = on;
      draw();
    },
    setOpacity(value: number): void {
      state.opacity = Math.min(1, Math.max(0, value));
      draw();
    },
    zoomBy(factor: number): void {
      state.zoom = Math.min(12, Math.max(0.5, state.zoom * factor));
      draw();
    },
    reset(): void {
      Object.assign(state, { zoom: 1, panX: 0, panY: 0, center: 128, width: 256 });
      applyWindow();
      draw();
    },
    destroy(): void {
      resize.disconnect();
      canvas.remove();
    },
  };
}

export type ImageView = ReturnType<typeof createImageView>;
