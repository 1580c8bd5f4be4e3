// How a run's images were cropped, in words for the run detail and the runs table. The default face region is
// spelled out with its reasons, so that training on a guess is never silent.
import type { CropCounts, RunSummary } from '../../../src-main/shared/api-contract';
import { formatCount, plural } from './labels';

export function cropModeText(settings: RunSummary['settings']): string {
  return settings.crop === 'whole-image' ? 'whole photo' : `face box, margin ${settings.cropMargin}`;
}

/** Images trained on the default face region instead of a box. */
export function defaultRegionCount(crops: CropCounts): number {
  return crops.noFace + crops.noBox;
}

/** One line per kind of crop that occurred, largest kinds in a fixed order; empty for a run with no counts. */
export function cropLines(crops: CropCounts | null): { kind: keyof CropCounts | 'default'; text: string }[] {
  if (!crops) return [];
  const lines: ReturnType<typeof cropLines> = [];
  if (crops.box > 0) lines.push({ kind: 'box', text: `${plural(crops.box, 'image')} on a face box` });
  const fallback = defaultRegionCount(crops);
  if (fallback > 0) {
    const why = [
      crops.noFace > 0 ? `${formatCount(crops.noFace)} with no face found` : null,
      crops.noBox > 0 ? `${formatCount(crops.noBox)} never detected or without a box` : null,
    ].filter((part): part is string => part !== null);
    lines.push({
      kind: 'default',
      text: `${plural(fallback, 'image')} on the default face region (${why.join(', ')})`,
    });
  }
  if (crops.whole > 0) lines.push({ kind: 'whole', text: `${plural(crops.whole, 'image')} on the whole photo` });
  return lines;
}
