import type { Command } from 'commander';
import { datasetCommand, invoke, pickDataset, positiveInt, print, withCore } from '../cli-door';

export function addHistoryCommand(program: Command): void {
  datasetCommand(program, 'history')
    .description('label actions, newest first')
    .option('--limit <n>', 'how many actions', positiveInt, 50)
    .action((opts: { db: string; dataset?: number; limit: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const history = await invoke(core, 'history.list', { datasetId, limit: Math.min(opts.limit, 1000) });
        print(
          !!opts.json,
          { history },
          history
            .map((h) => `${h.createdAt} ${h.state.padEnd(7)} ${h.source.padEnd(10)} ${h.description}`)
            .join('\n') || 'no label changes yet',
        );
      }),
    );
}
