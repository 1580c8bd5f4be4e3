import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { absolutePathArg, CliError, datasetCommand, invoke, pickDataset, print, withCore } from '../cli-door';

export function addImportBoxesCommand(program: Command): void {
  datasetCommand(program, 'import-boxes')
    .description('face boxes from a CSV (path plus x,y,w,h or x1,y1,x2,y2) as one undoable action')
    .argument('<csv>', 'CSV file; paths as in the dataset (relative to its folder), one row per box')
    .action((csv: string, opts: { db: string; dataset?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        if (!existsSync(csv)) throw new CliError(`nothing at ${csv}`);
        const datasetId = await pickDataset(core, opts.dataset);
        const result = await invoke(core, 'boxes.import', { datasetId, path: absolutePathArg(csv) });
        const outcome =
          result.actionId === null
            ? `nothing changed: ${result.images} image(s) already had these ${result.boxes} imported box(es)`
            : `imported ${result.boxes} box(es) on ${result.images} image(s) (action ${result.actionId}, undo with \`loupe undo\`)`;
        print(
          !!opts.json,
          result,
          `${outcome}; ${result.problems.length} problems` +
            result.problems.map((p) => `\n  ${p.path}: ${p.reason}`).join(''),
        );
        // Every row refused is bad input, not an import: say so in the exit code too.
        if (result.images === 0 && result.problems.length > 0) {
          const first = result.problems[0]!;
          throw new CliError(`no row of ${csv} could be used (first problem: ${first.path}: ${first.reason})`);
        }
      }),
    );
}
