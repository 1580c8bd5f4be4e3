// Anchor boxes of face-api's SSD MobileNetV1 for an input that is not the 512×512 square it was trained on.
//
// The model ships its 5,118 anchors for a 512×512 input (grids 32, 16, 8, 4, 2, 1). Its layers are all
// convolutions, so it runs on any size; only the anchors are tied to the square. A 384×512 portrait padded to the
// square spends a quarter of the work on padding, so the detector instead feeds the image at its own aspect
// (each side padded up to a multiple of 32) and rebuilds the anchors here: the same sizes in pixels, centred where
// each feature-map cell actually looks. With TensorFlow's 'same' padding a stride-2 layer on an odd-sized input pads
// one pixel on the left, which the square never does, so a cell's centre is tracked through every layer rather than
// assumed to be (j + ½) · stride.

/** One convolution along one axis. */
interface ConvStep {
  kernel: 1 | 3;
  stride: 1 | 2;
}

/** Depthwise layers of MobileNetV1 that halve the resolution (face-api's `getStridesForLayerIdx`). */
const STRIDE_2_LAYERS = new Set([2, 4, 6, 12]);

/**
 * The network's convolutions in order along one axis, and after which step each of the six box predictors reads:
 * backbone layer 11 (stride 16), layer 13 (stride 32), then the four extra layers of the prediction head.
 */
function networkSteps(): { steps: ConvStep[]; taps: number[] } {
  const steps: ConvStep[] = [{ kernel: 3, stride: 2 }];
  const taps: number[] = [];
  for (let layer = 1; layer <= 13; layer++) {
    steps.push({ kernel: 3, stride: STRIDE_2_LAYERS.has(layer) ? 2 : 1 }, { kernel: 1, stride: 1 });
    if (layer === 11 || layer === 13) taps.push(steps.length - 1);
  }
  // Prediction layer conv_0 … conv_7: 1×1 then 3×3 stride 2, four times; the stride-2 outputs feed predictors 2–5.
  for (let i = 0; i < 4; i++) {
    steps.push({ kernel: 1, stride: 1 }, { kernel: 3, stride: 2 });
    taps.push(steps.length - 1);
  }
  return { steps, taps };
}

export interface AxisGrid {
  /** Cells along this axis. */
  size: number;
  /** Input pixel (index) a cell j looks at the middle of: offset + stride · j. */
  offset: number;
  stride: number;
}

/** Feature-map size and cell centres along one axis of `inputSize` pixels, for each of the six predictors. */
export function axisGrids(inputSize: number): AxisGrid[] {
  const { steps, taps } = networkSteps();
  const grids: AxisGrid[] = [];
  let size = inputSize;
  let offset = 0;
  let stride = 1;
  steps.forEach((step, i) => {
    const out = Math.ceil(size / step.stride);
    const padTotal = Math.max((out - 1) * step.stride + step.kernel - size, 0);
    const padBefore = Math.floor(padTotal / 2);
    offset += stride * ((step.kernel - 1) / 2 - padBefore);
    stride *= step.stride;
    size = out;
    if (taps.includes(i)) grids.push({ size, offset, stride });
  });
  return grids;
}

/** The square the model was trained on. */
export const SSD_TRAINING_SIZE = 512;

/** Anchors per cell of each predictor, and the trained anchors' grid sizes on the 512 square. */
export const SSD_ANCHORS_PER_CELL = [3, 6, 6, 6, 6, 6] as const;

/**
 * Anchors as centre and size in input pixels (cy, cx, h, w per anchor), ordered as the predictors emit them:
 * predictor, then row, column, anchor. `trained` is the model's own anchor tensor for the 512 square (y0, x0, y1, x1
 * per anchor, normalised), from which the per-cell anchor sizes are read.
 */
export function ssdAnchors(height: number, width: number, trained: Float32Array): Float32Array {
  const trainedGrids = axisGrids(SSD_TRAINING_SIZE);
  const rows = axisGrids(height);
  const cols = axisGrids(width);
  const total = rows.reduce((sum, r, l) => sum + r.size * cols[l]!.size * SSD_ANCHORS_PER_CELL[l]!, 0);
  const out = new Float32Array(total * 4);
  let trainedStart = 0;
  let o = 0;
  rows.forEach((row, l) => {
    const col = cols[l]!;
    const perCell = SSD_ANCHORS_PER_CELL[l]!;
    const t = trainedGrids[l]!;
    // Where the trained anchor centre sits relative to the cell's true centre: half a stride, less the offset the
    // square's padding gave. Kept, so the regression the model learned applies unchanged.
    const shift = 0.5 * t.stride - t.offset;
    for (let y = 0; y < row.size; y++) {
      for (let x = 0; x < col.size; x++) {
        for (let a = 0; a < perCell; a++) {
          const k = (trainedStart + a) * 4;
          out[o++] = row.offset + row.stride * y + shift;
          out[o++] = col.offset + col.stride * x + shift;
          out[o++] = (trained[k + 2]! - trained[k]!) * SSD_TRAINING_SIZE;
          out[o++] = (trained[k + 3]! - trained[k + 1]!) * SSD_TRAINING_SIZE;
        }
      }
    }
    trainedStart += t.size * t.size * perCell;
  });
  return out;
}

/**
 * The model's input size for an image of `height` × `width` (after fitting it inside the 512 square): each side
 * padded up to a multiple of 32, the backbone's final stride. On the test photos padding to 32 found the same
 * faces as padding to 128 or to the square; to 16 it lost some.
 */
export function paddedInputSize(height: number, width: number, multiple = 32): { height: number; width: number } {
  const up = (n: number): number => Math.min(SSD_TRAINING_SIZE, Math.max(multiple, Math.ceil(n / multiple) * multiple));
  return { height: up(height), width: up(width) };
}
