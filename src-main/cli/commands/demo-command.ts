import type { Command } from 'commander';
import { openCore } from '../../core/api';
import { invoke, print, waitForJob } from '../cli-door';

/** The welcome screen's "Open demo dataset", headless: draws the small demo dataset offline and imports it. */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('draw the offline demo dataset (with a few planted label errors) and import it into a store')
    .requiredOption('--db <file>', 'store file (created if missing)')
    .option('--json', 'print one JSON object on stdout')
    .action(async (opts: { db: string; json?: boolean }) => {
      const core = openCore(opts.db);
      try {
        const { jobId } = await invoke(core, 'datasets.importDemo', {});
        const result = await waitForJob(core, jobId, 'demo', 'demo cancelled; run it again to resume');
        print(
          !!opts.json,
          { images: result.images, subjects: result.subjects, problems: result.problems, dataset: result.datasetId },
          `imported the demo: ${result.images} images of ${result.subjects} people into dataset ${result.datasetId}`,
        );
      } finally {
        await core.close();
      }
    });
}
