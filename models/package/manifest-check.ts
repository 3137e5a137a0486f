/**
 * Validates a parsed manifest against `ManifestSchema` (pure apart from registering the `date-time` format).
 * Bad input throws CXR_ERR_PACKAGE_MANIFEST_INVALID listing the first problems.
 */
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CxrError } from '../errors.ts';
import { triageRoles } from '../triage/class-roles.ts';
import { type Manifest, ManifestSchema } from './manifest.ts';

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value)),
  );
}
const compiled = TypeCompiler.Compile(ManifestSchema);

function invalid(message: string): CxrError {
  return new CxrError('CXR_ERR_PACKAGE_MANIFEST_INVALID', message, { kind: 'input' });
}

export function checkManifest(value: unknown): Manifest {
  if (!compiled.Check(value)) {
    const problems = [...compiled.Errors(value)].slice(0, 4).map((e) => `${e.path || '/'} ${e.message}`);
    throw invalid(`manifest.json: ${problems.join('; ')}`);
  }
  const manifest = value;
  const { size, channels } = manifest.input;
  for (const name of manifest.classes) {
    if (!manifest.thresholds[name]) throw invalid(`manifest.json: no threshold for class "${name}"`);
  }
  triageRoles(manifest); // throws when the triage section names classes the model does not have
  const extra = manifest.outputs.extra ?? [];
  for (const name of Object.keys(manifest.calibration?.temperature ?? {})) {
    if (!manifest.classes.includes(name)) throw invalid(`manifest.json: calibration for unknown class "${name}"`);
  }
  for (const output of manifest.gate ? [manifest.gate.head.output, manifest.gate.distance.output] : []) {
    if (!extra.includes(output)) throw invalid(`manifest.json: gate output "${output}" is not in outputs.extra`);
  }
  manifest.golden.forEach((golden, index) => {
    for (const name of Object.keys(golden.expectedExtra ?? {})) {
      if (!extra.includes(name)) throw invalid(`manifest.json: golden[${index}] expects unknown output "${name}"`);
    }
    if (golden.expectedProbabilities.length !== manifest.classes.length) {
      throw invalid(`manifest.json: golden[${index}] has ${golden.expectedProbabilities.length} probabilities`);
    }
    if (Buffer.from(golden.inputF32Base64, 'base64').length !== 4 * channels * size * size) {
      throw invalid(`manifest.json: golden[${index}] input is not ${channels}x${size}x${size} float32`);
    }
  });
  return manifest;
}

/** The exact bytes written as manifest.json (and signed). */
export function manifestBytes(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}
