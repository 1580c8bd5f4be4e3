import type { Command } from 'commander';
import { datasetCommand, invoke, pickDataset, print, withCore } from '../cli-door';

export function addInfoCommand(program: Command): void {
  datasetCommand(program, 'info')
    .description('counts of images, people and classes')
    .action((opts: { db: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const summary = await invoke(core, 'datasets.get', { datasetId });
        const overview = await invoke(core, 'datasets.overview', { datasetId });
        const classes = Object.fromEntries(overview.classes.map((c) => [c.key, c.count]));
        print(
          !!opts.json,
          {
            dataset: datasetId,
            name: summary.name,
            kind: summary.kind,
            images: summary.images,
            subjects: summary.subjects,
            classes,
            problems: summary.problems,
          },
          `${summary.name} (${summary.kind}): ${summary.images} images, ${summary.subjects} people, ` +
            `${summary.problems} import problems\n` +
            overview.classes.map((c) => `  ${c.key.padEnd(28)} ${c.count}`).join('\n'),
        );
      }),
    );
}
