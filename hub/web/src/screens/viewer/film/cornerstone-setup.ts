/**
 * Cornerstone3D, set up once per page: the core (CPU rendering when the browser has no WebGL — headless
 * Chromium, some clinic PCs), the tools this viewer uses, and nothing that reaches the network (no
 * OrientationMarkerTool, no codecs or workers: the hub serves decoded PNGs).
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

function hasWebGl(): boolean {
  try {
    return document.createElement('canvas').getContext('webgl2') !== null;
  } catch {
    return false;
  }
}

export function setUpCornerstone(): void {
  if (ready) return;
  if (!isCornerstoneInitialized()) initCore();
  setUseCPURendering(!hasWebGl());
  // `cxr:` images are made by film-image.ts (fetched, decoded, cached) before a viewport asks for them.
  imageLoader.registerImageLoader('cxr', (imageId: string) => {
    const image = cache.getImage(imageId);
    return { promise: image ? Promise.resolve(image) : Promise.reject(new Error(`${imageId} is not loaded`)) };
  });
  initTools();
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, LengthTool, PlanarRotateTool]) addTool(tool);
  ready = true;
}
