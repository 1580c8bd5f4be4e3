import { InvalidArgumentError, type Command } from 'commander';
import { detectSettings } from '../../shared/api-contract';
import { checkedSettings, datasetCommand, invoke, pickDataset, print, waitForJob, withCore } from '../cli-door';

const scoreOption = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number from 0.05 to 0.99');
  return n;
};

export function addDetectCommand(program: Command): void {
  datasetCommand(program, 'detect')
    .description(
      'find the face in every photo (offline, resumable): detected boxes with scores, "no face found" where none; ' +
        'images whose boxes a person drew or edited are left alone',
    )
    .option('--min-score <s>', 'drop detections scoring below this (0.05–0.99)', scoreOption)
    .option('--redetect', 'look again at photos a detector already looked at')
    .action((opts: { db: string; dataset?: number; minScore?: number; redetect?: boolean; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const settings = checkedSettings(detectSettings, { minScore: opts.minScore, redetect: opts.redetect });
        const { jobId } = await invoke(core, 'detect.start', { datasetId, settings });
        const result = await waitForJob(
          core,
          jobId,
          'detect',
          'detection cancelled; what it finished is kept, run it again to do the rest',
        );
        print(
          !!opts.json,
          result,
          `looked at ${result.images} photos in ${result.seconds} s: ${result.faces} faces, ` +
            `${result.no_face} with no face found; ${result.skipped} skipped (already looked at, or boxes a person ` +
            `decided); ${result.failed} unreadable` +
            result.problems.map((p) => `\n  ${p.path}: ${p.reason}`).join(''),
        );
      }),
    );
}
