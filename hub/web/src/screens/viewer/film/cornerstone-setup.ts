/**
 * Cornerstone3D, set up once per page: the core on its CPU rendering path, the tools this viewer uses, and
 * nothing that reaches the network (no OrientationMarkerTool, no codecs or workers: the hub serves PNGs).
 * Why CPU rendering: a chest film is one 2D image, which the CPU path draws with the same window/level and
 * interpolation; it needs no WebGL context, whose creation cost 250–300 ms of every first open here (3–5× the
 * CPU path), and it renders the same pixels on every machine (no GPU driver variance in what a reader sees).
 */
import {
  cache,
  imageLoader,
  init as initCore,
  isCornerstoneInitialized,
  setUseCPURendering,
} from '@cornerstonejs/core';
import {
  addTool,
  init as initTools,
  LengthTool,
  PanTool,
  PlanarRotateTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';

let ready = false;

export function setUpCornerstone(): void {
  if (ready) return;
  if (!isCornerstoneInitialized()) initCore();
  setUseCPURendering(true);
  // `cxr:` images are made by film-image.ts (fetched, decoded, cached) before a viewport asks for them.
  imageLoader.registerImageLoader('cxr', (imageId: string) => {
    const image = cache.getImage(imageId);
    return { promise: image ? Promise.resolve(image) : Promise.reject(new Error(`${imageId} is not loaded`)) };
  });
  initTools();
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, LengthTool, PlanarRotateTool]) addTool(tool);
  ready = true;
}
