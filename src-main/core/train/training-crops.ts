// Which part of a photo the model sees. In the competition photos the face is a small part of a 384×512 portrait,
// so by default the trainer crops to the face box (plus a margin) when one exists, and otherwise to the region
// where the face usually is — never silently: the run records its crop mode and margin, and how many images were
// trained on a box, on the default region (and why), or on the whole photo.
import type { CropCounts, TrainSettings } from '../../shared/api-contract';
import { defaultFaceRegion as defaultSquareFaceRegion, squareFaceRegion } from './face-features';
import type { TrainingData } from './training-data';

export interface Crop {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The usual face region of a frontal portrait when no box was found: centred, upper two thirds. */
export function defaultFaceRegion(width: number, height: number): Crop {
  return { x: width * 0.15, y: height * 0.1, w: width * 0.7, h: height * 0.65 };
}

export function cropForTraining(
  kind: 'mask' | 'generic',
  box: readonly [number, number, number, number] | null,
  width: number,
  height: number,
  margin: number,
): Crop | null {
  if (box) {
    const [x, y, w, h] = box;
    return clip(
      { x: x - w * margin, y: y - h * margin, w: w * (1 + 2 * margin), h: h * (1 + 2 * margin) },
      width,
      height,
    );
  }
  if (kind === 'mask' && width > 0 && height > 0) return defaultFaceRegion(width, height);
  return null;
}

function clip(crop: Crop, width: number, height: number): Crop {
  if (width <= 0 || height <= 0) return crop;
  const x = Math.max(0, crop.x);
  const y = Math.max(0, crop.y);
  return { x, y, w: Math.min(width, crop.x + crop.w) - x, h: Math.min(height, crop.y + crop.h) - y };
}

export type CropSource = keyof CropCounts;

/** What one run crops each example to, for the tensor cache and the face model, and why. */
export interface TrainingCropPlan {
  /** Per example: the region decoded into the tensor cache; null is the whole photo. */
  tensor: (Crop | null)[];
  /**
   * Per example: the square the face model reads (competition layout, quick mode). The face nets want a square
   * face chip, so the box is squared around its centre with the same margin; in 'whole-image' mode the whole frame.
   */
  face: Crop[];
  /** Per example: what the crop is. */
  sources: CropSource[];
  counts: CropCounts;
}

export function planTrainingCrops(
  data: Pick<TrainingData, 'kind' | 'boxes' | 'widths' | 'heights' | 'noFaceFound'>,
  settings: Pick<TrainSettings, 'crop' | 'cropMargin'>,
): TrainingCropPlan {
  const n = data.boxes.length;
  const plan: TrainingCropPlan = {
    tensor: new Array<Crop | null>(n),
    face: new Array<Crop>(n),
    sources: new Array<CropSource>(n),
    counts: { box: 0, noFace: 0, noBox: 0, whole: 0 },
  };
  const margin = settings.cropMargin;
  for (let i = 0; i < n; i++) {
    const width = data.widths[i]!;
    const height = data.heights[i]!;
    const box = settings.crop === 'face-box' ? (data.boxes[i] ?? null) : null;
    const tensor = settings.crop === 'face-box' ? cropForTraining(data.kind, box, width, height, margin) : null;
    let source: CropSource;
    if (box) {
      source = 'box';
      plan.face[i] = squareFaceRegion({ x: box[0], y: box[1], w: box[2], h: box[3] }, width, height, margin);
    } else if (tensor === null) {
      source = 'whole';
      plan.face[i] = { x: 0, y: 0, w: width, h: height };
    } else {
      source = data.noFaceFound[i] ? 'noFace' : 'noBox';
      plan.face[i] = defaultSquareFaceRegion(width, height);
    }
    plan.tensor[i] = tensor;
    plan.sources[i] = source;
    plan.counts[source]++;
  }
  return plan;
}
