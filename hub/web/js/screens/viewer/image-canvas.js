/**
 * The viewer's image: the de-identified preview drawn on a canvas with zoom (wheel), pan (drag),
 * window/level (right-drag or shift-drag; 8-bit display range) and the heatmap overlay (toggle + opacity).
 * The preview's luminance is read once; a window/level change only rebuilds a 256-entry lookup table.
 */
async function loadImage(url) {
  const image = new Image();
  image.decoding = 'async';
  image.src = url;
  await image.decode();
  return image;
}

export function createImageView(stage, onChange) {
  const canvas = document.createElement('canvas');
  stage.append(canvas);
  const ctx = canvas.getContext('2d');
  const base = document.createElement('canvas');
  const baseCtx = base.getContext('2d', { willReadFrequently: true });
  let luminance = null;
  let heatmap = null;
  const state = { zoom: 1, panX: 0, panY: 0, center: 128, width: 256, heatmap: true, opacity: 0.45 };

  function fitScale() {
    if (!base.width) return 1;
    return Math.min(canvas.width / base.width, canvas.height / base.height);
  }

  function applyWindow() {
    if (!luminance) return;
    const lut = new Uint8ClampedArray(256);
    const low = state.center - state.width / 2;
    for (let v = 0; v < 256; v++) lut[v] = ((v - low) / state.width) * 255;
    const out = baseCtx.createImageData(base.width, base.height);
    for (let i = 0, p = 0; i < luminance.length; i++, p += 4) {
      const g = lut[luminance[i]];
      out.data[p] = g;
      out.data[p + 1] = g;
      out.data[p + 2] = g;
      out.data[p + 3] = 255;
    }
    baseCtx.putImageData(out, 0, 0);
  }

  function draw() {
    const rect = stage.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(rect.width * dpr) || canvas.height !== Math.round(rect.height * dpr)) {
      canvas.width = Math.round(rect.width * dpr);
      canvas.height = Math.round(rect.height * dpr);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!base.width) return;
    const scale = fitScale() * state.zoom;
    const w = base.width * scale;
    const hgt = base.height * scale;
    const x = (canvas.width - w) / 2 + state.panX * dpr;
    const y = (canvas.height - hgt) / 2 + state.panY * dpr;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(base, x, y, w, hgt);
    if (heatmap && state.heatmap) {
      ctx.globalAlpha = state.opacity;
      ctx.drawImage(heatmap, x, y, w, hgt);
      ctx.globalAlpha = 1;
    }
    onChange?.({ ...state, hasHeatmap: heatmap !== null });
  }

  async function load(previewUrl, heatmapUrl) {
    if (previewUrl) {
      const image = await loadImage(previewUrl);
      base.width = image.naturalWidth;
      base.height = image.naturalHeight;
      baseCtx.drawImage(image, 0, 0);
      const rgba = baseCtx.getImageData(0, 0, base.width, base.height).data;
      luminance = new Uint8Array(base.width * base.height);
      for (let i = 0, p = 0; i < luminance.length; i++, p += 4) {
        luminance[i] = Math.round(0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]);
      }
      applyWindow();
    }
    heatmap = heatmapUrl ? await loadImage(heatmapUrl) : null;
    draw();
  }

  // Pointer: left-drag pans; right-drag or shift-drag adjusts window (x = width, y = level).
  let drag = null;
  stage.addEventListener('contextmenu', (e) => e.preventDefault());
  stage.addEventListener('pointerdown', (e) => {
    if (e.target.closest('.stage-toolbar')) return;
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
    get state() {
      return { ...state, hasHeatmap: heatmap !== null };
    },
    setHeatmap(on) {
      state.heatmap = on;
      draw();
    },
    setOpacity(value) {
      state.opacity = Math.min(1, Math.max(0, value));
      draw();
    },
    zoomBy(factor) {
      state.zoom = Math.min(12, Math.max(0.5, state.zoom * factor));
      draw();
    },
    reset() {
      Object.assign(state, { zoom: 1, panX: 0, panY: 0, center: 128, width: 256 });
      applyWindow();
      draw();
    },
    destroy() {
      resize.disconnect();
      canvas.remove();
    },
  };
}
