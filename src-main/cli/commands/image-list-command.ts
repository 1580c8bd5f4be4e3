import type { Command } from 'commander';
import { absolutePathArg, invoke, pickDataset, positiveInt, print, withCore } from '../cli-door';

export function addImageListCommand(program: Command): void {
  program
    .command('image-list')
    .description('write images.csv: the row order external out-of-sample probabilities must follow')
    .requiredOption('--db <file>', 'store file')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--dataset <id>', 'dataset id when the store holds several', positiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { db: string; out: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const result = await invoke(core, 'review.exportImageList', { datasetId, outPath: absolutePathArg(opts.out) });
        print(!!opts.json, result, `wrote ${result.rows} rows to ${result.path}`);
      }),
    );
}
