/**
 * A Secondary Capture for the clinic's PACS (PS3.3 A.8.1): the film with the AI's evidence drawn over it and a
 * text panel beside it (AI triage, the reader, the findings called present, the impression), so a PACS viewer
 * that cannot show SR still shows the read next to the film. In: the ReportView, the clinic's identity (the SC
 * joins the original study), the film JPEG (with or without evidence). Out: Part 10 bytes, RGB, explicit VR
 * little endian, Burned In Annotation YES (the panel is text; no patient identity is drawn into it).
 * Text is rendered by sharp with the DejaVu Sans file from the `dejavu-fonts-ttf` package.
 */
import { createRequire } from 'node:module';
import sharp from 'sharp';
import type { LocalIdentity } from '../store/read-identity.ts';
import { dicomDateTime, part10, SECONDARY_CAPTURE, uidFor } from './dicom-part10.ts';
import type { ReportView } from './report-view.ts';
import { patientAndStudy } from './write-sr.ts';

const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const PANEL_WIDTH = 560;

/** Pango markup needs &, < and > escaped. */
function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelText(view: ReportView): string {
  const read = view.reads[view.reads.length - 1];
  const lines = [`<b>AI triage: ${escapeMarkup(view.ai.advice)}</b>`];
  if (view.ai.model) lines.push(`Model ${escapeMarkup(view.ai.model)} (decision support)`);
  if (read) {
    lines.push('', `<b>${escapeMarkup(read.title)}</b>`, `Read by ${escapeMarkup(read.reader)}`, read.signedAt);
    const present = read.findings.filter((f) => f.decision === 'present').map((f) => f.name);
    lines.push(`Findings present: ${escapeMarkup(present.length > 0 ? present.join(', ') : 'none')}`);
    const impression = read.impression.length > 600 ? `${read.impression.slice(0, 600)}…` : read.impression;
    lines.push('', '<b>Impression</b>', escapeMarkup(impression || '—'));
    if (read.addendum) lines.push('', '<b>Addendum</b>', escapeMarkup(read.addendum.slice(0, 600)));
  }
  return lines.join('\n');
}

export async function writeSecondaryCapture(input: {
  view: ReportView;
  identity: LocalIdentity;
  film: Buffer;
  madeAt: Date;
  institution: string;
}): Promise<Buffer> {
  const { view, identity } = input;
  const film = await sharp(input.film).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const panel = await sharp({
    text: {
      text: panelText(view),
      fontfile: FONT,
      font: 'DejaVu Sans 14',
      width: PANEL_WIDTH - 40,
      dpi: 96,
      rgba: true,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const width = film.info.width + PANEL_WIDTH;
  const height = Math.max(film.info.height, panel.info.height + 40);
  const { data } = await sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([
      {
        input: film.data,
        raw: { width: film.info.width, height: film.info.height, channels: film.info.channels },
        left: 0,
        top: 0,
      },
      { input: await sharp(panel.data).negate({ alpha: false }).toBuffer(), left: film.info.width + 20, top: 20 },
    ])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const made = dicomDateTime(input.madeAt);
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const even = pixels.length % 2 === 0 ? pixels : Uint8Array.from([...pixels, 0]);
  return part10({
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: uidFor(`sc:${view.resultId}:${view.version}`),
    ...patientAndStudy(identity),
    Modality: 'OT',
    SeriesInstanceUID: uidFor(`sc-series:${view.resultId}`),
    SeriesNumber: '9002',
    SeriesDescription: 'AI triage and read (cxr-edge)',
    Manufacturer: 'cxr-edge',
    InstitutionName: input.institution,
    ConversionType: 'WSD',
    InstanceNumber: String(view.version),
    ContentDate: made.date,
    ContentTime: made.time,
    DateOfSecondaryCapture: made.date,
    TimeOfSecondaryCapture: made.time,
    BurnedInAnnotation: 'YES',
    ImageComments: 'AI output is decision support, not a diagnosis',
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: height,
    Columns: width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [even.buffer.slice(even.byteOffset, even.byteOffset + even.byteLength)],
    _vrMap: { PixelData: 'OB' },
  });
}
