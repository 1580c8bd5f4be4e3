import type { Command } from 'commander';
import { datasetCommand, invoke, pickDataset, positiveInt, print, withCore } from '../cli-door';

export function addSuspectsCommand(program: Command): void {
  datasetCommand(program, 'suspects')
    .description('labels the latest training run says are likely wrong, most suspicious first')
    .option('--run <id>', 'training run (default: the latest finished one)', positiveInt)
    .option('--top <n>', 'how many suspects', positiveInt)
    .action((opts: { db: string; dataset?: number; run?: number; top?: number; json?: boolean }) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const queue = await invoke(core, 'review.suspects', {
          datasetId,
          offset: 0,
          runId: opts.run,
          limit: Math.min(opts.top ?? 5000, 5000),
        });
        const suspects = queue.items.map((s) => ({
          path: s.path,
          subject: s.subject,
          level: s.level,
          field: s.field,
          given: s.given,
          suggested: s.suggested,
          score: Math.round(s.score * 1e4) / 1e4,
          // 1: flagged by confident learning; 2: not flagged, the next most doubtful labels after them.
          tier: s.tier,
        }));
        print(
          !!opts.json,
          { run: queue.runId, suspects, small_data_notice: queue.smallDataNotice ?? null },
          (suspects
            .flatMap((s, i) => [
              ...(s.tier === 2 && suspects[i - 1]?.tier !== 2 ? ['-- second tier: not flagged, next most doubtful --'] : []),
              `${s.score.toFixed(3)}  ${s.level.padEnd(7)} ${s.field.padEnd(6)} ${s.given} → ${s.suggested}  ${s.path}`,
            ])
            .join('\n') || 'no suspects') + (queue.smallDataNotice ? `\n\n${queue.smallDataNotice}` : ''),
        );
      }),
    );
}
