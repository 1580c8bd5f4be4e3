import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { absolutePathArg, CliError, datasetCommand, invoke, pickDataset, print, withCore } from '../cli-door';

interface ImportPredictionsOptions {
  db: string;
  predProbs: string;
  task?: 'mask' | 'gender' | 'age';
  dataset?: number;
  json?: boolean;
}

export function addImportPredictionsCommand(program: Command): void {
  datasetCommand(program, 'import-predictions')
    .description('store out-of-sample probabilities computed elsewhere (.npy or .csv, rows as in image-list) as a run')
    .requiredOption('--pred-probs <file>', '.npy or .csv, n × k')
    .addOption(
      new Option(
        '--task <task>',
        'competition layout: the single task the columns are for (default: 18 classes)',
      ).choices(['mask', 'gender', 'age']),
    )
    .action((opts: ImportPredictionsOptions) =>
      withCore(opts.db, async (core) => {
        if (!existsSync(opts.predProbs)) throw new CliError(`nothing at ${opts.predProbs}`);
        const datasetId = await pickDataset(core, opts.dataset);
        const result = await invoke(core, 'review.importPredictions', {
          datasetId,
          path: absolutePathArg(opts.predProbs),
          task: opts.task,
        });
        print(!!opts.json, result, `stored run ${result.runId}: ${result.rows} rows for ${result.tasks.join(', ')}`);
      }),
    );
}
