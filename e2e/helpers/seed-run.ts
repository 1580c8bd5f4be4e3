// A dataset with a finished run in seconds, without training: the demo dataset plus predictions written from its
// own image list (the external-predictions door), where every `flipEvery`-th person's photos are predicted as the
// other gender. The queue then holds person-level gender suspects and the views have a run to show.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { LoupeServer } from './loupe-server';

export async function importDemo(server: LoupeServer): Promise<number> {
  const { jobId } = await server.call('datasets.importDemo', {});
  for (;;) {
    const job = (await server.call('jobs.list', {})).find((j) => j.id === jobId);
    if (job?.state === 'done') return (job.result as { datasetId: number }).datasetId;
    if (job && job.state !== 'running') throw new Error(`demo import ${job.state}: ${job.error}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function seedExternalRun(server: LoupeServer, datasetId: number, flipEvery = 6): Promise<number> {
  const list = join(server.workDir, 'images.csv');
  await server.call('review.exportImageList', { datasetId, outPath: list });
  const rows = parse<{ group: string; label: string }>(readFileSync(list), { columns: true });
  const groups = [...new Set(rows.map((r) => r.group))];
  const flipped = new Set(groups.filter((_, i) => i % flipEvery === 0));
  const probs = rows.map((row) => {
    const given = Number(row.label);
    // Class = mask×6 + gender×3 + age group: flipping gender moves the class by 3 within the mask block.
    const target = flipped.has(row.group) ? given + (given % 6 < 3 ? 3 : -3) : given;
    return Array.from({ length: 18 }, (_, k) => (k === target ? 0.83 : 0.01)).join(',');
  });
  const path = join(server.workDir, 'pred_probs.csv');
  writeFileSync(path, `${probs.join('\n')}\n`);
  return (await server.call('review.importPredictions', { datasetId, path })).runId;
}
