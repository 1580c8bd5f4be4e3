import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeLabels, writePredProbs } from '../core/review/pred-probs-io';
import { addRankCommand } from './commands/rank-command';

let dir: string;
// Nine examples, three classes; examples 2 and 8 carry the wrong label (see confident-learning.test.ts).
const LABELS = [0, 0, 0, 1, 1, 1, 2, 2, 2];
const PROBS = {
  data: Float64Array.from([
    0.9, 0.05, 0.05, 0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1, 0.1, 0.9, 0.0, 0.1, 0.1, 0.8, 0.0, 0.2,
    0.8, 0.7, 0.1, 0.2,
  ]),
  n: 9,
  k: 3,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-rank-'));
  await writeLabels(join(dir, 'labels.csv'), LABELS);
  await writePredProbs(join(dir, 'probs.csv'), PROBS);
  await writeLabels(join(dir, 'labels.npy'), LABELS);
  await writePredProbs(join(dir, 'probs.npy'), PROBS);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rank(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    // Settings are copied to subcommands when they are added, so they come first.
    const program = new Command('loupe').exitOverride().configureOutput({ writeErr: (text) => void (stderr += text) });
    addRankCommand(program);
    await program.parseAsync(['rank', ...args], { from: 'user' });
    return { stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const at = (name: string): string => join(dir, name);

describe('loupe rank', () => {
  it('prints one JSON object with the flagged indices, most suspicious first', async () => {
    const { stdout, stderr } = await rank('--labels', at('labels.csv'), '--pred-probs', at('probs.csv'), '--json');
    expect(stdout).toBe('{"n":9,"flagged":[2,8]}\n');
    expect(stderr).toBe('');
  });

  it('reads .npy, and takes --filter and --rank-by', async () => {
    for (const filter of ['confident_learning', 'prune_by_class', 'low_normalized_margin']) {
      const { stdout } = await rank(
        ...['--labels', at('labels.npy'), '--pred-probs', at('probs.npy'), '--json'],
        ...['--filter', filter, '--rank-by', 'normalized_margin'],
      );
      expect(JSON.parse(stdout)).toEqual({ n: 9, flagged: [2, 8] });
    }
  });

  it('prints a short summary without --json', async () => {
    const { stdout } = await rank('--labels', at('labels.csv'), '--pred-probs', at('probs.npy'));
    expect(stdout).toBe(
      'flagged 2 of 9 examples (22.2%) as likely label errors (prune_by_noise_rate, ranked by self_confidence)\n' +
        '  example 2: given 0, predicted 1, self_confidence 0.1000\n' +
        '  example 8: given 2, predicted 0, self_confidence 0.2000\n',
    );
  });

  it('reports warnings on stderr', async () => {
    // Class 2 has a single example: cleanlab will not prune it, and says so.
    await writeFile(at('few-labels.csv'), '0\n0\n1\n1\n2\n');
    await writeFile(at('few-probs.csv'), '0.9,0.05,0.05\n0.1,0.8,0.1\n0.1,0.8,0.1\n0.2,0.7,0.1\n0.1,0.1,0.8\n');
    const { stdout, stderr } = await rank(
      '--labels',
      at('few-labels.csv'),
      '--pred-probs',
      at('few-probs.csv'),
      '--json',
    );
    expect(JSON.parse(stdout)).toEqual({ n: 5, flagged: [1] });
    expect(stderr).toBe('warning: class 2 has too few examples (1) to prune (minExamplesPerClass 1)\n');
  });

  it('fails with a one-line reason on bad input', async () => {
    await writeFile(at('short.csv'), 'label\n0\n1\n');
    await writeFile(at('bad.csv'), '0\n0\n0\n1\n1\n1\n2\n2\n3\n');
    const fails = async (...args: string[]): Promise<string> => {
      const error = await rank(...args).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      return message;
    };
    expect(await fails('--labels', at('short.csv'), '--pred-probs', at('probs.csv'))).toBe(
      'short.csv has 2 labels but probs.csv has 9 rows',
    );
    expect(await fails('--labels', at('bad.csv'), '--pred-probs', at('probs.csv'))).toBe(
      'bad.csv, example 8: label 3 is not a class in 0..2 (the probabilities have 3 columns)',
    );
    expect(await fails('--labels', at('absent.npy'), '--pred-probs', at('probs.csv'))).toBe(
      `no file at ${at('absent.npy')}`,
    );
    expect(await fails('--labels', at('labels.csv'), '--pred-probs', at('short.txt'))).toBe(
      'short.txt: expected a .npy or .csv file',
    );
  });

  it('leaves bad option values to commander', async () => {
    const error = await rank('--labels', at('labels.csv'), '--pred-probs', at('probs.csv'), '--filter', 'nope').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).code).toBe('commander.invalidArgument');
  });
});

const BENCH = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/bench/cifar10-noise20-resnet18');

describe('loupe rank on the CIFAR-10 benchmark', () => {
  it.skipIf(!existsSync(join(BENCH, 'pred_probs.npy')))('flags what cleanlab flags', async () => {
    const { stdout } = await rank(
      ...['--labels', join(BENCH, 'noisy_labels.npy'), '--pred-probs', join(BENCH, 'pred_probs.npy'), '--json'],
    );
    const result = JSON.parse(stdout) as { n: number; flagged: number[] };
    expect(result.n).toBe(50_000);
    expect(result.flagged).toHaveLength(10_740);
  });
});
