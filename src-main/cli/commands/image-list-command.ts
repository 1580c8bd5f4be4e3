import type { Command } from 'commander';
import { absolutePathArg, datasetCommand, invoke, pickDataset, print, withCore } from '../cli-door';

export function addImageListCommand(program: Command): void {
  datasetCommand(program, 'image-list')
    .description('write images.csv: the row order external out-of-sample probabilities must follow')
    .requiredOption('--out <file>', 'CSV file to write')
    .action((opts: { db: string; out: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const result = await invoke(core, 'review.exportImageList', { datasetId, outPath: absolutePathArg(opts.out) });
        print(!!opts.json, result, `wrote ${result.rows} rows to ${result.path}`);
      }),
    );
}
