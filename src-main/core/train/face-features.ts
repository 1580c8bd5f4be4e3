// Frozen features of a face photo from networks whose weights ship inside @vladmandic/face-api (read from disk,
// nothing downloaded):
//   [0, 512)    age/gender net (TinyXception): the pooled penultimate layer, trained for age and gender;
//   [512, 640)  face-recognition net (ResNet-34-like, dlib's): the 128-d identity embedding, which also responds
//               to what covers the face;
//   [640, 704)  lower half of the crop, where a mask sits: mean R, G, B and luminance spread per cell of a 4×4 grid.
// One decode per image (150×150 RGB crop, via the shared media pipeline); the age/gender net reads the same
// tensor at 112×112. Both nets run as fused forward passes with face-api's weights (face-feature-nets.ts). Measured
// on the project's 2-core machine with the wasm backend (one thread, 4 crops a pass): ~31 ms of CPU a crop for both
// networks (face-api's own forward passes: ~42 ms; recognition is two thirds of it), plus ~4 ms for the decode; the
// training run reads them 4 crops a pass on one worker per core (face-feature-pool.ts) and caches the results per
// image.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeForModel } from '../media/image-decoder';
import { fuseFaceNets, type RecognitionParams, type TinyXceptionParams } from './face-feature-nets';
import { initBackend } from './tf-backend';
import type { Tf, TfBackend } from './tf-backend';
import { defaultFaceSquare } from '../../shared/face-region';

export interface FaceRegion {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const FACE_INPUT_SIZE = 150;
export const FACE_FEATURE_LAYOUT = {
  ageGender: [0, 512],
  recognition: [512, 640],
  lowerFaceColour: [640, 704],
} as const;
export const FACE_FEATURE_DIM = 704;

const GRID = 4;

/** Where the face is when nothing detected or drew a box (shared with the renderer's "add box"). */
export const defaultFaceRegion: (width: number, height: number) => FaceRegion = defaultFaceSquare;

/** A box grown to a square around its centre with a margin (detector boxes are tight), clipped to the image. */
export function squareFaceRegion(box: FaceRegion, width: number, height: number, margin = 0.1): FaceRegion {
  const side = Math.min(Math.max(box.w, box.h) * (1 + 2 * margin), width, height);
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const x = Math.max(0, Math.min(width - side, cx - side / 2));
  const y = Math.max(0, Math.min(height - side, cy - side / 2));
  return { x: Math.round(x), y: Math.round(y), w: Math.round(side), h: Math.round(side) };
}

// The slice of face-api this module uses. Its bundled type declarations carry their own copy of the tfjs types,
// which do not unify with @tensorflow/tfjs's, so the API is described here instead.
interface FaceApiNet {
  loadFromDisk(dir: string): Promise<void>;
  dispose(): void;
}
interface FaceApi {
  tf: Tf;
  nets: {
    ageGenderNet: FaceApiNet & { faceFeatureExtractor: { params: TinyXceptionParams } };
    faceRecognitionNet: FaceApiNet & { params: RecognitionParams };
  };
}

export interface FaceFeatureExtractor {
  dim: number;
  /** Features of a 150×150 RGB crop (row-major HWC bytes). */
  fromPixels(pixels: Uint8Array): Promise<Float32Array>;
  /**
   * Features of several crops in one forward pass: on one wasm thread, 4 crops a pass took ~60% of the time a crop
   * alone took each (the convolutions reuse their weights across the batch).
   */
  fromPixelsBatch(batch: readonly Uint8Array[]): Promise<Float32Array[]>;
  /** Decodes `path`, crops `region` (squared, with a margin) or the default region, and extracts. */
  fromFile(path: string, imageWidth: number, imageHeight: number, region: FaceRegion | null): Promise<Float32Array>;
  /** Decodes `path`, crops exactly `crop` (resized to 150×150 without keeping its aspect), and extracts. */
  fromCrop(path: string, crop: FaceRegion): Promise<Float32Array>;
  dispose(): void;
}

export function faceModelDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/**
 * Loads both networks. face-api's node-wasm build runs on @tensorflow/tfjs (not tfjs-node), so it runs on a backend
 * of that copy: wasm unless the caller started WebGPU (the training worker, when WebGPU was chosen or found).
 */
export async function loadFaceFeatureExtractor(
  modelDir: string = faceModelDir(),
  backend?: TfBackend,
): Promise<FaceFeatureExtractor> {
  const require = createRequire(import.meta.url);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  const { tf } = faceapi;
  const name = backend?.name ?? 'wasm';
  if (name !== 'wasm' && name !== 'webgpu') throw new Error(`face features run on wasm or webgpu, not ${name}`);
  if (!backend) await initBackend('wasm');
  else await tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error('face-api resolved a different copy of @tensorflow/tfjs');
  const { ageGenderNet, faceRecognitionNet } = faceapi.nets;
  await ageGenderNet.loadFromDisk(modelDir);
  await faceRecognitionNet.loadFromDisk(modelDir);
  const nets = fuseFaceNets(tf, ageGenderNet.faceFeatureExtractor.params, faceRecognitionNet.params);

  const fromPixelsBatch = async (batch: readonly Uint8Array[]): Promise<Float32Array[]> => {
    const size = FACE_INPUT_SIZE;
    for (const pixels of batch)
      if (pixels.length !== size * size * 3)
        throw new Error(`expected ${size}×${size} RGB, got ${pixels.length} bytes`);
    if (batch.length === 0) return [];
    const pixels = new Float32Array(batch.length * size * size * 3);
    batch.forEach((crop, b) => pixels.set(crop, b * crop.length));
    const input = tf.tensor4d(pixels, [batch.length, size, size, 3]);
    let ageGender: Float32Array;
    let recognition: Float32Array;
    try {
      const [a, r] = nets.forward(input);
      try {
        ageGender = (await a.data()) as Float32Array;
        recognition = (await r.data()) as Float32Array;
      } finally {
        a.dispose();
        r.dispose();
      }
    } finally {
      input.dispose();
    }
    const [agStart, agEnd] = FACE_FEATURE_LAYOUT.ageGender;
    const [recStart, recEnd] = FACE_FEATURE_LAYOUT.recognition;
    return batch.map((pixels, b) => {
      const out = new Float32Array(FACE_FEATURE_DIM);
      out.set(ageGender.subarray(b * (agEnd - agStart), (b + 1) * (agEnd - agStart)), agStart);
      out.set(recognition.subarray(b * (recEnd - recStart), (b + 1) * (recEnd - recStart)), recStart);
      lowerFaceColour(pixels, size, out, FACE_FEATURE_LAYOUT.lowerFaceColour[0]);
      return out;
    });
  };
  const fromPixels = async (pixels: Uint8Array): Promise<Float32Array> => (await fromPixelsBatch([pixels]))[0]!;

  const fromCrop = async (path: string, crop: FaceRegion): Promise<Float32Array> =>
    fromPixels(await decodeFaceCrop(path, crop));

  return {
    dim: FACE_FEATURE_DIM,
    fromPixels,
    fromPixelsBatch,
    fromCrop,
    fromFile(path, imageWidth, imageHeight, region) {
      return fromCrop(
        path,
        region ? squareFaceRegion(region, imageWidth, imageHeight) : defaultFaceRegion(imageWidth, imageHeight),
      );
    },
    dispose() {
      nets.dispose();
      ageGenderNet.dispose();
      faceRecognitionNet.dispose();
    },
  };
}

/** The 150×150 RGB pixels the face networks read from `crop` of the image at `path`. */
export function decodeFaceCrop(path: string, crop: FaceRegion): Promise<Uint8Array> {
  return decodeForModel(path, {
    width: FACE_INPUT_SIZE,
    height: FACE_INPUT_SIZE,
    channels: 3,
    crop: { x: crop.x, y: crop.y, w: crop.w, h: crop.h },
  });
}

/** Mean R, G, B (0…1) and luminance standard deviation per cell of a GRID × GRID split of the crop's lower half. */
export function lowerFaceColour(pixels: Uint8Array, size: number, out: Float32Array, offset: number): void {
  const top = Math.floor(size / 2);
  const rows = size - top;
  for (let gy = 0; gy < GRID; gy++) {
    for (let gx = 0; gx < GRID; gx++) {
      const y0 = top + Math.floor((gy * rows) / GRID);
      const y1 = top + Math.floor(((gy + 1) * rows) / GRID);
      const x0 = Math.floor((gx * size) / GRID);
      const x1 = Math.floor(((gx + 1) * size) / GRID);
      let r = 0;
      let g = 0;
      let b = 0;
      let lum = 0;
      let lumSq = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = (y * size + x) * 3;
          const R = pixels[p]! / 255;
          const G = pixels[p + 1]! / 255;
          const B = pixels[p + 2]! / 255;
          r += R;
          g += G;
          b += B;
          const l = 0.299 * R + 0.587 * G + 0.114 * B;
          lum += l;
          lumSq += l * l;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = offset + (gy * GRID + gx) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = Math.sqrt(Math.max(lumSq / n - (lum / n) ** 2, 0));
    }
  }
}
