import type { Command } from 'commander';
import type { LabelTarget } from '../../shared/api-contract';
import { CliError, datasetCommand, invoke, pickDataset, print, withCore } from '../cli-door';
import { parseAssignment } from '../parse-assignment';

interface RelabelOptions {
  db: string;
  image?: string;
  subject?: string;
  set: string;
  dataset?: number;
  json?: boolean;
}

export function addRelabelCommand(program: Command): void {
  datasetCommand(program, 'relabel')
    .description('change a label of one image or one person (recorded in history, undoable)')
    .option('--image <path>', 'image path as in the dataset, relative to its root')
    .option('--subject <path>', 'person (competition `path` column) or CSV group')
    .requiredOption(
      '--set <field=value>',
      'mask=wear|incorrect|not wear, gender=male|female, age=<30|30-59|>=60|<years>, label=<name>',
    )
    .action((opts: RelabelOptions) =>
      withCore(opts.db, async (core) => {
        if (!!opts.image === !!opts.subject) throw new CliError('give exactly one of --image or --subject');
        const datasetId = await pickDataset(core, opts.dataset);
        const summary = await invoke(core, 'datasets.get', { datasetId });
        const { field, value } = parseAssignment(opts.set, summary);
        let target: LabelTarget;
        if (opts.image) {
          const { imageId } = await invoke(core, 'images.find', { datasetId, path: opts.image });
          if (imageId === null) throw new CliError(`no image ${opts.image} in dataset ${datasetId}`);
          target = { imageId };
        } else {
          const key = opts.subject!;
          const find = async (k: string): Promise<number | null> =>
            k === '' ? null : (await invoke(core, 'subjects.find', { datasetId, key: k })).subjectId;
          const subjectId = (await find(key)) ?? (await find(key.replace(/^images\//, '').replace(/\/$/, '')));
          if (subjectId === null) throw new CliError(`no person ${key} in dataset ${datasetId}`);
          target = { subjectId };
        }
        const result = await invoke(core, 'labels.set', { datasetId, target, field, value });
        print(
          !!opts.json,
          result,
          result.actionId === null
            ? 'nothing changed (the label already had that value)'
            : `changed ${result.changes.length} label(s); ${result.imagesChanged} image(s) affected (action ${result.actionId})`,
        );
      }),
    );
}
