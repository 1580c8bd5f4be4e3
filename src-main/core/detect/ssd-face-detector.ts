// Face detection with face-api's SSD MobileNetV1, the detector that held up best on faces with the lower half
// covered. The detection job runs it on the photos the portrait look leaves (face-detector.ts): group photos, small
// faces, faces the short-range detector is unsure of. Its weights ship inside @vladmandic/face-api (read from disk,
// nothing downloaded) and run on the tfjs wasm backend.
//
// face-api loads and parses the weights; the forward pass is Loupe's own, for speed on one wasm thread:
//  - batch norms folded into the depthwise filters, and every convolution fused with its bias and ReLU6 (face-api
//    runs conv, batchNorm, add and clip as separate kernels: ~330 ms a 512 square against ~240 ms fused);
//  - the image fed at its own aspect (sides padded to a multiple of 32) instead of padded to the 512 square, with
//    anchors rebuilt for that size (ssd-anchors.ts);
//  - scores, box decoding and non-maximum suppression in plain JS on the raw outputs.
// On the 512 square the outputs equal face-api's `locateFaces` (checked in the tests).
//
// Up to three passes, because the model finds faces best when they are 50–130 pixels tall in its input, and
// faces with the lower half covered better a little larger. A file is first glanced at with its long side at 192
// pixels (GLANCE_SIDE): a close-up portrait (the competition's 384×512 photos) has its face there at 85–140 pixels,
// and when every face the glance finds scores at least GLANCE_CONFIDENT and one is large, the photo is done at ~40%
// of the work of the close-up pass. Otherwise it is read with its long side at 320 (the close-up pass), where a
// masked face scores higher (at the glance two of the 24 masked test portraits show no candidate above 0.1). If no
// face that large turns up there but a smaller one does, or a candidate scoring at least SECOND_PASS_HINT (under
// the threshold), the photo is read again at 512, where the faces of a group photo are big enough. A photo where
// the close-up pass saw nothing face-like at all is done after it: on the test photos every group photo whose 512
// pass found a face had shown a face at 320 already, and the one portrait (of 245 recoloured, rescaled ones) where
// only 512 found the face had a 0.12 candidate at 320; blank frames and drawn faces (best candidate 0.02–0.06)
// found nothing at 512 either. On the test photos, 512 alone found 19 of 24 masked faces in portraits cut from them
// and 320 alone 17 of 24 masked faces in the group photos; the passes together found 24 and 22, with no false box.
// The glance changes no count there; it ends the search for 22 of 24 plain and 15 of 24 masked portraits, which
// then cost ~45 ms of one core instead of ~85 (blank frames, drawn faces and group photos pay it on top: ~40 ms).
import { createRequire } from 'node:module';
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs';
import { decodeForDetector, readImageFile, type DetectorImage } from '../media/image-decoder';
import { faceModelDir } from '../train/face-features';
import { initBackend, type Tf } from '../train/tf-backend';
import { clipRect, nonMaxSuppression, signedUnitCanvas, type ScoredRect } from './box-geometry';
import { SSD_TRAINING_SIZE, paddedInputSize, ssdAnchors } from './ssd-anchors';

export const SSD_DETECTOR_NAME = 'ssd_mobilenetv1';

/** A face in the image's displayed pixels, with the detector's confidence (0…1). */
export type DetectedFace = ScoredRect;

export interface FaceDetectorOptions {
  /** Faces scoring below this are dropped (face-api's default is 0.5). */
  minScore?: number;
  /** How boxes overlapping a better one are suppressed (face-api's SSD uses 0.5). */
  maxOverlap?: number;
  maxFaces?: number;
  /**
   * Tallest a box may be, as height over width; taller boxes are cut from the bottom. On faces with the lower half
   * covered the model's box often runs down the mask onto the neck (h/w of 1.8–2.2 where the face is 1.2–1.5),
   * while its top and sides stay right. Person-checked face boxes here run 1.1–1.9.
   */
  maxAspect?: number;
  /**
   * 'fit' (default): the image at its own aspect, padded to multiples of 32. 'square': padded to 512 × 512 as
   * face-api does — slower; kept to check 'fit' against.
   */
  layout?: 'fit' | 'square';
  /** false: `detectFile` reads every photo at 512 only (for comparison in tests and the bench). */
  closeUpPass?: boolean;
  /** Long side of the close-up pass (default CLOSE_UP_SIDE). */
  closeUpSide?: number;
  /**
   * Long side of a glance taken before the close-up pass (default GLANCE_SIDE); 0 for none. A photo whose glance
   * shows only large faces scoring at least GLANCE_CONFIDENT is done after it.
   */
  glanceSide?: number;
  /**
   * When the close-up pass finds no face of CLOSE_UP_MIN_FACE: 'hinted' (default) reads the photo at 512 only if
   * that pass found a smaller face or a candidate of SECOND_PASS_HINT; 'always' reads it at 512 regardless.
   */
  secondPass?: 'hinted' | 'always';
}

export interface FaceDetector {
  /** Faces in an image decoded by `decodeForDetector` with a long side of at most 512. */
  detect(image: DetectorImage): Promise<DetectedFace[]>;
  /**
   * Faces in a file (its path, or its bytes from readImageFile), in its displayed pixels: the glance, then the
   * close-up and 512 passes as needed.
   */
  detectFile(
    source: string | Buffer,
  ): Promise<{ width: number; height: number; faces: DetectedFace[]; passes: number }>;
  dispose(): void;
}

/** Long side of the close-up pass. */
export const CLOSE_UP_SIDE = 320;
/** Long side of the glance, the first look, at about 40% of the close-up pass's work. */
export const GLANCE_SIDE = 192;
/**
 * A glance ends the search only when every face it found scores at least this (and is large). Faces with the lower
 * half covered score lower at the glance's size than in the close-up pass (0.06–0.96 against 0.38–0.99 on the test
 * portraits), and weak second boxes at the glance (0.3–0.5) were not there in the close-up pass.
 */
export const GLANCE_CONFIDENT = 0.6;
/**
 * A face at least this tall, as a fraction of the close-up pass's long side, ends the search there. Portrait faces
 * measure 0.44–0.72 of it and group-photo faces 0.12–0.16; any value from 0.2 to 0.35 gave the same results on
 * the test photos.
 */
export const CLOSE_UP_MIN_FACE = 0.25;
/**
 * A candidate scoring at least this (below the run's threshold) makes the close-up pass inconclusive: the photo is
 * read again at 512. Portraits whose face the close-up pass missed showed one at 0.12–0.25; blank frames and drawn
 * faces none above 0.06.
 */
export const SECOND_PASS_HINT = 0.1;

// The slice of face-api used here; its bundled types carry their own copy of tfjs types (see face-features.ts).
interface PointwiseParams {
  filters: Tensor4D;
  batch_norm_offset: Tensor1D;
}
interface DepthwiseParams {
  filters: Tensor4D;
  batch_norm_scale: Tensor1D;
  batch_norm_offset: Tensor1D;
  batch_norm_mean: Tensor1D;
  batch_norm_variance: Tensor1D;
}
interface ConvParams {
  filters: Tensor4D;
  bias: Tensor1D;
}
interface SsdParams {
  mobilenetv1: Record<string, PointwiseParams & { depthwise_conv: DepthwiseParams; pointwise_conv: PointwiseParams }>;
  prediction_layer: Record<
    string,
    PointwiseParams & { box_encoding_predictor: ConvParams; class_predictor: ConvParams }
  >;
  output_layer: { extra_dim: Tensor };
}
interface SsdNet {
  loadFromDisk(dir: string): Promise<void>;
  params: SsdParams;
  dispose(): void;
}
interface FaceApi {
  tf: Tf;
  SsdMobilenetv1: new () => SsdNet;
}

/** face-api's batch-norm epsilon for the backbone. */
const BATCH_NORM_EPSILON = 0.0010000000474974513;
const STRIDE_2_LAYERS = new Set([2, 4, 6, 12]);

interface Conv {
  filters: Tensor4D;
  bias: Tensor1D;
  stride: 1 | 2;
}

export async function loadSsdFaceDetector(
  options: FaceDetectorOptions = {},
  modelDir: string = faceModelDir(),
): Promise<FaceDetector> {
  const {
    minScore = 0.5,
    maxOverlap = 0.5,
    maxFaces = 100,
    maxAspect = 1.7,
    layout = 'fit',
    closeUpPass = true,
    closeUpSide = CLOSE_UP_SIDE,
    glanceSide = GLANCE_SIDE,
    secondPass = 'hinted',
  } = options;
  const require = createRequire(import.meta.url);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  const { tf } = faceapi;
  await initBackend('wasm');
  if (tf.getBackend() !== 'wasm') throw new Error('face-api resolved a different copy of @tensorflow/tfjs');
  // An instance of our own: face-api's `nets.ssdMobilenetv1` is one shared object, so a second detector loading
  // into it would replace (and dispose) the first one's weights.
  const net = new faceapi.SsdMobilenetv1();
  await net.loadFromDisk(modelDir);
  const params = net.params;

  const owned: Tensor[] = [];
  const pointwise = (p: PointwiseParams, stride: 1 | 2): Conv => ({
    filters: p.filters,
    bias: p.batch_norm_offset,
    stride,
  });
  // y = γ (conv(x) − μ) / √(σ² + ε) + β  ⇒  filters · s and bias β − μ s, with s = γ / √(σ² + ε).
  const depthwise = (p: DepthwiseParams, stride: 1 | 2): Conv =>
    tf.tidy(() => {
      const s = tf.div(p.batch_norm_scale, tf.sqrt(tf.add(p.batch_norm_variance, BATCH_NORM_EPSILON)));
      const filters = tf.keep(tf.mul<Tensor4D>(p.filters, tf.reshape(s, [1, 1, -1, 1])));
      const bias = tf.keep(tf.sub<Tensor1D>(p.batch_norm_offset, tf.mul(p.batch_norm_mean, s)));
      owned.push(filters, bias);
      return { filters, bias, stride };
    });

  const mb = params.mobilenetv1;
  const backbone: (Conv & { depthwise: boolean })[] = [{ ...pointwise(mb.conv_0!, 2), depthwise: false }];
  for (let layer = 1; layer <= 13; layer++) {
    const pair = mb[`conv_${layer}`]!;
    backbone.push({ ...depthwise(pair.depthwise_conv, STRIDE_2_LAYERS.has(layer) ? 2 : 1), depthwise: true });
    backbone.push({ ...pointwise(pair.pointwise_conv, 1), depthwise: false });
  }
  const pl = params.prediction_layer;
  const head = Array.from({ length: 8 }, (_, i) => pointwise(pl[`conv_${i}`]!, i % 2 === 1 ? 2 : 1));
  const predictors = Array.from({ length: 6 }, (_, i) => pl[`box_predictor_${i}`]!);
  const trainedAnchors = (await params.output_layer.extra_dim.data()) as Float32Array;
  const anchorCache = new Map<string, Float32Array>();

  const conv = (x: Tensor4D, c: Conv, activation: 'relu6' | 'linear' = 'relu6'): Tensor4D =>
    tf.fused.conv2d({ x, filter: c.filters, strides: c.stride, pad: 'same', bias: c.bias, activation });

  /** Box encodings [n, 4] and class logits [n, 3] for a [1, h, w, 3] input scaled to −1…1. */
  const forward = (x: Tensor4D): [Tensor, Tensor] =>
    tf.tidy(() => {
      let out = x;
      let layer11: Tensor4D | null = null;
      backbone.forEach((c, i) => {
        out = c.depthwise
          ? tf.fused.depthwiseConv2d({
              x: out,
              filter: c.filters,
              strides: c.stride,
              pad: 'same',
              bias: c.bias,
              activation: 'relu6',
            })
          : conv(out, c);
        // Step 0 is conv_0; layer n's pointwise convolution is step 2n.
        if (i === 22) layer11 = out;
      });
      const features: Tensor4D[] = [layer11!, out];
      let h = out;
      head.forEach((c, i) => {
        h = conv(h, c);
        if (i % 2 === 1) features.push(h);
      });
      const boxes: Tensor[] = [];
      const classes: Tensor[] = [];
      features.forEach((f, i) => {
        const p = predictors[i]!;
        const linear = (c: ConvParams): Tensor4D => conv(f, { ...c, stride: 1 }, 'linear');
        boxes.push(tf.reshape(linear(p.box_encoding_predictor), [-1, 4]));
        classes.push(tf.reshape(linear(p.class_predictor), [-1, 3]));
      });
      return [tf.concat(boxes, 0), tf.concat(classes, 0)];
    });

  const logitOf = (score: number): number => Math.log(score / (1 - score));

  /** Faces scoring at least `floor` (≤ minScore), suppressed and clipped as `detect` returns them. */
  const candidatesIn = async (image: DetectorImage, floor: number): Promise<DetectedFace[]> => {
    const { width, height } = image;
    if (Math.max(width, height) > SSD_TRAINING_SIZE)
      throw new Error(`detector input ${width}×${height} exceeds ${SSD_TRAINING_SIZE} pixels`);
    const input =
      layout === 'square' ? { height: SSD_TRAINING_SIZE, width: SSD_TRAINING_SIZE } : paddedInputSize(height, width);
    const key = `${input.height}x${input.width}`;
    let anchors = anchorCache.get(key);
    if (!anchors) {
      anchors = ssdAnchors(input.height, input.width, trainedAnchors);
      anchorCache.set(key, anchors);
    }
    const x = tf.tensor4d(signedUnitCanvas(image, input.width, input.height), [1, input.height, input.width, 3]);
    let encodings: Float32Array;
    let logits: Float32Array;
    try {
      const [boxT, classT] = forward(x);
      try {
        encodings = (await boxT.data()) as Float32Array;
        logits = (await classT.data()) as Float32Array;
      } finally {
        boxT.dispose();
        classT.dispose();
      }
    } finally {
      x.dispose();
    }
    if (encodings.length !== anchors.length) throw new Error('detector output does not match its anchors');
    const minLogit = logitOf(floor);
    const scaleX = image.sourceWidth / width;
    const scaleY = image.sourceHeight / height;
    const candidates: DetectedFace[] = [];
    for (let i = 0; i < anchors.length / 4; i++) {
      // Class 1 of (background, face, unused) is the face score, a sigmoid of the logit.
      const logit = logits[i * 3 + 1]!;
      if (logit < minLogit) continue;
      const [acy, acx, ah, aw] = [anchors[i * 4]!, anchors[i * 4 + 1]!, anchors[i * 4 + 2]!, anchors[i * 4 + 3]!];
      const cy = (encodings[i * 4]! / 10) * ah + acy;
      const cx = (encodings[i * 4 + 1]! / 10) * aw + acx;
      const h = Math.exp(encodings[i * 4 + 2]! / 5) * ah;
      const w = Math.exp(encodings[i * 4 + 3]! / 5) * aw;
      candidates.push({ x: cx - w / 2, y: cy - h / 2, w, h, score: 1 / (1 + Math.exp(-logit)) });
    }
    // Suppressed before clipping, as face-api does: a box running off the edge still suppresses its duplicates.
    return nonMaxSuppression(candidates, maxOverlap, maxFaces).flatMap((raw) => {
      const b = clipRect({ ...raw, h: Math.min(raw.h, maxAspect * raw.w) }, width, height);
      return b ? [{ x: b.x * scaleX, y: b.y * scaleY, w: b.w * scaleX, h: b.h * scaleY, score: b.score }] : [];
    });
  };

  // In greedy suppression only a higher-scoring box suppresses another, so the faces at minScore come out the same
  // whether or not weaker candidates were scored beside them.
  const detect = async (image: DetectorImage): Promise<DetectedFace[]> => candidatesIn(image, minScore);
  const hintFloor = Math.min(minScore, SECOND_PASS_HINT);

  return {
    detect,
    async detectFile(source) {
      // Read once: each pass decodes the same bytes at its own size.
      const bytes = typeof source === 'string' ? await readImageFile(source) : source;
      let passes = 0;
      if (closeUpPass && glanceSide > 0) {
        passes++;
        const glance = await decodeForDetector(bytes, glanceSide);
        const faces = await detect(glance);
        const scale = glance.height / glance.sourceHeight;
        const confident = Math.max(minScore, GLANCE_CONFIDENT);
        const large = (f: DetectedFace): boolean => f.h * scale >= CLOSE_UP_MIN_FACE * glanceSide;
        if (faces.length > 0 && faces.every((f) => f.score >= confident) && faces.some(large))
          return { width: glance.sourceWidth, height: glance.sourceHeight, faces, passes };
      }
      if (closeUpPass) {
        passes++;
        const coarse = await decodeForDetector(bytes, closeUpSide);
        const candidates = await candidatesIn(coarse, hintFloor);
        const faces = candidates.filter((f) => f.score >= minScore);
        const scale = coarse.height / coarse.sourceHeight;
        const done = { width: coarse.sourceWidth, height: coarse.sourceHeight, faces, passes };
        if (faces.some((f) => f.h * scale >= CLOSE_UP_MIN_FACE * closeUpSide)) return done;
        // Every candidate left here is a small face or a near-face below the threshold: worth a closer look.
        if (secondPass === 'hinted' && candidates.length === 0) return done;
      }
      passes++;
      const image = await decodeForDetector(bytes, SSD_TRAINING_SIZE);
      const faces = await detect(image);
      return { width: image.sourceWidth, height: image.sourceHeight, faces, passes };
    },
    dispose() {
      for (const t of owned) t.dispose();
      owned.length = 0;
      net.dispose();
    },
  };
}
