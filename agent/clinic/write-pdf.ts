/**
 * The PDF report clinic staff read (pdfkit). In: a ReportView (patient and study as the clinic knows them, the AI
 * triage, every version of the read), the film preview and the film with the AI's evidence (JPEGs, optional), the
 * site's name and the time it is made. Out: PDF bytes. Text is set in DejaVu Sans, embedded from the
 * `dejavu-fonts-ttf` npm package (any script a patient name may use; nothing is downloaded). Addenda are marked
 * as such; the original read is always kept above them.
 */
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { ReportView } from './report-view.ts';

const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export interface PdfInput {
  view: ReportView;
  siteName: string;
  preview?: Buffer;
  evidence?: { jpeg: Buffer; finding: string };
  generatedAt: Date;
}

const URGENT = '#b00020';
const GREY = '#555555';

export async function writeReportPdf(input: PdfInput): Promise<Buffer> {
  const { view } = input;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: {
      Title: `Chest X-ray report ${view.resultId.slice(0, 12)} v${view.version}`,
      Creator: 'cxr-edge agent',
      CreationDate: input.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);
  const width = doc.page.width - 96;

  doc.font('bold').fontSize(20).text('Chest X-ray report');
  doc.font('body').fontSize(10).fillColor(GREY).text(`${input.siteName} · AI triage and radiologist’s read`);
  doc.moveDown(0.8);

  doc.fillColor('black').font('bold').fontSize(16).text(view.patient.name);
  const patientLine = [
    view.patient.id && `Patient ID ${view.patient.id}`,
    view.patient.birthDate && `born ${view.patient.birthDate}`,
    view.patient.sex && `sex ${view.patient.sex}`,
  ].filter(Boolean);
  const studyLine = [
    view.study.date && `Study ${view.study.date}${view.study.time ? ` ${view.study.time}` : ''}`,
    view.study.accession && `Accession ${view.study.accession}`,
    view.study.description,
  ].filter(Boolean);
  doc.font('body').fontSize(11);
  if (patientLine.length > 0) doc.text(patientLine.join(' · '));
  if (studyLine.length > 0) doc.text(studyLine.join(' · '));
  else if (view.study.fileName) doc.text(`File ${view.study.fileName}`);
  doc.moveDown(0.8);

  doc
    .font('bold')
    .fontSize(13)
    .fillColor(view.ai.urgent ? URGENT : 'black')
    .text(`AI triage: ${view.ai.advice}`);
  doc.font('body').fontSize(10).fillColor('black');
  const top = view.ai.probabilities
    .slice(0, 4)
    .map((p) => `${p.name} ${Math.round(p.probability * 100)}%`)
    .join(' · ');
  if (view.ai.score !== undefined) doc.text(`Abnormality score ${view.ai.score.toFixed(2)} · ${top}`);
  else if (top) doc.text(top);
  if (view.ai.model)
    doc.fillColor(GREY).text(`Model ${view.ai.model}. AI output is decision support, not a diagnosis.`);
  doc.fillColor('black').moveDown(0.6);

  const images = [
    input.preview && { jpeg: input.preview, caption: 'Film (preview)' },
    input.evidence && { jpeg: input.evidence.jpeg, caption: `AI evidence: ${input.evidence.finding}` },
  ].filter((i): i is { jpeg: Buffer; caption: string } => Boolean(i));
  if (images.length > 0) {
    const y = doc.y;
    const boxWidth = (width - 16) / 2;
    images.forEach((image, i) => {
      const x = 48 + i * (boxWidth + 16);
      doc.image(image.jpeg, x, y, { fit: [boxWidth, 220], align: 'center' });
      doc
        .fontSize(9)
        .fillColor(GREY)
        .text(image.caption, x, y + 224, { width: boxWidth, align: 'center' });
    });
    doc.fillColor('black').text('', 48, y + 244);
    doc.moveDown(0.6);
  }

  if (view.reads.length === 0) {
    doc.font('bold').fontSize(13).text('Waiting for a radiologist’s read.');
  }
  for (const read of view.reads) {
    if (doc.y > doc.page.height - 160) doc.addPage();
    const heading = read.version === 1 ? read.title : `${read.title.toUpperCase()} (added after the original read)`;
    doc.font('bold').fontSize(13).fillColor('black').text(heading);
    doc.font('body').fontSize(10).fillColor(GREY).text(`Read by ${read.reader} · signed ${read.signedAt}`);
    doc.fillColor('black').fontSize(11);
    if (read.findings.length > 0) {
      doc.moveDown(0.3).font('bold').text('Findings');
      doc.font('body');
      for (const f of read.findings) doc.text(`• ${f.name}: ${f.decision}`, { indent: 8 });
    }
    doc.moveDown(0.3).font('bold').text('Impression');
    doc.font('body').text(read.impression || '—', { width });
    if (read.addendum) {
      doc.moveDown(0.3).font('bold').text('Addendum');
      doc.font('body').text(read.addendum, { width });
    }
    doc.moveDown(0.8);
  }

  doc
    .fontSize(8)
    .fillColor(GREY)
    .text(
      `Result ${view.resultId.slice(0, 16)} · report version ${view.version} · made ${input.generatedAt.toISOString()}`,
    );
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
