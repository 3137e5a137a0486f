/**
 * Which projection a DICOM film is, from the tags that can say it (pure). In order, the first that names a
 * frontal or a lateral projection decides:
 * 1. View Position (0018,5101): PA, AP, … / LL, RL, LATERAL, … (PS3.3 C.8.11.5; vendors also write LAT);
 * 2. View Code Sequence (0054,0220), its Code Meanings (PS3.16 CID 4010 "DX View": "left lateral",
 *    "postero-anterior", …); an oblique or a decubitus view is neither;
 * 3. Patient Orientation (0020,0020), PS3.3 C.7.6.1.1.1: the direction of the rows and of the columns. A lateral
 *    film's rows run anterior or posterior ("A\F", "P\F"); a frontal film's run left or right ("L\F", "R\F");
 * 4. Series Description (0008,103E), then Protocol Name (0018,1030): the words LAT/LATERAL or PA/AP/FRONTAL, when
 *    only one of the two kinds is named and no oblique or decubitus is. (Never the Study Description: a
 *    "CHEST PA AND LAT" study holds both films.)
 * PNG and JPEG carry none of these: `unknown`, left to the pixel gate, which is not a lateral detector.
 * In: the tags as read. Out: the kind, the tag that said it and what it said — a coded value or a matched word
 * only, never free text, so it can go in a reason, a log line or a result.
 */

export type ViewKind = 'frontal' | 'lateral' | 'unknown';

export type ViewSource =
  | 'View Position'
  | 'View Code Sequence'
  | 'Patient Orientation'
  | 'Series Description'
  | 'Protocol Name';

export interface ViewTags {
  viewPosition?: string;
  /** Code Meaning (0008,0104) of each View Code Sequence item. */
  viewCodeMeanings?: string[];
  /** As stored: the two values joined by a backslash. */
  patientOrientation?: string;
  seriesDescription?: string;
  protocolName?: string;
}

export type ViewVerdict = { kind: 'unknown' } | { kind: 'frontal' | 'lateral'; source: ViewSource; said: string };

const LATERAL_POSITIONS = new Set(['LL', 'RL', 'LAT', 'LATERAL', 'LLAT', 'RLAT']);
/** Decubitus films (LLD, RLD) are frontal projections of a patient lying on a side. */
const FRONTAL_POSITIONS = new Set(['PA', 'AP', 'APS', 'PAS', 'LLD', 'RLD']);
const LATERAL_WORDS = new Set(['LAT', 'LATERAL']);
const FRONTAL_WORDS = new Set(['PA', 'AP', 'FRONTAL']);
const NEITHER_WORDS = new Set(['OBL', 'OBLIQUE', 'DECUB', 'DECUBITUS']);

function fromPosition(value: string | undefined): ViewKind {
  const v = value?.trim().toUpperCase();
  if (!v) return 'unknown';
  if (LATERAL_POSITIONS.has(v)) return 'lateral';
  return FRONTAL_POSITIONS.has(v) ? 'frontal' : 'unknown';
}

function fromCodeMeaning(meaning: string): ViewKind {
  const m = meaning.trim().toLowerCase();
  if (/oblique|decubitus/.test(m)) return 'unknown';
  if (/\blateral\b|latero-medial|medio-lateral/.test(m)) return 'lateral';
  return /antero-posterior|postero-anterior|\bfrontal\b/.test(m) ? 'frontal' : 'unknown';
}

function fromOrientation(value: string): ViewKind {
  const [rows, columns] = value.trim().toUpperCase().split('\\');
  if (!columns || !/^[HF]/.test(columns)) return 'unknown';
  if (rows === 'A' || rows === 'P') return 'lateral';
  return rows === 'L' || rows === 'R' ? 'frontal' : 'unknown';
}

/** The one word of a description that names a projection, when the description names one kind only. */
function fromDescription(text: string): { kind: ViewKind; word?: string } {
  const words = text.toUpperCase().split(/[^A-Z0-9]+/);
  if (words.some((w) => NEITHER_WORDS.has(w))) return { kind: 'unknown' };
  const lateral = words.find((w) => LATERAL_WORDS.has(w));
  const frontal = words.find((w) => FRONTAL_WORDS.has(w));
  if (lateral && !frontal) return { kind: 'lateral', word: lateral };
  if (frontal && !lateral) return { kind: 'frontal', word: frontal };
  return { kind: 'unknown' };
}

export function viewFromTags(tags: ViewTags): ViewVerdict {
  const position = fromPosition(tags.viewPosition);
  if (position !== 'unknown') {
    return { kind: position, source: 'View Position', said: tags.viewPosition!.trim().toUpperCase() };
  }
  for (const meaning of tags.viewCodeMeanings ?? []) {
    const kind = fromCodeMeaning(meaning);
    if (kind !== 'unknown') return { kind, source: 'View Code Sequence', said: meaning.trim().toLowerCase() };
  }
  if (tags.patientOrientation) {
    const kind = fromOrientation(tags.patientOrientation);
    if (kind !== 'unknown') {
      return { kind, source: 'Patient Orientation', said: tags.patientOrientation.trim().toUpperCase() };
    }
  }
  for (const [source, text] of [
    ['Series Description', tags.seriesDescription],
    ['Protocol Name', tags.protocolName],
  ] as const) {
    if (!text) continue;
    const { kind, word } = fromDescription(text);
    if (kind !== 'unknown') return { kind, source, said: word! };
  }
  return { kind: 'unknown' };
}

/** The reader's verdict (`meta.view`, DICOM), else what View Position alone says (an image made without the reader). */
export function viewOfMeta(meta: { view?: ViewVerdict; viewPosition?: string }): ViewVerdict {
  return meta.view ?? viewFromTags({ viewPosition: meta.viewPosition });
}
