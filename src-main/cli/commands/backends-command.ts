import type { Command } from 'commander';
import { probeBackends } from '../../core/train/backend-probe';
import { print } from '../cli-door';

/** Needs no store: it asks this machine, in a training worker, which backends it can run. */
export function addBackendsCommand(program: Command): void {
  program
    .command('backends')
    .description('the training backends this machine can run, in the order auto tries them, with the GPU adapter')
    .option('--json', 'print one JSON object on stdout')
    .action(async (opts: { json?: boolean }) => {
      const backends = await probeBackends();
      print(
        !!opts.json,
        { backends },
        backends.map((b) => `${b.name.padEnd(8)} ${b.available ? 'available  ' : 'unavailable'}  ${b.note}`).join('\n'),
      );
    });
}
