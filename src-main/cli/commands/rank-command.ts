// `loupe rank`: which given labels look wrong, from saved labels and out-of-sample predicted probabilities, by
// confident learning exactly as cleanlab's find_label_issues does it (same filter_by and rank_by names).
import { Option, type Command } from 'commander';
import { FILTER_BY, RANK_BY, findLabelIssues, type FilterBy, type RankBy } from '../../core/review/confident-learning';
import { loadRankInputs } from '../../core/review/pred-probs-io';

interface RankOptions {
  labels: string;
  predProbs: string;
  filter: FilterBy;
  rankBy: RankBy;
  json?: boolean;
}

/** How many of the most suspicious examples the human summary lists. */
const SHOWN = 10;

export function addRankCommand(program: Command): void {
  program
    .command('rank')
    .description('rank likely label errors from given labels and out-of-sample predicted probabilities')
    .requiredOption(
      '--labels <file>',
      'given labels: .npy (1-D whole numbers) or .csv (one per row, or a label column)',
    )
    .requiredOption('--pred-probs <file>', 'predicted probabilities: .npy (n × k) or .csv (k columns, optional header)')
    .addOption(
      new Option('--filter <filter_by>', 'how label issues are chosen (cleanlab filter_by)')
        .choices(FILTER_BY)
        .default('prune_by_noise_rate'),
    )
    .addOption(
      new Option('--rank-by <score>', 'label quality score that orders them, lowest first')
        .choices(RANK_BY)
        .default('self_confidence'),
    )
    .option('--json', 'print one JSON object on stdout: {"n": N, "flagged": [indices, most suspicious first]}')
    .action(async (opts: RankOptions) => {
      const { labels, predProbs } = await loadRankInputs(opts.labels, opts.predProbs);
      const result = findLabelIssues(labels, predProbs, { filterBy: opts.filter, rankBy: opts.rankBy });
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      const flagged = Array.from(result.issues);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ n: predProbs.n, flagged })}\n`);
        return;
      }
      const { n, k, data } = predProbs;
      const share = ((100 * flagged.length) / n).toFixed(1);
      const lines = [
        `flagged ${flagged.length} of ${n} examples (${share}%) as likely label errors ` +
          `(${opts.filter}, ranked by ${opts.rankBy})`,
      ];
      for (const i of flagged.slice(0, SHOWN)) {
        let predicted = 0;
        for (let j = 1; j < k; j++) if (data[i * k + j]! > data[i * k + predicted]!) predicted = j;
        lines.push(
          `  example ${i}: given ${labels[i]}, predicted ${predicted}, ${opts.rankBy} ${result.scores[i]!.toFixed(4)}`,
        );
      }
      if (flagged.length > SHOWN) lines.push(`  … and ${flagged.length - SHOWN} more (--json lists them all)`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
