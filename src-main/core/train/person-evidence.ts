// A person-level field (gender, age) judged from all of a person's photos, by Bayes' rule with a discount for the
// photos not being independent views. Each photo's out-of-sample probabilities over the class prior are its
// evidence (a likelihood ratio); a person's evidence adds up in log space and the prior is counted once:
//   log P(c | photos) = log π_c + w · Σ_photos log(p_c / π_c).
// Averaging the probabilities instead (w = 1/n) caps a person at one photo's worth: a man the model finds only
// moderately male in each photo stays moderately male and falls under confident learning's threshold for "male", so
// flips of the class the model is less sure of went unflagged. Counting every photo fully (w = 1) treats seven
// photos of one face as seven independent looks, and the person's probability comes out sharper than it is right.
// The weight w — w · n is the number of independent photos a person's n are worth — is fitted like a temperature:
// per fold, on the persons of the other folds (their Brier score), so no person's label moves its own probability.
// With it, as for photos (temperature-scaling.ts), a label-noise floor ε: a person's label is wrong as a whole (all
// their photos at once), so the share of wrong person labels is measured on persons, against the persons' labels.
import { applyNoiseFloor, fitNoiseFloor, minimiseOnInterval, softmaxOfLogits } from './temperature-scaling';

const LOG_FLOOR = 1e-6;
/** The weights searched: from a twentieth of a photo each to every photo counted fully. */
const MIN_LOG_W = Math.log(0.05);
const MAX_LOG_W = 0;
/** Folds for predictions that came without any (imported from elsewhere): persons are dealt into this many. */
const FALLBACK_FOLDS = 5;

export interface PersonEvidence {
  /** Per person (rows of `probs`), the rows of the photos' probabilities that are theirs. */
  members: number[][];
  k: number;
  /** Persons × k: Σ over the person's photos of log(p_c / π_c). */
  logRatio: Float64Array;
  /** log π_c: the mean prediction over every photo, the prior each photo's evidence is measured against. */
  logPrior: Float64Array;
}

/** The rows of each key (a person), in the order the keys first appear; rows without a key (null) belong to none. */
export function groupRows(keys: ArrayLike<number | null>): { keys: number[]; members: number[][] } {
  const byKey = new Map<number, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key == null) continue;
    const list = byKey.get(key) ?? [];
    list.push(i);
    byKey.set(key, list);
  }
  return { keys: [...byKey.keys()], members: [...byKey.values()] };
}

/** Each person's summed evidence from the photos' probabilities (n × k); `members` lists each person's rows. */
export function personEvidence(probs: ArrayLike<number>, k: number, members: number[][]): PersonEvidence {
  const n = probs.length / k;
  const logPrior = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) logPrior[c] = logPrior[c]! + probs[i * k + c]!;
  for (let c = 0; c < k; c++) logPrior[c] = Math.log(Math.max(logPrior[c]! / Math.max(n, 1), LOG_FLOOR));
  const logRatio = new Float64Array(members.length * k);
  members.forEach((rows, r) => {
    for (const i of rows) {
      for (let c = 0; c < k; c++) {
        logRatio[r * k + c] = logRatio[r * k + c]! + Math.log(Math.max(probs[i * k + c]!, LOG_FLOOR)) - logPrior[c]!;
      }
    }
  });
  return { members, k, logRatio, logPrior };
}

/** softmax(log π + w · evidence) of each of `persons`, written into `out` (persons × k). */
function combine(evidence: PersonEvidence, weight: number, persons: ArrayLike<number>, out: Float64Array): void {
  const { k, logRatio, logPrior } = evidence;
  const row = new Float64Array(k);
  for (let j = 0; j < persons.length; j++) {
    const r = persons[j]!;
    for (let c = 0; c < k; c++) row[c] = logPrior[c]! + weight * logRatio[r * k + c]!;
    softmaxOfLogits(row);
    out.set(row, r * k);
  }
}

/** Every person's probabilities with every photo weighted `weight` (1: the photos as independent views). */
export function combinePersons(evidence: PersonEvidence, weight: number): Float64Array {
  const out = new Float64Array(evidence.members.length * evidence.k);
  combine(
    evidence,
    weight,
    evidence.members.map((_, r) => r),
    out,
  );
  return out;
}

/**
 * Mean Brier score of the labelled `persons` (label ≥ 0) at weight `weight`, under the label-noise floor that
 * minimises it (fitNoiseFloor), which comes with it.
 */
export function personBrier(
  evidence: PersonEvidence,
  labels: Int32Array,
  persons: readonly number[],
  weight: number,
): { brier: number; noiseFloor: number } {
  const { k } = evidence;
  const out = new Float64Array(evidence.members.length * k);
  combine(evidence, weight, persons, out);
  const q = new Float64Array(persons.length * k);
  persons.forEach((r, j) => q.set(out.subarray(r * k, (r + 1) * k), j * k));
  return fitNoiseFloor(
    q,
    persons.map((r) => labels[r]!),
    k,
  );
}

/** A person map: softmax(log π + weight · evidence), then the label-noise floor. */
export interface PersonCalibration {
  weight: number;
  noiseFloor: number;
}

/**
 * The weight (and, with it, the floor) minimising the Brier score of the labelled `persons`; weight 1 (every photo
 * counted) and no floor when none is labelled.
 */
export function fitPersonCalibration(
  evidence: PersonEvidence,
  labels: Int32Array,
  persons: readonly number[],
): PersonCalibration {
  const labelled = persons.filter((r) => labels[r]! >= 0 && labels[r]! < evidence.k);
  if (labelled.length === 0) return { weight: 1, noiseFloor: 0 };
  const weight = Math.exp(
    minimiseOnInterval((logW) => personBrier(evidence, labels, labelled, Math.exp(logW)).brier, MIN_LOG_W, MAX_LOG_W),
  );
  return { weight, noiseFloor: personBrier(evidence, labels, labelled, weight).noiseFloor };
}

/**
 * Every person's probabilities, each fold's persons combined at the weight, and floored by the floor, fitted on the
 * other folds' persons. `folds` per person (a run's folds group a person's photos); persons without one (-1:
 * predictions imported from elsewhere) are dealt into FALLBACK_FOLDS folds by their row. Returns the probabilities
 * and each fold's weight and floor.
 */
export function personProbsOutOfFold(
  evidence: PersonEvidence,
  labels: Int32Array,
  folds: Int32Array,
): { probs: Float64Array; weights: Map<number, number>; noiseFloors: Map<number, number> } {
  const { k } = evidence;
  const foldOf = (r: number): number => (folds[r]! >= 0 ? folds[r]! : -1 - (r % FALLBACK_FOLDS));
  const byFold = new Map<number, number[]>();
  for (let r = 0; r < evidence.members.length; r++) {
    const list = byFold.get(foldOf(r)) ?? [];
    list.push(r);
    byFold.set(foldOf(r), list);
  }
  const out = new Float64Array(evidence.members.length * k);
  const weights = new Map<number, number>();
  const noiseFloors = new Map<number, number>();
  for (const [fold, persons] of byFold) {
    const others: number[] = [];
    for (const [other, list] of byFold) if (other !== fold) others.push(...list);
    const { weight, noiseFloor } = fitPersonCalibration(evidence, labels, others);
    weights.set(fold, weight);
    noiseFloors.set(fold, noiseFloor);
    combine(evidence, weight, persons, out);
    for (const r of persons) applyNoiseFloor(out.subarray(r * k, (r + 1) * k), noiseFloor);
  }
  return { probs: out, weights, noiseFloors };
}
