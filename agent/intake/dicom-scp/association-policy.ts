/**
 * What the DICOM receiver accepts (pure). In: an association request's AE titles, or one proposed presentation
 * context (abstract syntax + transfer syntaxes). Out: accept, or the reason to reject (PS3.8 9.3.4 A-ASSOCIATE-RJ
 * reasons; PS3.8 9.3.3.2 presentation context results). Accepted: the called AE title is ours and the calling AE
 * title is on the allowed list (compared exactly, trailing spaces ignored: PS3.5 6.2); Verification and the
 * image storage classes an X-ray device sends; transfer syntaxes the agent's reader decodes
 * (models/image/dicom/transfer-syntaxes.ts), the first of them in the order the device proposed them (its
 * preference, PS3.8 9.3.2.2: a device holding a compressed film proposes that syntax first).
 */
import { CODEC_BY_TRANSFER_SYNTAX } from '../../../models/image/dicom/transfer-syntaxes.ts';

export const VERIFICATION = '1.2.840.10008.1.1';

/** Storage SOP classes of projection radiographs (PS3.4 B.5). */
export const IMAGE_STORAGE_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.1', // Computed Radiography Image Storage
  '1.2.840.10008.5.1.4.1.1.1.1', // Digital X-Ray Image Storage - For Presentation
  '1.2.840.10008.5.1.4.1.1.1.1.1', // Digital X-Ray Image Storage - For Processing
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture Image Storage
  '1.2.840.10008.5.1.4.1.1.7.2', // Multi-frame Grayscale Byte Secondary Capture Image Storage
  '1.2.840.10008.5.1.4.1.1.7.3', // Multi-frame Grayscale Word Secondary Capture Image Storage
]);

/** C-STORE response statuses this receiver uses (PS3.4 B.2.3, PS3.7 C). */
export const STORE_STATUS = {
  success: 0x0000,
  /** Refused: Out of Resources (disk full). */
  outOfResources: 0xa700,
  /** Error: Data Set does not match SOP Class (its SOP class/instance differ from the command's). */
  datasetMismatch: 0xa900,
  /** Error: Cannot understand (not a parseable data set). */
  cannotUnderstand: 0xc000,
  /** Processing failure (anything else: the device may retry). */
  processingFailure: 0x0110,
} as const;

export type AssociationDecision = { accept: true } | { accept: false; reason: 'called-ae' | 'calling-ae' };

function ae(value: string): string {
  return value.replace(/\s+$/, '').replace(/^\s+/, '');
}

export function decideAssociation(
  request: { calledAeTitle: string; callingAeTitle: string },
  config: { aeTitle: string; allowedCallingAeTitles: readonly string[] },
): AssociationDecision {
  if (ae(request.calledAeTitle) !== ae(config.aeTitle)) return { accept: false, reason: 'called-ae' };
  if (!config.allowedCallingAeTitles.some((allowed) => ae(allowed) === ae(request.callingAeTitle)))
    return { accept: false, reason: 'calling-ae' };
  return { accept: true };
}

export type ContextDecision =
  | { accept: true; transferSyntax: string }
  | { accept: false; reason: 'abstract-syntax' | 'transfer-syntax' };

export function decideContext(abstractSyntax: string, transferSyntaxes: readonly string[]): ContextDecision {
  if (abstractSyntax !== VERIFICATION && !IMAGE_STORAGE_CLASSES.has(abstractSyntax))
    return { accept: false, reason: 'abstract-syntax' };
  const chosen = transferSyntaxes.find((ts) => ts in CODEC_BY_TRANSFER_SYNTAX);
  return chosen === undefined ? { accept: false, reason: 'transfer-syntax' } : { accept: true, transferSyntax: chosen };
}
