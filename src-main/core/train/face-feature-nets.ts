// Forward passes of face-api's age/gender TinyXception and face-recognition ResNet, with face-api's weights and
// arithmetic but fewer kernels, for speed on one wasm thread (as ssd-face-detector.ts does for the detector):
//  - the recognition net's conv → add bias → scale (mul, add) → relu becomes one fused convolution: the scale layer
//    is folded into the filters and bias (y = s·(conv(x) + b) + β = conv_{s·W}(x) + s·b + β);
//  - the TinyXception's separable convolutions run as a depthwise and a fused pointwise convolution carrying the bias,
//    and the ReLU that face-api applies to a block's output before the next separable convolution rides on that
//    convolution's kernel wherever the un-activated value is not needed elsewhere.
// Measured on the project's 2-core machine (wasm, one thread, 4 crops a pass): the recognition net 28–32 → 20 ms of
// CPU a crop. The outputs equal face-api's `forwardInput` to float rounding (face-feature-nets.test.ts).
import type { Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from './tf-backend';

interface ConvParams {
  filters: Tensor4D;
  bias: Tensor1D;
}
interface SeparableConvParams {
  depthwise_filter: Tensor4D;
  pointwise_filter: Tensor4D;
  bias: Tensor1D;
}
interface ReductionBlockParams {
  separable_conv0: SeparableConvParams;
  separable_conv1: SeparableConvParams;
  expansion_conv: ConvParams;
}
interface MainBlockParams {
  separable_conv0: SeparableConvParams;
  separable_conv1: SeparableConvParams;
  separable_conv2: SeparableConvParams;
}
/** face-api's TinyXception parameters (xception/types.ts). */
export interface TinyXceptionParams {
  entry_flow: {
    conv_in: ConvParams;
    reduction_block_0: ReductionBlockParams;
    reduction_block_1: ReductionBlockParams;
  };
  middle_flow: Record<string, MainBlockParams>;
  exit_flow: { reduction_block: ReductionBlockParams; separable_conv: SeparableConvParams };
}
interface ScaledConvParams {
  conv: ConvParams;
  scale: { weights: Tensor1D; biases: Tensor1D };
}
interface ResidualParams {
  conv1: ScaledConvParams;
  conv2: ScaledConvParams;
}
/** face-api's FaceRecognitionNet parameters (faceRecognitionNet/types.ts). */
export interface RecognitionParams {
  conv32_down: ScaledConvParams;
  conv32_1: ResidualParams;
  conv32_2: ResidualParams;
  conv32_3: ResidualParams;
  conv64_down: ResidualParams;
  conv64_1: ResidualParams;
  conv64_2: ResidualParams;
  conv64_3: ResidualParams;
  conv128_down: ResidualParams;
  conv128_1: ResidualParams;
  conv128_2: ResidualParams;
  conv256_down: ResidualParams;
  conv256_1: ResidualParams;
  conv256_2: ResidualParams;
  conv256_down_out: ResidualParams;
  fc: Tensor2D;
}

export interface FusedFaceNets {
  /**
   * For a [n, 150, 150, 3] batch of 0…255 pixels: the age/gender net's bottleneck pooled as face-api's age and
   * gender heads pool it ([n, 512]), and the recognition net's 128-d embedding ([n, 128]).
   */
  forward(batch: Tensor4D): [Tensor2D, Tensor2D];
  dispose(): void;
}

/** face-api's input normalisation for both nets: mean RGB subtracted, then divided by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298];
const AGE_GENDER_INPUT = 112;
const RECOGNITION_INPUT = 150;

export function fuseFaceNets(tf: Tf, xception: TinyXceptionParams, recognition: RecognitionParams): FusedFaceNets {
  const owned: { dispose(): void }[] = [];
  const mean = tf.tensor1d(MEAN_RGB);
  owned.push(mean);

  const fold = (p: ScaledConvParams): ConvParams =>
    tf.tidy(() => {
      const s = p.scale.weights;
      const filters = tf.keep(tf.mul<Tensor4D>(p.conv.filters, tf.reshape(s, [1, 1, 1, -1])));
      const bias = tf.keep(tf.add<Tensor1D>(tf.mul(p.conv.bias, s), p.scale.biases));
      owned.push(filters, bias);
      return { filters, bias };
    });
  const folded = (r: ResidualParams): { conv1: ConvParams; conv2: ConvParams } => ({
    conv1: fold(r.conv1),
    conv2: fold(r.conv2),
  });
  type ResidualName = Exclude<keyof RecognitionParams, 'fc' | 'conv32_down'>;
  const stages: ResidualName[][] = [
    ['conv32_1', 'conv32_2', 'conv32_3'],
    ['conv64_down', 'conv64_1', 'conv64_2', 'conv64_3'],
    ['conv128_down', 'conv128_1', 'conv128_2'],
    ['conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out'],
  ];
  const rec = {
    down: fold(recognition.conv32_down),
    stages: stages.map((names) => names.map((name) => ({ down: name.includes('down'), ...folded(recognition[name]) }))),
    fc: recognition.fc,
  };

  type Activation = 'relu' | 'linear';
  const conv = (x: Tensor4D, c: ConvParams, strides: 1 | 2, pad: 'same' | 'valid', activation: Activation) =>
    tf.fused.conv2d({ x, filter: c.filters, strides, pad, bias: c.bias, activation });
  const separable = (x: Tensor4D, p: SeparableConvParams, activation: Activation): Tensor4D =>
    conv(
      tf.depthwiseConv2d(x, p.depthwise_filter, 1, 'same'),
      { filters: p.pointwise_filter, bias: p.bias },
      1,
      'valid',
      activation,
    );

  const reductionBlock = (x: Tensor4D, p: ReductionBlockParams, activateInput: boolean): Tensor4D => {
    let out = separable(activateInput ? tf.relu(x) : x, p.separable_conv0, 'relu');
    out = separable(out, p.separable_conv1, 'linear');
    out = tf.maxPool(out, [3, 3], [2, 2], 'same');
    return tf.add(out, conv(x, p.expansion_conv, 2, 'same', 'linear'));
  };
  const mainBlock = (x: Tensor4D, p: MainBlockParams): Tensor4D => {
    let out = separable(tf.relu(x), p.separable_conv0, 'relu');
    out = separable(out, p.separable_conv1, 'relu');
    out = separable(out, p.separable_conv2, 'linear');
    return tf.add(out, x);
  };
  // main_block_0, main_block_1: face-api's age/gender net builds its TinyXception with two.
  const mainBlocks = Object.keys(xception.middle_flow)
    .sort()
    .map((k) => xception.middle_flow[k]!);

  const ageGender = (normalized: Tensor4D): Tensor2D => {
    const { entry_flow: entry, exit_flow: exit } = xception;
    let out = conv(normalized, entry.conv_in, 2, 'same', 'relu');
    out = reductionBlock(out, entry.reduction_block_0, false);
    out = reductionBlock(out, entry.reduction_block_1, true);
    for (const block of mainBlocks) out = mainBlock(out, block);
    out = reductionBlock(out, exit.reduction_block, true);
    out = separable(out, exit.separable_conv, 'relu');
    // As face-api's age and gender heads pool the bottleneck.
    return tf.reshape(tf.avgPool(out, [7, 7], [2, 2], 'valid'), [normalized.shape[0], -1]);
  };

  const embedding = (normalized: Tensor4D): Tensor2D => {
    let out = conv(normalized, rec.down, 2, 'valid', 'relu');
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const stage of rec.stages) {
      for (const block of stage) {
        let y = conv(out, block.conv1, block.down ? 2 : 1, block.down ? 'valid' : 'same', 'relu');
        y = conv(y, block.conv2, 1, 'same', 'linear');
        let shortcut = out;
        if (block.down) {
          // face-api's residualDown: the input average-pooled, zero-padded to the block's channels, and the block's
          // output zero-padded by a row and a column where 'valid' striding left it one short.
          shortcut = tf.avgPool(out, 2, 2, 'valid');
          if (shortcut.shape[1] !== y.shape[1] || shortcut.shape[2] !== y.shape[2])
            y = tf.pad(y, [
              [0, 0],
              [0, 1],
              [0, 1],
              [0, 0],
            ]);
          const extra = y.shape[3] - shortcut.shape[3];
          if (extra > 0)
            shortcut = tf.pad(shortcut, [
              [0, 0],
              [0, 0],
              [0, 0],
              [0, extra],
            ]);
        }
        out = tf.relu(tf.add<Tensor4D>(y, shortcut));
      }
    }
    return tf.matMul(tf.mean(out, [1, 2]), rec.fc);
  };

  return {
    forward(batch) {
      return tf.tidy(() => {
        if (batch.shape[1] !== RECOGNITION_INPUT || batch.shape[2] !== RECOGNITION_INPUT)
          throw new Error(`expected ${RECOGNITION_INPUT}×${RECOGNITION_INPUT} crops, got ${batch.shape.join('×')}`);
        const normalize = (x: Tensor4D): Tensor4D => tf.div(tf.sub(x, mean), 255);
        // face-api's NetInput.toBatchTensor resizes each crop so, with align-corners and half-pixel centres off.
        const small = tf.image.resizeBilinear(batch, [AGE_GENDER_INPUT, AGE_GENDER_INPUT], false, false);
        return [ageGender(normalize(small)), embedding(normalize(batch))];
      });
    },
    dispose() {
      for (const t of owned) t.dispose();
      owned.length = 0;
    },
  };
}
