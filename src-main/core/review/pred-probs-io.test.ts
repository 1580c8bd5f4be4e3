import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeNpy,
  labelsFromNpy,
  loadRankInputs,
  parseLabelsCsv,
  parseNpy,
  parsePredProbsCsv,
  predProbsFromNpy,
  readLabels,
  readNpy,
  readPredProbs,
  writeLabels,
  writePredProbs,
  type NpyArray,
} from './pred-probs-io';

// Files written by NumPy 2.4's np.save (np.lib.format.write_array for v2/v3), base64.
const NUMPY = {
  // [[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]] as float64, C order and Fortran order, and as float32
  f8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADgPwAAAAAAANA/AAAAAAAA0D+amZmZmZm5P5qZmZmZmck/ZmZmZmZm5j8=',
  f8Fortran:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADgP5qZmZmZmbk/AAAAAAAA0D+amZmZmZnJPwAAAAAAANA/ZmZmZmZm5j8=',
  f4: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AACAPgAAgD7NzMw9zcxMPjMzMz8=',
  // [2, 0, 1] as int64, int32, uint8
  i8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoCAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAA=',
  i4: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoCAAAAAAAAAAEAAAA=',
  u1: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoCAAE=',
  // [1.5, 2.5] in format versions 2 and 3, and big-endian
  v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAARA',
  v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAARA',
  bigEndian:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/+AAAAAAAAEAEAAAAAAAA',
  // np.array([{'a': 1}, None], dtype=object), allow_pickle=True
  object:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqABJWUAAAAAAAAAIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwKFlGgDjAVkdHlwZZSTlIwCTziUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LP3SUYoldlCh9lIwBYZRLAXNOZXSUYi4=',
  threeD:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  structured:
    'k05VTVBZAQB2AHsnZGVzY3InOiBbKCd4JywgJzxmOCcpLCAoJ3knLCAnPGk0JyldLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  complex:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGMxNicsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==',
};
const bytesOf = (name: keyof typeof NUMPY): Uint8Array => Buffer.from(NUMPY[name], 'base64');
const values = (array: NpyArray): number[] => Array.from(array.data as ArrayLike<number | bigint>, Number);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-predprobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, contents: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, contents);
  return path;
}

describe('.npy', () => {
  it('reads float64, float32 and Fortran-ordered 2-D arrays row-major', () => {
    const c = parseNpy(bytesOf('f8'));
    expect(c.dtype).toBe('<f8');
    expect(c.shape).toEqual([2, 3]);
    expect(values(c)).toEqual([0.5, 0.25, 0.25, 0.1, 0.2, 0.7]);
    // NumPy writes transposed and column-sliced arrays this way (the CIFAR benchmark's pred_probs.npy is one).
    expect(values(parseNpy(bytesOf('f8Fortran')))).toEqual([0.5, 0.25, 0.25, 0.1, 0.2, 0.7]);
    const f4 = parseNpy(bytesOf('f4'));
    expect(f4.data).toBeInstanceOf(Float32Array);
    expect(values(f4)).toEqual(Array.from(Float32Array.from([0.5, 0.25, 0.25, 0.1, 0.2, 0.7])));
  });

  it('reads int64, int32 and uint8 labels, and format versions 2 and 3', () => {
    for (const name of ['i8', 'i4', 'u1'] as const)
      expect(Array.from(labelsFromNpy(parseNpy(bytesOf(name))))).toEqual([2, 0, 1]);
    expect(values(parseNpy(bytesOf('v2')))).toEqual([1.5, 2.5]);
    expect(values(parseNpy(bytesOf('v3')))).toEqual([1.5, 2.5]);
  });

  it('writes byte for byte what np.save writes', () => {
    const probs = Float64Array.from([0.5, 0.25, 0.25, 0.1, 0.2, 0.7]);
    expect(Buffer.from(encodeNpy(probs, [2, 3])).toString('base64')).toBe(NUMPY.f8);
    expect(Buffer.from(encodeNpy(BigInt64Array.from([2n, 0n, 1n]), [3])).toString('base64')).toBe(NUMPY.i8);
    expect(Buffer.from(encodeNpy(Int32Array.from([2, 0, 1]), [3])).toString('base64')).toBe(NUMPY.i4);
    expect(Buffer.from(encodeNpy(Uint8Array.from([2, 0, 1]), [3])).toString('base64')).toBe(NUMPY.u1);
    expect(Buffer.from(encodeNpy(Float32Array.from([0.5, 0.25, 0.25, 0.1, 0.2, 0.7]), [2, 3])).toString('base64')).toBe(
      NUMPY.f4,
    );
    expect(() => encodeNpy(probs, [4, 2])).toThrow(/shape \(4, 2\) does not match 6 values/);
  });

  it('refuses what it cannot read, saying why', () => {
    expect(() => parseNpy(bytesOf('bigEndian'), 'x.npy')).toThrow("x.npy is big-endian ('>f8'); save it little-endian");
    expect(() => parseNpy(bytesOf('object'), 'x.npy')).toThrow('x.npy holds Python objects (a pickled object array)');
    expect(() => parseNpy(bytesOf('threeD'), 'x.npy')).toThrow(
      'x.npy is 3-dimensional; only 1-D and 2-D arrays are supported',
    );
    expect(() => parseNpy(bytesOf('structured'), 'x.npy')).toThrow('x.npy holds a structured array');
    expect(() => parseNpy(bytesOf('complex'), 'x.npy')).toThrow(
      "x.npy has dtype '<c16'; use float64, float32, int64, int32 or uint8",
    );
    expect(() => parseNpy(new TextEncoder().encode('label\n1\n'), 'x.npy')).toThrow('x.npy is not a NumPy .npy file');
    expect(() => parseNpy(bytesOf('f8').subarray(0, 140), 'x.npy')).toThrow(
      /needs 48 bytes of data but the file has 12/,
    );
    expect(() => labelsFromNpy(parseNpy(bytesOf('f8')), 'y.npy')).toThrow('y.npy is 2 × 3; labels need a 1-D array');
    expect(() => labelsFromNpy(parseNpy(bytesOf('v2')), 'y.npy')).toThrow(
      'y.npy, example 0: label 1.5 is not a whole number',
    );
    expect(() => predProbsFromNpy(parseNpy(bytesOf('i8')), 'p.npy')).toThrow(/p.npy is 1-D/);
  });
});

describe('CSV', () => {
  it('reads predicted probabilities with or without a header', () => {
    const withHeader = parsePredProbsCsv('\uFEFFcat,dog\n0.25,0.75\n\n1,0\n');
    expect(withHeader).toEqual({ data: Float64Array.from([0.25, 0.75, 1, 0]), n: 2, k: 2 });
    expect(parsePredProbsCsv('0.25, 0.75\r\n1e-3,0.999\r\n')).toEqual({
      data: Float64Array.from([0.25, 0.75, 0.001, 0.999]),
      n: 2,
      k: 2,
    });
  });

  it('reads labels one per row, or from a label column', () => {
    expect(Array.from(parseLabelsCsv('2\n0\n1\n'))).toEqual([2, 0, 1]);
    expect(Array.from(parseLabelsCsv('y\n2\n0\n'))).toEqual([2, 0]);
    expect(Array.from(parseLabelsCsv('path,Label\na.png,3\n"b,c.png",1\n'))).toEqual([3, 1]);
  });

  it('says which cell is wrong', () => {
    expect(() => parsePredProbsCsv('a,b\n0.5,0.5\n0.5,half\n', 'p.csv')).toThrow(
      "p.csv, example 1, column 1: 'half' is not a number",
    );
    expect(() => parsePredProbsCsv('0.5,0.5\n0.5\n', 'p.csv')).toThrow(/^p.csv: Invalid Record Length/);
    expect(() => parsePredProbsCsv('', 'p.csv')).toThrow('p.csv is empty');
    expect(() => parsePredProbsCsv('a,b\n', 'p.csv')).toThrow('p.csv has a header but no rows');
    expect(() => parseLabelsCsv('path,y\na,1\n', 'l.csv')).toThrow("l.csv has no 'label' column (columns: path, y)");
    expect(() => parseLabelsCsv('1,2\n', 'l.csv')).toThrow(
      "l.csv has 2 columns; give one label per row, or a header with a 'label' column",
    );
    expect(() => parseLabelsCsv('label\n1\n1.5\n', 'l.csv')).toThrow(
      "l.csv, example 1: label '1.5' is not a whole number",
    );
    expect(() => parseLabelsCsv('label\n1\n\n""\n', 'l.csv')).toThrow(
      "l.csv, example 1: label '' is not a whole number",
    );
  });
});

describe('files', () => {
  it('round-trips .npy and .csv by extension', async () => {
    const predProbs = { data: Float64Array.from([0.1, 0.9, 1 / 3, 2 / 3]), n: 2, k: 2 };
    for (const ext of ['npy', 'csv']) {
      await writePredProbs(join(dir, `p.${ext}`), predProbs);
      await writeLabels(join(dir, `l.${ext}`), [1, 0]);
      expect(await readPredProbs(join(dir, `p.${ext}`))).toEqual(predProbs);
      expect(Array.from(await readLabels(join(dir, `l.${ext}`)))).toEqual([1, 0]);
      expect((await readNpy(join(dir, 'l.npy'))).dtype).toBe('<i8');
    }
  });

  it('refuses unknown extensions and missing files', async () => {
    await expect(readLabels(await file('labels.txt', '1\n'))).rejects.toThrow(
      'labels.txt: expected a .npy or .csv file',
    );
    await expect(readPredProbs(join(dir, 'absent.npy'))).rejects.toThrow(`no file at ${join(dir, 'absent.npy')}`);
  });

  it('checks that labels and probabilities fit together', async () => {
    const labels = await file('labels.csv', 'label\n0\n1\n');
    const check = async (probs: string, labelPath = labels): Promise<unknown> =>
      loadRankInputs(labelPath, await file('probs.csv', probs));
    await expect(check('0.5,0.5\n0.2,0.8\n')).resolves.toMatchObject({ predProbs: { n: 2, k: 2 } });
    await expect(check('0.5,0.5\n0.2,0.8\n0.1,0.9\n')).rejects.toThrow(
      'labels.csv has 2 labels but probs.csv has 3 rows',
    );
    await expect(check('1\n1\n')).rejects.toThrow(
      'probs.csv has 1 column; predicted probabilities need one column per class, at least 2',
    );
    await expect(check('0.5,0.5\n-0.2,0.8\n')).rejects.toThrow('probs.csv, example 1, class 0: -0.2 is negative');
    await expect(check('0.5,nan\n0.2,0.8\n')).rejects.toThrow(
      'probs.csv, example 0, class 1: NaN is not a finite number',
    );
    await expect(check('0.5,inf\n0.2,0.8\n')).rejects.toThrow(
      'probs.csv, example 0, class 1: Infinity is not a finite number',
    );
    await expect(check('0.5,0.5\n0,0\n')).rejects.toThrow('probs.csv, example 1: every probability is 0');
    await expect(check('0.5,0.5\n0.2,0.8\n', await file('bad.csv', '0\n2\n'))).rejects.toThrow(
      'bad.csv, example 1: label 2 is not a class in 0..1 (the probabilities have 2 columns)',
    );
  });
});

const BENCH = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/bench/cifar10-noise20-resnet18');

describe('the CIFAR-10 benchmark files', () => {
  it.skipIf(!existsSync(join(BENCH, 'pred_probs.npy')))('read as NumPy does', async () => {
    const { labels, predProbs } = await loadRankInputs(join(BENCH, 'noisy_labels.npy'), join(BENCH, 'pred_probs.npy'));
    expect(labels).toHaveLength(50_000);
    expect(predProbs).toMatchObject({ n: 50_000, k: 10 });
    // Values as np.load gives them (the file is Fortran-ordered).
    expect(predProbs.data[0]).toBe(0.7679399847984314);
    expect(predProbs.data[9]).toBe(0.008376999758183956);
    expect(predProbs.data[123 * 10 + 4]).toBe(0.007157592102885246);
    expect(predProbs.data[49_999 * 10 + 9]).toBe(0.3121987581253052);
  });
});
