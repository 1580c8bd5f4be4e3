import { existsSync, rmSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { importFormat, type ImportFormat } from '../../shared/api-contract';
import { openCore, type LoupeCore } from '../../core/api';
import { absolutePathArg, CliError, invoke, print, waitForJob } from '../cli-door';

export function addImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a dataset folder or file into a store')
    .argument('<path>', 'competition folder (train.csv + images/), CSV file, class-folder root, or IDX file')
    .requiredOption('--db <file>', 'store file (created if missing)')
    .addOption(new Option('--format <format>', 'dataset layout').choices(importFormat.options).default('auto'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (path: string, opts: { db: string; format: ImportFormat; json?: boolean }) => {
      if (!existsSync(path)) throw new CliError(`nothing at ${path}`);
      const created = !existsSync(opts.db);
      const core = openCore(opts.db);
      let imported = false;
      try {
        const { jobId } = await invoke(core, 'datasets.import', { path: absolutePathArg(path), format: opts.format });
        const result = await waitForJob(core, jobId, 'import', 'import cancelled; run it again to resume');
        imported = true;
        print(
          !!opts.json,
          { images: result.images, subjects: result.subjects, problems: result.problems, dataset: result.datasetId },
          `imported ${result.images} images of ${result.subjects} people (${result.added} new) into dataset ` +
            `${result.datasetId}; ${result.problems.length} problems` +
            result.problems.map((p) => `\n  ${p.path}: ${p.reason}`).join(''),
        );
      } finally {
        const empty = !imported && created && (await datasetCount(core)) === 0;
        await core.close();
        // A store made by an import that failed before writing anything is not left behind.
        if (empty) for (const f of ['', '-wal', '-shm']) rmSync(opts.db + f, { force: true });
      }
    });
}

async function datasetCount(core: LoupeCore): Promise<number> {
  try {
    return (await invoke(core, 'datasets.list', {})).length;
  } catch {
    return 0;
  }
}
