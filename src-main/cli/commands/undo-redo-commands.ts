import type { Command } from 'commander';
import { datasetCommand, invoke, pickDataset, print, withCore } from '../cli-door';

export function addUndoRedoCommands(program: Command): void {
  for (const [name, method] of [
    ['undo', 'history.undo'],
    ['redo', 'history.redo'],
  ] as const) {
    datasetCommand(program, name)
      .description(`${name} the last label action`)
      .action((opts: { db: string; dataset?: number; json?: boolean }) =>
        withCore(opts.db, async (core) => {
          const datasetId = await pickDataset(core, opts.dataset);
          const result = await invoke(core, method, { datasetId });
          print(!!opts.json, result, result.action ? `${name}: ${result.action.description}` : `nothing to ${name}`);
        }),
      );
  }
}
