// `loupe`: every step headless. Each command validates its input before touching the store, prints one JSON
// object on stdout with --json, progress on stderr, and exits non-zero with a one-line reason on bad input. The
// commands (commands/*.ts) call the API through the same validation as the other doors (cli-door.ts).
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { ApiFailure } from '../core/api-failure';
import { CliError } from './cli-door';
import { addImportCommand } from './commands/import-command';
import { addInfoCommand } from './commands/info-command';
import { addRelabelCommand } from './commands/relabel-command';
import { addUndoRedoCommands } from './commands/undo-redo-commands';
import { addHistoryCommand } from './commands/history-command';
import { addImportBoxesCommand } from './commands/import-boxes-command';
import { addExportCommand } from './commands/export-command';
import { addTrainCommand } from './commands/train-command';
import { addDetectCommand } from './commands/detect-command';
import { addImageListCommand } from './commands/image-list-command';
import { addImportPredictionsCommand } from './commands/import-predictions-command';
import { addSuspectsCommand } from './commands/suspects-command';
import { addServeCommand } from './commands/serve-command';
import { addRankCommand } from './commands/rank-command';
import { addBackendsCommand } from './commands/backends-command';
import { addDemoCommand } from './commands/demo-command';

export function buildProgram(): Command {
  const program = new Command('loupe')
    .description('Find and fix label errors in image datasets')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const add of [
    addImportCommand,
    addDemoCommand,
    addInfoCommand,
    addRelabelCommand,
    addUndoRedoCommands,
    addHistoryCommand,
    addImportBoxesCommand,
    addExportCommand,
    addTrainCommand,
    addDetectCommand,
    addImageListCommand,
    addImportPredictionsCommand,
    addSuspectsCommand,
    addServeCommand,
    addRankCommand,
    addBackendsCommand,
  ]) {
    add(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error && typeof error === 'object' && 'exitCode' in error && 'code' in error) {
      // commander already printed its message (help, a missing option, a bad choice).
      return (error as { exitCode: number }).exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`loupe: ${message.split('\n')[0]}\n`);
    return error instanceof CliError || error instanceof ApiFailure ? 2 : 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      // `serve` keeps the event loop alive; everything else ends here.
      if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`loupe: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
