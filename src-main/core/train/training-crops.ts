// Which part of a photo the model sees. In the competition photos the face is a small part of a 384×512 portrait,
// so the trainer crops to the face box (plus a margin) when one exists, and otherwise to the region where the face
// usually is — never silently: the run's settings record the margin, and the box source is in the store.

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
