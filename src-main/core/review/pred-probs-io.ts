// Reading and writing the two inputs of label-issue ranking — given labels and out-of-sample predicted
// probabilities — as NumPy .npy files or CSV, in the flat typed-array form confident-learning.ts works on.
// Parsing (`parseNpy`, `parse*Csv`) is pure; `read*`/`write*` add the file system. Every error names the file and,
// where there is one, the example (0-based row, the index `loupe rank` reports) and class at fault.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { PredProbs } from './confident-learning';

export type NpyDtype = '<f8' | '<f4' | '<i8' | '<i4' | '|u1';
export type NpyData = Float64Array | Float32Array | BigInt64Array | Int32Array | Uint8Array;

/** A 1-D or 2-D array, always in C (row-major) order whatever order the file used. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ITEM_SIZE: Record<NpyDtype, number> = { '<f8': 8, '<f4': 4, '<i8': 8, '<i4': 4, '|u1': 1 };
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parses the bytes of a .npy file (format versions 1–3). `name` is used in error messages. */
export function parseNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${name} is not a NumPy .npy file`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new Error(`${name}: .npy format version ${major} is not supported (1–3 are)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new Error(`${name}: the .npy header is cut short`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) throw new Error(`${name}: the .npy header is cut short`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const { dtype, fortranOrder, shape } = parseHeader(header, name);
  const count = shape.reduce((a, b) => a * b, 1);
  const byteLength = count * ITEM_SIZE[dtype];
  const available = bytes.length - dataStart;
  if (available !== byteLength) {
    throw new Error(
      `${name}: shape (${shape.join(', ')}) needs ${byteLength} bytes of data but the file has ${available}`,
    );
  }
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error(`reading .npy files needs a little-endian machine`);
  // Copy so the typed array is aligned and owns its memory (a Buffer may sit at any offset in a shared pool).
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(dataStart, dataStart + byteLength));
  let data = typedArrayOf(dtype, copy.buffer);
  // NumPy writes transposes and column slices in Fortran order; turn them row-major here.
  if (fortranOrder && shape.length === 2) data = transpose(data, shape[1]!, shape[0]!);
  return { dtype, shape, data };
}

function parseHeader(header: string, name: string): { dtype: NpyDtype; fortranOrder: boolean; shape: number[] } {
  if (/['"]descr['"]\s*:\s*\[/.test(header))
    throw new Error(`${name} holds a structured array; save a plain numeric array`);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${name}: cannot read the .npy header`);
  }
  if (/^[|<>=]?O$/.test(descr)) {
    throw new Error(`${name} holds Python objects (a pickled object array); save a numeric array instead`);
  }
  if (descr.startsWith('>') && descr.length > 2) {
    throw new Error(`${name} is big-endian ('${descr}'); save it little-endian, e.g. arr.astype('<${descr.slice(1)}')`);
  }
  const dtype = descr === '<u1' ? '|u1' : descr;
  if (!(dtype in ITEM_SIZE)) {
    throw new Error(`${name} has dtype '${descr}'; use float64, float32, int64, int32 or uint8`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new Error(`${name}: cannot read the shape (${shapeText})`);
  if (shape.length < 1 || shape.length > 2) {
    throw new Error(`${name} is ${shape.length}-dimensional; only 1-D and 2-D arrays are supported`);
  }
  return { dtype: dtype as NpyDtype, fortranOrder: fortran === 'True', shape };
}

function typedArrayOf(dtype: NpyDtype, buffer: ArrayBuffer): NpyData {
  switch (dtype) {
    case '<f8':
      return new Float64Array(buffer);
    case '<f4':
      return new Float32Array(buffer);
    case '<i8':
      return new BigInt64Array(buffer);
    case '<i4':
      return new Int32Array(buffer);
    case '|u1':
      return new Uint8Array(buffer);
  }
}

/** `data` is rows × cols row-major; returns its cols × rows transpose. */
function transpose<T extends NpyData>(data: T, rows: number, cols: number): T {
  const out = new (data.constructor as new (length: number) => T)(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Int32Array) return '<i4';
  return '|u1';
}

/** The bytes of a .npy file (version 1, or 2 for huge headers) holding `data` in C order with `shape`. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  if (shape.length < 1 || shape.length > 2) throw new Error(`only 1-D and 2-D arrays can be written`);
  if (shape.reduce((a, b) => a * b, 1) !== data.length) {
    throw new Error(`shape (${shape.join(', ')}) does not match ${data.length} values`);
  }
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error(`writing .npy files needs a little-endian machine`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtypeOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = dict.length + 11 > 0xffff ? 2 : 1;
  const prefix = version === 1 ? 10 : 12;
  // NumPy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  dict += ' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(prefix + dict.length + data.byteLength);
  out.set(MAGIC);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), prefix + dict.length);
  return out;
}

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readBytes(path), basename(path));
}

export async function writeNpy(path: string, data: NpyData, shape: readonly number[]): Promise<void> {
  await writeFile(path, encodeNpy(data, shape));
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`no file at ${path}`, { cause: error });
    if (code === 'EISDIR') throw new Error(`${path} is a folder, not a file`, { cause: error });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conversions to the ranking inputs

/** An n × k .npy array as predicted probabilities (float64/float32 kept, integers widened to float64). */
export function predProbsFromNpy(array: NpyArray, name = 'pred_probs.npy'): PredProbs {
  if (array.shape.length !== 2) {
    throw new Error(
      `${name} is 1-D; predicted probabilities need a 2-D array, one row per example, one column per class`,
    );
  }
  const [n, k] = array.shape as [number, number];
  const { data } = array;
  const floats =
    data instanceof Float64Array || data instanceof Float32Array
      ? data
      : data instanceof BigInt64Array
        ? Float64Array.from(data, Number)
        : Float64Array.from(data);
  return { data: floats, n, k };
}

/** A 1-D (or n × 1) .npy array of whole numbers as labels. */
export function labelsFromNpy(array: NpyArray, name = 'labels.npy'): Int32Array {
  if (array.shape.length === 2 && array.shape[1] !== 1) {
    throw new Error(`${name} is ${array.shape.join(' × ')}; labels need a 1-D array, one label per example`);
  }
  const { data } = array;
  const labels = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (!Number.isInteger(v) || Math.abs(v) > 0x7fffffff) {
      throw new Error(`${name}, example ${i}: label ${String(data[i])} is not a whole number`);
    }
    labels[i] = v;
  }
  return labels;
}

// ---------------------------------------------------------------------------------------------------------------
// CSV

function parseCsv(text: string | Uint8Array, name: string): string[][] {
  try {
    return parse(text, { bom: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A cell as a number: NaN for an empty or non-numeric cell; 'nan' / 'inf' as NumPy writes them. */
function cellNumber(cell: string): number {
  const t = cell.trim().toLowerCase();
  if (t === '') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return Number(t);
}

const looksNumeric = (cell: string): boolean => {
  const t = cell.trim().toLowerCase();
  return t === 'nan' || !Number.isNaN(cellNumber(cell));
};

/** Predicted probabilities from CSV: one row per example, one numeric column per class, optional header row. */
export function parsePredProbsCsv(text: string | Uint8Array, name = 'pred_probs.csv'): PredProbs {
  const rows = parseCsv(text, name);
  const first = rows[0];
  if (!first) throw new Error(`${name} is empty`);
  const body = first.every(looksNumeric) ? rows : rows.slice(1);
  const k = first.length;
  const n = body.length;
  if (n === 0) throw new Error(`${name} has a header but no rows`);
  const data = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = body[i]!;
    for (let j = 0; j < k; j++) {
      const v = cellNumber(row[j]!);
      if (Number.isNaN(v) && row[j]!.trim().toLowerCase() !== 'nan') {
        throw new Error(`${name}, example ${i}, column ${j}: '${row[j]}' is not a number`);
      }
      data[i * k + j] = v;
    }
  }
  return { data, n, k };
}

/** Labels from CSV: one whole number per row (header optional), or a header with a `label` column. */
export function parseLabelsCsv(text: string | Uint8Array, name = 'labels.csv'): Int32Array {
  const rows = parseCsv(text, name);
  const first = rows[0];
  if (!first) throw new Error(`${name} is empty`);
  const hasHeader = !first.every(looksNumeric);
  let column = 0;
  if (hasHeader && first.length > 1) {
    column = first.findIndex((cell) => cell.trim().toLowerCase() === 'label');
    if (column < 0) throw new Error(`${name} has no 'label' column (columns: ${first.join(', ')})`);
  } else if (!hasHeader && first.length > 1) {
    throw new Error(`${name} has ${first.length} columns; give one label per row, or a header with a 'label' column`);
  }
  const body = hasHeader ? rows.slice(1) : rows;
  if (body.length === 0) throw new Error(`${name} has a header but no rows`);
  const labels = new Int32Array(body.length);
  for (let i = 0; i < body.length; i++) {
    const cell = body[i]![column]!;
    const v = cellNumber(cell);
    if (!Number.isInteger(v) || Math.abs(v) > 0x7fffffff) {
      throw new Error(`${name}, example ${i}: label '${cell}' is not a whole number`);
    }
    labels[i] = v;
  }
  return labels;
}

/** CSV text of predicted probabilities with a `p0,p1,…` header; numbers as JavaScript prints them (round-trip exact). */
export function formatPredProbsCsv({ data, n, k }: PredProbs): string {
  const lines = [Array.from({ length: k }, (_, j) => `p${j}`).join(',')];
  for (let i = 0; i < n; i++) lines.push(Array.from(data.subarray(i * k, (i + 1) * k), String).join(','));
  return `${lines.join('\n')}\n`;
}

export function formatLabelsCsv(labels: ArrayLike<number>): string {
  return `label\n${Array.from(labels, String).join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Files

type Format = 'npy' | 'csv';

function formatOf(path: string): Format {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.csv') return 'csv';
  throw new Error(`${basename(path)}: expected a .npy or .csv file`);
}

export async function readPredProbs(path: string): Promise<PredProbs> {
  const format = formatOf(path);
  const bytes = await readBytes(path);
  const name = basename(path);
  return format === 'npy' ? predProbsFromNpy(parseNpy(bytes, name), name) : parsePredProbsCsv(bytes, name);
}

export async function readLabels(path: string): Promise<Int32Array> {
  const format = formatOf(path);
  const bytes = await readBytes(path);
  const name = basename(path);
  return format === 'npy' ? labelsFromNpy(parseNpy(bytes, name), name) : parseLabelsCsv(bytes, name);
}

/** Writes .npy (float64 or float32 as held) or .csv, by the file's extension. */
export async function writePredProbs(path: string, predProbs: PredProbs): Promise<void> {
  if (formatOf(path) === 'npy') await writeNpy(path, predProbs.data, [predProbs.n, predProbs.k]);
  else await writeFile(path, formatPredProbsCsv(predProbs));
}

/** Writes .npy (int64, as NumPy saves integer labels) or .csv, by the file's extension. */
export async function writeLabels(path: string, labels: ArrayLike<number>): Promise<void> {
  if (formatOf(path) === 'npy') await writeNpy(path, BigInt64Array.from(Array.from(labels), BigInt), [labels.length]);
  else await writeFile(path, formatLabelsCsv(labels));
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** Throws unless there are ≥ 2 classes and every value is finite and ≥ 0 with no all-zero row. */
export function validatePredProbs({ data, n, k }: PredProbs, name = 'pred_probs'): void {
  if (k < 2) throw new Error(`${name} has ${k} column; predicted probabilities need one column per class, at least 2`);
  if (n < 1) throw new Error(`${name} has no rows`);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = data[i * k + j]!;
      if (Number.isNaN(v) || v === Infinity || v === -Infinity) {
        throw new Error(`${name}, example ${i}, class ${j}: ${v} is not a finite number`);
      }
      if (v < 0) throw new Error(`${name}, example ${i}, class ${j}: ${v} is negative`);
      sum += v;
    }
    if (sum === 0) throw new Error(`${name}, example ${i}: every probability is 0`);
  }
}

/** Throws unless every label is a class index in [0, k). */
export function validateLabels(labels: ArrayLike<number>, k: number, name = 'labels'): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new Error(
        `${name}, example ${i}: label ${v} is not a class in 0..${k - 1} (the probabilities have ${k} columns)`,
      );
    }
  }
}

/** Reads both inputs of `loupe rank` and checks they fit together. */
export async function loadRankInputs(
  labelsPath: string,
  predProbsPath: string,
): Promise<{ labels: Int32Array; predProbs: PredProbs }> {
  const [labels, predProbs] = await Promise.all([readLabels(labelsPath), readPredProbs(predProbsPath)]);
  const labelsName = basename(labelsPath);
  const predName = basename(predProbsPath);
  validatePredProbs(predProbs, predName);
  if (labels.length !== predProbs.n) {
    throw new Error(`${labelsName} has ${labels.length} labels but ${predName} has ${predProbs.n} rows`);
  }
  validateLabels(labels, predProbs.k, labelsName);
  return { labels, predProbs };
}
