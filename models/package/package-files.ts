/** File names inside a model package directory (and its .tar). */
export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'signature';
export const PACKAGE_FILES = [MANIFEST_FILE, MODEL_FILE, SIGNATURE_FILE] as const;
