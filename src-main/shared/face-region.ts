// Where the face is when nothing detected or drew a box: shared by the face model's crop (core) and the box a
// person adds from the keyboard (renderer), so "add a box" starts where training would have looked.

export interface FaceRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * For the competition's 384×512 portraits the face fills the middle of the frame, a little above centre: a square
 * of 70% of the shorter side.
 */
export function defaultFaceSquare(width: number, height: number): FaceRect {
  const side = Math.round(0.7 * Math.min(width, height));
  const x = Math.round((width - side) / 2);
  const y = Math.max(0, Math.min(height - side, Math.round(0.45 * height - side / 2)));
  return { x, y, w: side, h: side };
}
