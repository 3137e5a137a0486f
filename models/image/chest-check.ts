/**
 * Is this a chest radiograph, by its tags? Pure; decides from tags only (PS3.3 C.7.3.1 Modality, C.7.3.1 Body
 * Part Examined, PS3.16 CID 4031), never from pixels (the projection: view-projection.ts).
 * In: format + descriptive tags + a ChestPolicy. Out: { isChest, reason } where reason says why not.
 * This is the first, tag-only stage of the not-a-chest gate; the pixel stage lives in the model package
 * (models/package/chest-gate.ts), because it needs the model.
 */
import type { ImageFormat } from './types.ts';

export interface ChestPolicy {
  /** Modalities that are plain radiographs. DX-like secondary captures carry DX or CR too. */
  modalities: string[];
  /** Accepted Body Part Examined values (upper case). */
  bodyParts: string[];
  /** Accept a radiograph whose Body Part Examined is empty (common in CR and secondary captures). */
  allowMissingBodyPart: boolean;
  /** Accept a file without a Modality tag. */
  allowMissingModality: boolean;
  /** Words in Study/Series Description or Protocol Name that mark another anatomy when Body Part is empty. */
  nonChestTerms: string[];
  /** PNG/JPEG carry no tags: whether to take them as chest films. */
  rasterIsChest: boolean;
}

export const DEFAULT_CHEST_POLICY: Readonly<ChestPolicy> = Object.freeze({
  modalities: ['CR', 'DX'],
  bodyParts: ['CHEST', 'THORAX', 'LUNG', 'RIB'],
  allowMissingBodyPart: true,
  allowMissingModality: false,
  nonChestTerms: [
    'ABD',
    'ABDOMEN',
    'ANKLE',
    'ANKLES',
    'BREAST',
    'CALCANEUS',
    'CERVICAL',
    'COCCYX',
    'CSPINE',
    'DENTAL',
    'ELBOW',
    'ELBOWS',
    'FEET',
    'FEMUR',
    'FIBULA',
    'FINGER',
    'FINGERS',
    'FOOT',
    'FOREARM',
    'HAND',
    'HANDS',
    'HEAD',
    'HEEL',
    'HIP',
    'HIPS',
    'HUMERUS',
    'KNEE',
    'KNEES',
    'KUB',
    'LSPINE',
    'LUMBAR',
    'MAMMO',
    'MAMMOGRAPHY',
    'MANDIBLE',
    'ORBIT',
    'ORBITS',
    'PANORAMIC',
    'PELVIS',
    'SACRUM',
    'SCAPULA',
    'SHOULDER',
    'SHOULDERS',
    'SINUS',
    'SINUSES',
    'SKULL',
    'SPINE',
    'TEETH',
    'TIBIA',
    'TOE',
    'TOES',
    'TOOTH',
    'TSPINE',
    'WRIST',
    'WRISTS',
  ],
  rasterIsChest: true,
});

export interface ChestCheckInput {
  format: ImageFormat;
  modality?: string;
  bodyPart?: string;
  /** Study Description, Series Description, Protocol Name: used only when Body Part is empty. */
  descriptions?: string[];
}

export type ChestVerdict = { isChest: true; reason?: undefined } | { isChest: false; reason: string };

export function checkChest(input: ChestCheckInput, policy: ChestPolicy = DEFAULT_CHEST_POLICY): ChestVerdict {
  if (input.format !== 'dicom') {
    return policy.rasterIsChest
      ? { isChest: true }
      : { isChest: false, reason: `${input.format} files carry no anatomy tags` };
  }
  const modality = input.modality?.toUpperCase();
  if (!modality) {
    if (!policy.allowMissingModality) return { isChest: false, reason: 'no Modality (0008,0060)' };
  } else if (!policy.modalities.includes(modality)) {
    return { isChest: false, reason: `modality ${modality} is not a radiograph (${policy.modalities.join('/')})` };
  }
  const bodyPart = input.bodyPart?.toUpperCase();
  if (bodyPart) {
    return policy.bodyParts.includes(bodyPart)
      ? { isChest: true }
      : { isChest: false, reason: `body part ${bodyPart} is not chest` };
  }
  if (!policy.allowMissingBodyPart) return { isChest: false, reason: 'no Body Part Examined (0018,0015)' };
  const terms = new Set(policy.nonChestTerms.map((t) => t.toUpperCase()));
  for (const description of input.descriptions ?? []) {
    const hit = description
      .toUpperCase()
      .split(/[^A-Z0-9]+/)
      .find((word) => terms.has(word));
    if (hit) return { isChest: false, reason: `description names another anatomy (${hit})` };
  }
  return { isChest: true };
}
