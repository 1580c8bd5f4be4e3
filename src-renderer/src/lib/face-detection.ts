// How face-detection results read in the UI.
import type { DetectResult, DetectSummary } from '../../../src-main/shared/api-contract';
import { formatCount, plural } from './labels';

/** "Looked at 120 photos: 118 faces, 2 with no face found. 30 skipped. 1 unreadable." */
export function detectResultText(r: DetectResult): string {
  const parts = [
    `Looked at ${plural(r.images, 'photo')}: ${plural(r.faces, 'face')}, ${formatCount(r.no_face)} with no face found.`,
  ];
  if (r.skipped > 0)
    parts.push(`${formatCount(r.skipped)} skipped (already looked at, or boxes a person drew or imported).`);
  if (r.failed > 0) parts.push(`${formatCount(r.failed)} could not be read.`);
  return parts.join(' ');
}

export interface SummaryRow {
  key: string;
  label: string;
  count: number;
}

/** The Faces panel's table: what a detector has looked at, and the boxes by where they came from. */
export function summaryRows(s: DetectSummary): SummaryRow[] {
  return [
    { key: 'looked', label: 'Photos looked at', count: s.looked },
    { key: 'with-face', label: 'With a face', count: s.withFace },
    { key: 'no-face', label: 'No face found', count: s.noFace },
    { key: 'unchecked', label: 'Not looked at yet', count: Math.max(0, s.images - s.looked) },
    { key: 'detected', label: 'Boxes detected', count: s.boxes.detected },
    { key: 'manual', label: 'Boxes drawn or edited by a person', count: s.boxes.manual },
    { key: 'imported', label: 'Boxes imported', count: s.boxes.imported },
  ];
}
