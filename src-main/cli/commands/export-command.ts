import type { Command } from 'commander';
import { absolutePathArg, invoke, pickDataset, positiveInt, print, withCore } from '../cli-door';

export function addExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'write train.csv (competition layout), labels.csv (with each image’s face box), changes.csv, and the face ' +
        'boxes as boxes.csv and boxes.coco.json to a folder',
    )
    .requiredOption('--db <file>', 'store file')
    .requiredOption('--out <dir>', 'output folder (created if missing; never the dataset folder)')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
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
