import type { Command } from 'commander';
import { absolutePathArg, datasetCommand, invoke, pickDataset, print, withCore } from '../cli-door';

export function addExportCommand(program: Command): void {
  datasetCommand(program, 'export')
    .description(
      'write train.csv (competition layout), labels.csv (with each image’s face box), changes.csv, and the face ' +
        'boxes as boxes.csv and boxes.coco.json to a folder',
    )
    .requiredOption('--out <dir>', 'output folder (created if missing; never the dataset folder)')
    .action((opts: { db: string; out: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const result = await invoke(core, 'export.run', { datasetId, outDir: absolutePathArg(opts.out) });
        print(
          !!opts.json,
          result,
          [
            `wrote ${result.files.join(', ')} (${result.rowsChanged} rows changed, ${result.changes} changes)`,
            ...(result.notes ?? []),
          ].join('\n'),
        );
      }),
    );
}
