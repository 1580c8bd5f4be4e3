import type { Command } from 'commander';
import type { SimilarPhotos } from '../../shared/api-contract';
import { datasetCommand, invoke, pickDataset, positiveInt, print, withCore } from '../cli-door';

const SIMILAR_DEFAULT = 6;

interface SuspectsOptions {
  db: string;
  dataset?: number;
  run?: number;
  top?: number;
  /** `--similar` alone: true. */
  similar?: number | true;
  json?: boolean;
}

/** A suspect's similar photos in `--json`: where the vectors came from, or why there are none. */
function similarJson(found: SimilarPhotos) {
  return {
    source: found.source,
    unavailable: found.unavailable,
    photos: found.photos.map((p) => ({
      path: p.path,
      subject: p.subjectKey,
      label: p.valueName,
      similarity: p.similarity,
    })),
  };
}

function similarLine(found: ReturnType<typeof similarJson>): string {
  if (found.unavailable) return `       similar: ${found.unavailable}`;
  return `       similar: ${found.photos.map((p) => `${p.label ?? 'unlabelled'} ${p.path} (${p.similarity.toFixed(2)})`).join('; ')}`;
}

export function addSuspectsCommand(program: Command): void {
  datasetCommand(program, 'suspects')
    .description('labels the latest training run says are likely wrong, most suspicious first')
    .option('--run <id>', 'training run (default: the latest finished one)', positiveInt)
    .option('--top <n>', 'how many suspects', positiveInt)
    .option(
      '--similar [k]',
      `with each suspect, the k photos of other persons most similar in the run's features, and their labels (default ${SIMILAR_DEFAULT})`,
      positiveInt,
    )
    .action((opts: SuspectsOptions) =>
      withCore(opts.db, async (core) => {
        const datasetId = await pickDataset(core, opts.dataset);
        const queue = await invoke(core, 'review.suspects', {
          datasetId,
          offset: 0,
          runId: opts.run,
          limit: Math.min(opts.top ?? 5000, 5000),
        });
        const k = opts.similar === true ? SIMILAR_DEFAULT : opts.similar;
        const similar = new Map<string, SimilarPhotos>();
        for (const s of k === undefined ? [] : queue.items)
          similar.set(s.key, await invoke(core, 'review.similar', { datasetId, key: s.key, runId: queue.runId, k }));
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
          ...(similar.has(s.key) ? { similar: similarJson(similar.get(s.key)!) } : {}),
        }));
        print(
          !!opts.json,
          { run: queue.runId, suspects, small_data_notice: queue.smallDataNotice ?? null },
          (suspects
            .flatMap((s, i) => [
              ...(s.tier === 2 && suspects[i - 1]?.tier !== 2 ? ['-- second tier: not flagged, next most doubtful --'] : []),
              `${s.score.toFixed(3)}  ${s.level.padEnd(7)} ${s.field.padEnd(6)} ${s.given} → ${s.suggested}  ${s.path}`,
              ...(s.similar ? [similarLine(s.similar)] : []),
            ])
            .join('\n') || 'no suspects') + (queue.smallDataNotice ? `\n\n${queue.smallDataNotice}` : ''),
        );
      }),
    );
}
