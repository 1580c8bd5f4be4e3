// Small classifiers trained on cached feature vectors: multinomial logistic regression, or one hidden ReLU layer
// (an MLP) when `hidden` > 0, fitted by mini-batch Adam. They are the whole of "quick mode" training once features
// are cached. Cross-validation wants one head per fold (and per task) on the same vectors, so `trainHeads` fits
// them all in one pass over the data: the heads' first layers sit side by side in one weight matrix, and each
// mini-batch is one wide matrix product on the wasm backend (XNNPACK, SIMD) instead of many thin ones in
// JavaScript. A row is a training example of some heads only; for the others its gradient is zero, so it never
// moves them.
import { mulberry32 } from '../seeded-random';
import { initBackend, type Tf } from './tf-backend';

export type Standardize = 'feature' | 'global' | 'none';

export interface HeadOptions {
  /** Hidden ReLU units; 0 (default) is multinomial logistic regression. */
  hidden?: number;
  epochs?: number;
  /**
   * Training examples per step and head: heads trained together take joint batches that hold about this many of
   * each one's training examples.
   */
  batchSize?: number;
  /** Adam step size at the start; it decays along a half cosine to 5% of it by the last epoch. */
  learningRate?: number;
  /** L2 penalty on the weights (not the biases), added to the gradient. */
  l2?: number;
  /** 'balanced' weighs class c by n / (classes × n_c) over the training examples, as scikit-learn does. */
  classWeights?: 'none' | 'balanced';
  /**
   * Fitted on the training examples only. 'feature': zero mean, unit variance per feature. 'global': zero mean
   * per feature and one common scale (keeps the relative variances of e.g. PCA components). 'none': as given.
   */
  standardize?: Standardize;
  /** Holds out this share of the training examples to stop early on their loss; 0 (default) trains all epochs. */
  validationFraction?: number;
  /** Epochs without a better validation loss before stopping; the best epoch's weights are kept. */
  patience?: number;
  /** Hidden-layer dropout rate while training. */
  dropout?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called after every epoch for each head still training. */
  onEpoch?: (progress: HeadProgress) => void;
}

export interface HeadProgress {
  /** The head's index among the targets of `trainHeads` (0 for `trainHead`). */
  head: number;
  epoch: number;
  epochs: number;
  /** Mean (class-weighted) cross-entropy over this epoch's training batches. */
  loss: number;
  validationLoss: number | null;
}

/** What one head learns: labels of every row of the features, and the rows it may train on. */
export interface HeadTarget {
  labels: Int32Array;
  numClasses: number;
  /** Rows whose label is < 0 or ≥ numClasses are skipped. */
  trainIdx: Int32Array;
}

export interface SoftmaxHead {
  dim: number;
  numClasses: number;
  hidden: number;
  /** Standardisation: x' = (x - mean) * invScale, per feature. */
  mean: Float32Array;
  invScale: Float32Array;
  /** hidden × dim and hidden; empty when hidden is 0. */
  w1: Float32Array;
  b1: Float32Array;
  /** numClasses × (hidden or dim) and numClasses. */
  w2: Float32Array;
  b2: Float32Array;
  /** Epochs run (fewer than asked when stopped early). */
  epochsRun: number;
}

/**
 * Quick mode's linear head: few epochs at a higher step size. The face path adds class weights and more epochs
 * (cross-validated-training.ts's QUICK_FACE_HEAD; bench/quick-retrain-bench.ts times it).
 */
export const QUICK_HEAD_OPTIONS: HeadOptions = { hidden: 0, epochs: 6, learningRate: 3e-3, l2: 1e-4 };

export const HEAD_DEFAULTS = {
  hidden: 0,
  epochs: 20,
  batchSize: 128,
  learningRate: 1e-3,
  l2: 1e-4,
  classWeights: 'none',
  standardize: 'feature',
  validationFraction: 0,
  patience: 3,
  dropout: 0,
  seed: 1,
} as const;

/** A joint epoch can take seconds (all folds' heads at once); cancelling should not wait for its end. */
const YIELD_MS = 100;

type Options = Omit<Required<HeadOptions>, 'signal' | 'onEpoch'> & Pick<HeadOptions, 'signal' | 'onEpoch'>;

/** One head: `trainHeads` with a single target. */
export async function trainHead(
  features: Float32Array,
  dim: number,
  labels: Int32Array,
  numClasses: number,
  trainIdx: Int32Array,
  opts: HeadOptions = {},
): Promise<SoftmaxHead> {
  const [head] = await trainHeads(features, dim, [{ labels, numClasses, trainIdx }], opts);
  return head!;
}

/**
 * Trains one head per target on the rows of `features` (row-major, `dim` per row), all in the same passes. Each
 * head is standardised on its own training rows and steps through the same examples as it would trained alone,
 * about as many at a time; only which of them share a mini-batch differs (with one batch of all rows, nothing).
 * Head h's initial weights come from seed + 1 + h, so the first head of a run starts as `trainHead` with the same
 * seed would. Yields to the event loop during and between epochs, where it checks `signal`.
 */
export async function trainHeads(
  features: Float32Array,
  dim: number,
  targets: HeadTarget[],
  opts: HeadOptions = {},
): Promise<SoftmaxHead[]> {
  const o: Options = { ...HEAD_DEFAULTS, ...opts };
  for (const t of targets) {
    if (features.length !== t.labels.length * dim) {
      throw new Error(`${features.length} feature values for ${t.labels.length} examples of dimension ${dim}`);
    }
  }
  if (targets.length === 0) return [];
  const { tf } = await initBackend('wasm');
  o.signal?.throwIfAborted();
  const trainer = new JointTrainer(tf, features, dim, targets, o);
  for (let epoch = 0; epoch < o.epochs && trainer.training(); epoch++) await trainer.epoch(epoch);
  return trainer.result();
}

/** Adam's state for one parameter array. */
interface Moments {
  m: Float32Array;
  v: Float32Array;
}

interface HeadState {
  target: HeadTarget;
  /** Training rows (indices into `features`), ascending, and the rows held out to stop early. */
  rows: Int32Array;
  validRows: Int32Array;
  mean: Float32Array;
  invScale: Float32Array;
  /** Its first-layer units (hidden units, or classes for a linear head) and its logits, as column offsets. */
  unitOffset: number;
  classOffset: number;
  /** Per joint row: the example's class weight, 0 where the row is not one of this head's training examples. */
  weight: Float32Array;
  label: Int32Array;
  /** Adam steps taken (a batch with none of its rows is no step for it). */
  steps: number;
  lossSum: number;
  epochsRun: number;
  stopped: boolean;
  best: { loss: number; epoch: number; head: SoftmaxHead } | null;
}

/**
 * The heads' parameters side by side. First layer: dim × units (every head's units, in target order), row-major,
 * the layout of x · W. Second layer (MLP only): units × classes, block-diagonal (zero outside each head's block).
 *
 * Each head is standardised on its own rows, but the product runs on one matrix of rows standardised over all
 * heads' rows, x̃ = (x - μ) ⊙ s. Since (x - mean_h) ⊙ invScale_h = x̃ ⊙ a_h + c_h with a_h = invScale_h / s and
 * c_h = (μ - mean_h) ⊙ invScale_h, a head's weights act on x̃ as W ⊙ a_h plus a bias W · c_h, and its gradient
 * is a_h ⊙ (x̃ᵀ g) + c_h (Σ g). Its weights stay in its own standardised space throughout, as if trained alone.
 */
class JointTrainer {
  private readonly heads: HeadState[];
  private readonly n: number;
  private readonly x: Float32Array;
  private readonly units: number;
  private readonly classes: number;
  private readonly hidden: number;
  /** a_h and c_h per first-layer weight (dim × units). */
  private readonly scaleA: Float32Array;
  private readonly shiftC: Float32Array;
  private readonly w1: Float32Array;
  private readonly b1: Float32Array;
  private readonly w2: Float32Array;
  private readonly b2: Float32Array;
  private readonly adam: { w1: Moments; b1: Moments; w2: Moments; b2: Moments };
  private readonly unitHead: Int32Array;
  private readonly classHead: Int32Array;
  private readonly batch: number;
  private readonly totalSteps: number;
  private readonly random: () => number;
  private readonly order: Int32Array;
  private step = 0;
  // Per-step buffers. wEff and bEff: the first layer as it acts on x̃ (kept current by updateFirstLayer).
  private readonly xb: Float32Array;
  private readonly xt: Float32Array;
  private readonly g: Float32Array;
  private readonly gt: Float32Array;
  private readonly dropMask: Float32Array;
  private readonly wEff: Float32Array;
  private readonly bEff: Float32Array;
  private readonly w2t: Float32Array;
  private readonly gb1: Float32Array;
  private readonly gw2: Float32Array;
  private readonly gb2: Float32Array;
  private readonly batchRows: Int32Array;
  /** Adam's bias corrections for this step, per head and per first-layer unit; 0 where the head takes no step. */
  private readonly c1: Float64Array;
  private readonly c2: Float64Array;
  private readonly unitC1: Float64Array;
  private readonly unitC2: Float64Array;

  constructor(
    private readonly tf: Tf,
    private readonly features: Float32Array,
    private readonly dim: number,
    targets: HeadTarget[],
    private readonly o: Options,
  ) {
    this.random = mulberry32(o.seed);
    this.hidden = o.hidden;
    const rowCount = features.length / dim;
    const inAny = new Uint8Array(rowCount);
    const standardizations = new StandardizationCache(features, dim, o.standardize);
    let unitOffset = 0;
    let classOffset = 0;
    this.heads = targets.map((target) => {
      const { labels, numClasses } = target;
      let rows = Int32Array.from(target.trainIdx).filter((i) => labels[i]! >= 0 && labels[i]! < numClasses);
      if (rows.length === 0) throw new Error('no labelled training examples');
      let validRows = new Int32Array(0);
      if (o.validationFraction > 0) {
        shuffle(rows, this.random);
        const held = Math.max(1, Math.round(rows.length * o.validationFraction));
        validRows = rows.slice(0, held);
        rows = rows.slice(held).sort();
      }
      for (const i of rows) inAny[i] = 1;
      const head: HeadState = {
        target,
        rows,
        validRows,
        ...standardizations.of(rows),
        unitOffset,
        classOffset,
        weight: new Float32Array(0),
        label: new Int32Array(0),
        steps: 0,
        lossSum: 0,
        epochsRun: 0,
        stopped: false,
        best: null,
      };
      unitOffset += this.hidden > 0 ? this.hidden : numClasses;
      classOffset += numClasses;
      return head;
    });
    const units = (this.units = unitOffset);
    const classes = (this.classes = classOffset);

    const jointRows = Int32Array.from({ length: rowCount }, (_, i) => i).filter((i) => inAny[i] === 1);
    const n = (this.n = jointRows.length);
    const position = new Int32Array(rowCount);
    jointRows.forEach((row, p) => (position[row] = p));
    for (const head of this.heads) {
      const { labels, numClasses } = head.target;
      const weights = exampleWeights(
        Int32Array.from(head.rows, (i) => labels[i]!),
        numClasses,
        o.classWeights,
      );
      head.weight = new Float32Array(n);
      head.label = new Int32Array(n).fill(-1);
      head.rows.forEach((row, r) => {
        head.weight[position[row]!] = weights[r]!;
        head.label[position[row]!] = labels[row]!;
      });
    }
    const shared = fitStandardization(features, dim, jointRows, 'feature');
    this.x = gatherStandardized(features, dim, jointRows, shared.mean, shared.invScale);

    this.unitHead = new Int32Array(units);
    this.classHead = new Int32Array(classes);
    this.scaleA = new Float32Array(dim * units);
    this.shiftC = new Float32Array(dim * units);
    this.heads.forEach((head, h) => {
      const width = this.hidden > 0 ? this.hidden : head.target.numClasses;
      this.unitHead.fill(h, head.unitOffset, head.unitOffset + width);
      this.classHead.fill(h, head.classOffset, head.classOffset + head.target.numClasses);
      for (let k = 0; k < dim; k++) {
        const a = head.invScale[k]! / shared.invScale[k]!;
        const c = (shared.mean[k]! - head.mean[k]!) * head.invScale[k]!;
        this.scaleA.fill(a, k * units + head.unitOffset, k * units + head.unitOffset + width);
        this.shiftC.fill(c, k * units + head.unitOffset, k * units + head.unitOffset + width);
      }
    });

    const mlp = this.hidden > 0;
    this.w1 = new Float32Array(dim * units);
    this.b1 = new Float32Array(units);
    this.w2 = new Float32Array(mlp ? units * classes : 0);
    this.b2 = new Float32Array(mlp ? classes : 0);
    if (mlp) this.initialise();
    const moments = (p: Float32Array): Moments => ({ m: new Float32Array(p.length), v: new Float32Array(p.length) });
    this.adam = { w1: moments(this.w1), b1: moments(this.b1), w2: moments(this.w2), b2: moments(this.b2) };

    // Enough rows a step that each head gets about batchSize of its own, as it would trained alone.
    const meanRows = this.heads.reduce((sum, head) => sum + head.rows.length, 0) / this.heads.length;
    const b = (this.batch = Math.min(n, Math.max(1, Math.round((o.batchSize * n) / meanRows))));
    this.totalSteps = Math.ceil(n / b) * o.epochs;
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.xb = new Float32Array(b * dim);
    this.xt = new Float32Array((dim + 1) * b);
    this.g = new Float32Array(b * classes);
    this.gt = new Float32Array(mlp ? classes * b : 0);
    this.dropMask = new Float32Array(o.dropout > 0 ? b * units : 0);
    this.wEff = new Float32Array(dim * units);
    this.bEff = new Float32Array(units);
    this.w2t = new Float32Array(mlp ? classes * units : 0);
    this.gb1 = new Float32Array(units);
    this.gw2 = new Float32Array(this.w2.length);
    this.gb2 = new Float32Array(this.b2.length);
    this.batchRows = new Int32Array(this.heads.length);
    this.c1 = new Float64Array(this.heads.length);
    this.c2 = new Float64Array(this.heads.length);
    this.unitC1 = new Float64Array(units);
    this.unitC2 = new Float64Array(units);
    // With every correction 0 this takes no step, only sets up wEff and bEff.
    this.updateFirstLayer(new Float32Array((dim + 1) * units), 0);
  }

  training(): boolean {
    return this.heads.some((head) => !head.stopped);
  }

  /** One pass over the rows; yields to the event loop (and checks the signal) every YIELD_MS and at the end. */
  async epoch(epoch: number): Promise<void> {
    for (const head of this.heads) head.lossSum = 0;
    shuffle(this.order, this.random);
    let yielded = performance.now();
    for (let start = 0; start < this.n; start += this.batch) {
      this.trainBatch(start, Math.min(this.batch, this.n - start));
      if (performance.now() - yielded > YIELD_MS) {
        await this.yieldToEventLoop();
        yielded = performance.now();
      }
    }
    for (const [h, head] of this.heads.entries()) {
      if (head.stopped) continue;
      head.epochsRun = epoch + 1;
      let validationLoss: number | null = null;
      if (head.validRows.length > 0) {
        const current = this.headOf(h);
        validationLoss = meanLoss(current, this.features, head.target.labels, head.validRows);
        if (!head.best || validationLoss < head.best.loss) head.best = { loss: validationLoss, epoch, head: current };
        if (epoch - head.best.epoch >= this.o.patience) head.stopped = true;
      }
      this.o.onEpoch?.({
        head: h,
        epoch: epoch + 1,
        epochs: this.o.epochs,
        loss: head.lossSum / head.rows.length,
        validationLoss,
      });
    }
    await this.yieldToEventLoop();
  }

  private async yieldToEventLoop(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.o.signal?.throwIfAborted();
  }

  result(): SoftmaxHead[] {
    return this.heads.map((head, h) => {
      const out = head.best?.head ?? this.headOf(h);
      out.epochsRun = head.epochsRun;
      return out;
    });
  }

  private trainBatch(start: number, b: number): void {
    const { tf, dim, units, classes, hidden } = this;
    this.gatherBatch(start, b);
    this.step++;
    const lr =
      this.o.learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (this.step - 1)) / this.totalSteps)));
    this.countBatchRows(start, b);
    if (this.dropMask.length > 0) {
      const keep = 1 - this.o.dropout;
      for (let e = 0; e < b * units; e++) this.dropMask[e] = this.random() < keep ? 1 / keep : 0;
    }
    if (hidden > 0) transpose(this.w2, units, classes, this.w2t);

    tf.tidy(() => {
      const first = tf.fused.matMul({
        a: tf.tensor2d(this.xb.subarray(0, b * dim), [b, dim]),
        b: tf.tensor2d(this.wEff, [dim, units]),
        bias: tf.tensor1d(this.bEff),
        activation: hidden > 0 ? 'relu' : 'linear',
      });
      const h =
        this.dropMask.length > 0 ? first.mul(tf.tensor2d(this.dropMask.subarray(0, b * units), [b, units])) : first;
      const logits =
        hidden > 0
          ? tf.fused.matMul({ a: h, b: tf.tensor2d(this.w2, [units, classes]), bias: tf.tensor1d(this.b2) })
          : h;
      this.outputGradient(logits.dataSync() as Float32Array, start, b);
      const g = tf.tensor2d(this.g.subarray(0, b * classes), [b, classes]);
      let gFirst = g;
      if (hidden > 0) {
        // Second layer: dW2ᵀ = gᵀ · h (each head's own block kept), db2 = Σ g; then back through ReLU and dropout.
        transpose(this.g, b, classes, this.gt);
        const gw2t = tf.matMul(tf.tensor2d(this.gt.subarray(0, classes * b), [classes, b]), h).dataSync();
        this.gb2.fill(0);
        for (let r = 0; r < b; r++) for (let c = 0; c < classes; c++) this.gb2[c]! += this.g[r * classes + c]!;
        for (const head of this.heads) {
          for (let u = head.unitOffset; u < head.unitOffset + hidden; u++) {
            for (let c = head.classOffset; c < head.classOffset + head.target.numClasses; c++) {
              this.gw2[u * classes + c] = gw2t[c * units + u]!;
            }
          }
        }
        gFirst = tf.matMul(g, tf.tensor2d(this.w2t, [classes, units])).mul(tf.step(h));
        if (this.dropMask.length > 0) gFirst = gFirst.mul(1 / (1 - this.o.dropout));
      }
      const xt = tf.tensor2d(this.xt.subarray(0, (dim + 1) * b), [dim + 1, b]);
      this.updateFirstLayer(tf.matMul(xt, gFirst).dataSync() as Float32Array, lr);
    });
    if (hidden > 0) {
      adamStep(this.w2, this.gw2, this.adam.w2, this.classHead, this.c1, this.c2, lr, this.o.l2);
      adamStep(this.b2, this.gb2, this.adam.b2, this.classHead, this.c1, this.c2, lr, 0);
    }
  }

  /**
   * The batch's rows of x̃ into xb (b × dim) and, transposed, xt ((dim + 1) × b), four rows at a time. xt's last
   * row is ones, so that xtᵀ-products also give the column sums of g (the bias gradient).
   */
  private gatherBatch(start: number, b: number): void {
    const { x, xb, xt, order, dim } = this;
    let r = 0;
    for (; r + 3 < b; r += 4) {
      const s0 = order[start + r]! * dim;
      const s1 = order[start + r + 1]! * dim;
      const s2 = order[start + r + 2]! * dim;
      const s3 = order[start + r + 3]! * dim;
      const d = r * dim;
      for (let k = 0; k < dim; k++) {
        const v0 = x[s0 + k]!;
        const v1 = x[s1 + k]!;
        const v2 = x[s2 + k]!;
        const v3 = x[s3 + k]!;
        xb[d + k] = v0;
        xb[d + dim + k] = v1;
        xb[d + 2 * dim + k] = v2;
        xb[d + 3 * dim + k] = v3;
        const t = k * b + r;
        xt[t] = v0;
        xt[t + 1] = v1;
        xt[t + 2] = v2;
        xt[t + 3] = v3;
      }
    }
    for (; r < b; r++) {
      const s = order[start + r]! * dim;
      for (let k = 0; k < dim; k++) {
        const v = x[s + k]!;
        xb[r * dim + k] = v;
        xt[k * b + r] = v;
      }
    }
    xt.fill(1, dim * b, (dim + 1) * b);
  }

  /** Each head's training rows in this batch, and its Adam corrections (a head with none takes no step). */
  private countBatchRows(start: number, b: number): void {
    for (const [h, head] of this.heads.entries()) {
      let count = 0;
      if (!head.stopped) {
        const weight = head.weight;
        for (let r = 0; r < b; r++) if (weight[this.order[start + r]!]! > 0) count++;
      }
      this.batchRows[h] = count;
      if (count > 0) head.steps++;
      this.c1[h] = count > 0 ? 1 / (1 - BETA1 ** head.steps) : 0;
      this.c2[h] = count > 0 ? 1 / (1 - BETA2 ** head.steps) : 0;
    }
    for (let j = 0; j < this.units; j++) {
      this.unitC1[j] = this.c1[this.unitHead[j]!]!;
      this.unitC2[j] = this.c2[this.unitHead[j]!]!;
    }
  }

  /**
   * logits → (softmax - one-hot) × weight / rows, per head over its own rows of the batch: the gradient of its
   * mean weighted cross-entropy. Zero for rows that are not its training examples.
   */
  private outputGradient(logits: Float32Array, start: number, b: number): void {
    const { classes, g, order } = this;
    g.fill(0, 0, b * classes);
    for (const [h, head] of this.heads.entries()) {
      const count = this.batchRows[h]!;
      if (count === 0) continue;
      const { weight, label, classOffset } = head;
      const k = head.target.numClasses;
      let lossSum = 0;
      for (let r = 0; r < b; r++) {
        const i = order[start + r]!;
        const w = weight[i]!;
        if (w === 0) continue;
        const o = r * classes + classOffset;
        const y = label[i]!;
        lossSum += w * softmaxInPlace(logits, o, k, y);
        const scale = w / count;
        for (let c = 0; c < k; c++) g[o + c] = logits[o + c]! * scale;
        g[o + y]! -= scale;
      }
      head.lossSum += lossSum;
    }
  }

  /**
   * Adam on the first layer from raw = [x̃ 1]ᵀ g ((dim + 1) × units: the weights' gradient on x̃, then the bias
   * gradient), folding in each head's standardisation; in the same pass, the layer as it acts on x̃ for the next
   * step: wEff = W ⊙ a, bEff = b + Σ_k W ⊙ c.
   */
  private updateFirstLayer(raw: Float32Array, lr: number): void {
    const { dim, units, w1, b1, scaleA, shiftC, wEff, bEff, gb1, unitC1, unitC2 } = this;
    const { m, v } = this.adam.w1;
    const l2 = this.o.l2;
    gb1.set(raw.subarray(dim * units, (dim + 1) * units));
    adamStep(b1, gb1, this.adam.b1, this.unitHead, this.c1, this.c2, lr, 0);
    bEff.set(b1);
    for (let k = 0, e = 0; k < dim; k++) {
      for (let j = 0; j < units; j++, e++) {
        const corr1 = unitC1[j]!;
        if (corr1 !== 0) {
          const grad = scaleA[e]! * raw[e]! + shiftC[e]! * gb1[j]! + l2 * w1[e]!;
          const mk = BETA1 * m[e]! + (1 - BETA1) * grad;
          const vk = BETA2 * v[e]! + (1 - BETA2) * grad * grad;
          m[e] = mk;
          v[e] = vk;
          w1[e]! -= (lr * mk * corr1) / (Math.sqrt(vk * unitC2[j]!) + EPSILON);
        }
        wEff[e] = w1[e]! * scaleA[e]!;
        bEff[j]! += w1[e]! * shiftC[e]!;
      }
    }
  }

  /** Head h's own parameters (in its standardised space), copied out. */
  private headOf(h: number): SoftmaxHead {
    const { dim, units, classes, hidden } = this;
    const state = this.heads[h]!;
    const k = state.target.numClasses;
    const u0 = state.unitOffset;
    const out: SoftmaxHead = {
      dim,
      numClasses: k,
      hidden,
      mean: state.mean,
      invScale: state.invScale,
      w1: new Float32Array(hidden * dim),
      b1: this.b1.slice(u0, u0 + hidden),
      w2: new Float32Array(k * (hidden > 0 ? hidden : dim)),
      b2: hidden > 0 ? this.b2.slice(state.classOffset, state.classOffset + k) : this.b1.slice(u0, u0 + k),
      epochsRun: state.epochsRun,
    };
    const firstOut = hidden > 0 ? out.w1 : out.w2;
    const width = hidden > 0 ? hidden : k;
    for (let u = 0; u < width; u++) for (let j = 0; j < dim; j++) firstOut[u * dim + j] = this.w1[j * units + u0 + u]!;
    if (hidden > 0) {
      for (let c = 0; c < k; c++) {
        for (let u = 0; u < hidden; u++) out.w2[c * hidden + u] = this.w2[(u0 + u) * classes + state.classOffset + c]!;
      }
    }
    return out;
  }

  private initialise(): void {
    const { dim, units, classes, hidden } = this;
    this.heads.forEach((head, h) => {
      const random = mulberry32(this.o.seed + 1 + h);
      const w1 = new Float32Array(hidden * dim);
      const w2 = new Float32Array(head.target.numClasses * hidden);
      fillNormal(w1, Math.sqrt(2 / dim), random);
      fillNormal(w2, Math.sqrt(1 / hidden), random);
      for (let u = 0; u < hidden; u++) {
        for (let j = 0; j < dim; j++) this.w1[j * units + head.unitOffset + u] = w1[u * dim + j]!;
        for (let c = 0; c < head.target.numClasses; c++) {
          this.w2[(head.unitOffset + u) * classes + head.classOffset + c] = w2[c * hidden + u]!;
        }
      }
    });
  }
}

/**
 * Standardisation per head, computed once per distinct set of rows: a fold's heads for different tasks usually
 * train on the same rows.
 */
class StandardizationCache {
  private readonly seen: { rows: Int32Array; mean: Float32Array; invScale: Float32Array }[] = [];

  constructor(
    private readonly features: Float32Array,
    private readonly dim: number,
    private readonly mode: Standardize,
  ) {}

  of(rows: Int32Array): { mean: Float32Array; invScale: Float32Array } {
    const same = this.seen.find((s) => s.rows.length === rows.length && s.rows.every((row, r) => row === rows[r]));
    if (same) return same;
    const fitted = { rows, ...fitStandardization(this.features, this.dim, rows, this.mode) };
    this.seen.push(fitted);
    return fitted;
  }
}

/** Class probabilities of the rows `idx` of `features`, row-major (idx.length × numClasses). */
export function predictHead(head: SoftmaxHead, features: Float32Array, idx: Int32Array): Float32Array {
  const { dim, numClasses, hidden } = head;
  const inner = hidden > 0 ? hidden : dim;
  const out = new Float32Array(idx.length * numClasses);
  const chunk = 256;
  const xb = new Float32Array(chunk * dim);
  const h = new Float32Array(chunk * hidden);
  for (let start = 0; start < idx.length; start += chunk) {
    const b = Math.min(chunk, idx.length - start);
    for (let r = 0; r < b; r++) {
      const src = idx[start + r]! * dim;
      for (let k = 0; k < dim; k++) xb[r * dim + k] = (features[src + k]! - head.mean[k]!) * head.invScale[k]!;
    }
    let top: Float32Array = xb;
    if (hidden > 0) {
      matmulTransposed(xb, head.w1, head.b1, b, dim, hidden, h);
      for (let j = 0; j < b * hidden; j++) if (h[j]! < 0) h[j] = 0;
      top = h;
    }
    const logits = out.subarray(start * numClasses, (start + b) * numClasses);
    matmulTransposed(top, head.w2, head.b2, b, inner, numClasses, logits);
    for (let r = 0; r < b; r++) softmaxInPlace(logits, r * numClasses, numClasses, -1);
  }
  return out;
}

function meanLoss(head: SoftmaxHead, features: Float32Array, labels: Int32Array, idx: Int32Array): number {
  const probs = predictHead(head, features, idx);
  let sum = 0;
  for (let r = 0; r < idx.length; r++) sum -= Math.log(Math.max(probs[r * head.numClasses + labels[idx[r]!]!]!, 1e-12));
  return sum / idx.length;
}

function fitStandardization(
  features: Float32Array,
  dim: number,
  rows: Int32Array,
  mode: Standardize,
): { mean: Float32Array; invScale: Float32Array } {
  const mean = new Float32Array(dim);
  const invScale = new Float32Array(dim).fill(1);
  if (mode === 'none') return { mean, invScale };
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  // Four rows per pass over the sums: a quarter of the read-modify-writes.
  let r = 0;
  for (; r + 3 < rows.length; r += 4) {
    const o0 = rows[r]! * dim;
    const o1 = rows[r + 1]! * dim;
    const o2 = rows[r + 2]! * dim;
    const o3 = rows[r + 3]! * dim;
    for (let k = 0; k < dim; k++) {
      const v0 = features[o0 + k]!;
      const v1 = features[o1 + k]!;
      const v2 = features[o2 + k]!;
      const v3 = features[o3 + k]!;
      sum[k]! += v0 + v1 + v2 + v3;
      sq[k]! += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
    }
  }
  for (; r < rows.length; r++) {
    const o = rows[r]! * dim;
    for (let k = 0; k < dim; k++) {
      const v = features[o + k]!;
      sum[k]! += v;
      sq[k]! += v * v;
    }
  }
  const n = rows.length;
  let totalVar = 0;
  for (let k = 0; k < dim; k++) {
    mean[k] = sum[k]! / n;
    const variance = Math.max(sq[k]! / n - mean[k]! ** 2, 0);
    totalVar += variance;
    invScale[k] = 1 / Math.sqrt(variance + 1e-8);
  }
  if (mode === 'global') invScale.fill(1 / Math.sqrt(totalVar / dim + 1e-8));
  return { mean, invScale };
}

function gatherStandardized(
  features: Float32Array,
  dim: number,
  rows: Int32Array,
  mean: Float32Array,
  invScale: Float32Array,
): Float32Array {
  const x = new Float32Array(rows.length * dim);
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]! * dim;
    const dst = r * dim;
    for (let k = 0; k < dim; k++) x[dst + k] = (features[src + k]! - mean[k]!) * invScale[k]!;
  }
  return x;
}

function exampleWeights(y: Int32Array, numClasses: number, mode: 'none' | 'balanced'): Float32Array {
  const weight = new Float32Array(y.length).fill(1);
  if (mode === 'none') return weight;
  const count = new Float64Array(numClasses);
  for (const c of y) count[c]! += 1;
  const present = count.filter((c) => c > 0).length;
  for (let i = 0; i < y.length; i++) weight[i] = y.length / (present * count[y[i]!]!);
  return weight;
}

/** out (cols × rows) = aᵀ for a (rows × cols), both row-major. */
function transpose(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[o + c]!;
  }
}

/** out[r, j] = bias[j] + Σ_k a[r, k] · w[j, k] for r < rows, j < cols (a: rows × inner, w: cols × inner). */
export function matmulTransposed(
  a: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  rows: number,
  inner: number,
  cols: number,
  out: Float32Array,
): void {
  // Two rows × four output columns at a time: eight products per six loads.
  const colsTail = cols - (cols % 4);
  let r = 0;
  for (; r + 1 < rows; r += 2) {
    const a0 = r * inner;
    const a1 = a0 + inner;
    const o0 = r * cols;
    const o1 = o0 + cols;
    for (let j = 0; j < colsTail; j += 4) {
      const w0 = j * inner;
      const w1 = w0 + inner;
      const w2 = w1 + inner;
      const w3 = w2 + inner;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let k = 0; k < inner; k++) {
        const u = a[a0 + k]!;
        const v = a[a1 + k]!;
        const x0 = w[w0 + k]!;
        const x1 = w[w1 + k]!;
        const x2 = w[w2 + k]!;
        const x3 = w[w3 + k]!;
        s00 += u * x0;
        s01 += u * x1;
        s02 += u * x2;
        s03 += u * x3;
        s10 += v * x0;
        s11 += v * x1;
        s12 += v * x2;
        s13 += v * x3;
      }
      out[o0 + j] = bias[j]! + s00;
      out[o0 + j + 1] = bias[j + 1]! + s01;
      out[o0 + j + 2] = bias[j + 2]! + s02;
      out[o0 + j + 3] = bias[j + 3]! + s03;
      out[o1 + j] = bias[j]! + s10;
      out[o1 + j + 1] = bias[j + 1]! + s11;
      out[o1 + j + 2] = bias[j + 2]! + s12;
      out[o1 + j + 3] = bias[j + 3]! + s13;
    }
    for (let j = colsTail; j < cols; j++) {
      const wo = j * inner;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < inner; k++) {
        const x = w[wo + k]!;
        s0 += a[a0 + k]! * x;
        s1 += a[a1 + k]! * x;
      }
      out[o0 + j] = bias[j]! + s0;
      out[o1 + j] = bias[j]! + s1;
    }
  }
  for (; r < rows; r++) {
    const ao = r * inner;
    const oo = r * cols;
    let j = 0;
    for (; j < cols; j++) {
      const wo = j * inner;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < inner; k += 2) {
        s0 += a[ao + k]! * w[wo + k]!;
        s1 += a[ao + k + 1]! * w[wo + k + 1]!;
      }
      if (k < inner) s0 += a[ao + k]! * w[wo + k]!;
      out[oo + j] = bias[j]! + s0 + s1;
    }
  }
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** One Adam update; element e is in column e mod columnHead.length, of head columnHead[column]. */
function adamStep(
  p: Float32Array,
  g: Float32Array,
  { m, v }: Moments,
  columnHead: Int32Array,
  c1: Float64Array,
  c2: Float64Array,
  lr: number,
  l2: number,
): void {
  const cols = columnHead.length;
  for (let e = 0, j = 0; e < p.length; e++, j = j + 1 === cols ? 0 : j + 1) {
    const corr1 = c1[columnHead[j]!]!;
    if (corr1 === 0) continue;
    const grad = g[e]! + l2 * p[e]!;
    const mk = BETA1 * m[e]! + (1 - BETA1) * grad;
    const vk = BETA2 * v[e]! + (1 - BETA2) * grad * grad;
    m[e] = mk;
    v[e] = vk;
    p[e]! -= (lr * mk * corr1) / (Math.sqrt(vk * c2[columnHead[j]!]!) + EPSILON);
  }
}

/** Softmax of row values[o…o+n) in place; returns -log p[label] (0 when label < 0). */
function softmaxInPlace(values: Float32Array, o: number, n: number, label: number): number {
  let max = -Infinity;
  for (let c = 0; c < n; c++) max = Math.max(max, values[o + c]!);
  let sum = 0;
  for (let c = 0; c < n; c++) {
    const e = Math.exp(values[o + c]! - max);
    values[o + c] = e;
    sum += e;
  }
  for (let c = 0; c < n; c++) values[o + c]! /= sum;
  return label >= 0 ? -Math.log(Math.max(values[o + label]!, 1e-12)) : 0;
}

function fillNormal(out: Float32Array, std: number, random: () => number): void {
  for (let i = 0; i < out.length; i += 2) {
    const u = Math.max(random(), 1e-12);
    const r = std * Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
}

function shuffle(values: Int32Array, random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
}
