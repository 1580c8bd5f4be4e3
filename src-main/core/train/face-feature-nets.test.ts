// The fused forward passes against face-api's own, on face crops from the bundled demo photos: the features the
// quick run trains on must not change with the speed-up.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFaceCrop, faceModelDir, FACE_INPUT_SIZE } from './face-features';
import { fuseFaceNets, type FusedFaceNets, type RecognitionParams, type TinyXceptionParams } from './face-feature-nets';
import { initBackend } from './tf-backend';

interface FaceApiTensor {
  data(): Promise<Float32Array>;
  reshape(shape: number[]): FaceApiTensor;
  dispose(): void;
}
interface FaceApi {
  NetInput: new (inputs: unknown[]) => unknown;
  tf: { avgPool(x: unknown, size: number[], strides: number[], pad: string): FaceApiTensor };
  nets: {
    ageGenderNet: {
      loadFromDisk(dir: string): Promise<void>;
      faceFeatureExtractor: { params: TinyXceptionParams; forwardInput(input: unknown): FaceApiTensor };
    };
    faceRecognitionNet: {
      loadFromDisk(dir: string): Promise<void>;
      params: RecognitionParams;
      forwardInput(input: unknown): FaceApiTensor;
    };
  };
}

const require = createRequire(import.meta.url);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
const demoDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** Largest |a − b| over the largest |a|: float rounding from a different order of operations stays near 1e-6. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return diff / scale;
}

describe('fused face nets', () => {
  let nets: FusedFaceNets;
  const crops: Uint8Array[] = [];
  beforeAll(async () => {
    await initBackend('wasm');
    await faceapi.nets.ageGenderNet.loadFromDisk(faceModelDir());
    await faceapi.nets.faceRecognitionNet.loadFromDisk(faceModelDir());
    nets = fuseFaceNets(
      tf,
      faceapi.nets.ageGenderNet.faceFeatureExtractor.params,
      faceapi.nets.faceRecognitionNet.params,
    );
    // Faces of sample1.jpg (boxes from face-ground-truth.json) and a crop with no face.
    for (const crop of [
      { x: 380, y: 340, w: 260, h: 260 },
      { x: 810, y: 400, w: 250, h: 250 },
      { x: 0, y: 1000, w: 250, h: 250 },
    ])
      crops.push(await decodeFaceCrop(join(demoDir, 'sample1.jpg'), crop));
  });

  it("give face-api's age/gender bottleneck and recognition embedding, batched as one by one", async () => {
    const size = FACE_INPUT_SIZE;
    const tensors = crops.map((c) => tf.tensor3d(Float32Array.from(c), [size, size, 3]));
    const before = tf.memory().numTensors;
    const input = tf.stack(tensors) as tf.Tensor4D;
    const [ageGender, embedding] = nets.forward(input);
    const fused = { ageGender: await ageGender.data(), embedding: await embedding.data() };
    for (const t of [input, ageGender, embedding]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(fused.ageGender).toHaveLength(crops.length * 512);
    expect(fused.embedding).toHaveLength(crops.length * 128);

    const netInput = new faceapi.NetInput(tensors);
    const bottleneck = faceapi.nets.ageGenderNet.faceFeatureExtractor.forwardInput(netInput);
    const pooled = faceapi.tf.avgPool(bottleneck, [7, 7], [2, 2], 'valid');
    const reference = {
      ageGender: await pooled.data(),
      embedding: await faceapi.nets.faceRecognitionNet.forwardInput(netInput).data(),
    };
    bottleneck.dispose();
    pooled.dispose();
    expect(relativeError(reference.ageGender, fused.ageGender as Float32Array)).toBeLessThan(1e-4);
    expect(relativeError(reference.embedding, fused.embedding as Float32Array)).toBeLessThan(1e-4);
    // A wrong fold (a scale left out, a ReLU in the wrong place) moves them by far more than that.
    expect(relativeError(reference.embedding.slice(0, 128), reference.embedding.slice(128, 256))).toBeGreaterThan(0.05);
    for (const t of tensors) t.dispose();
  });

  it('refuse crops of another size', () => {
    const input = tf.zeros<tf.Rank.R4>([1, 112, 112, 3]);
    expect(() => nets.forward(input)).toThrow(/150×150/);
    input.dispose();
  });
});
