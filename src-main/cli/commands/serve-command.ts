import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { openCore } from '../../core/api';
import { defaultStoreLocation } from '../../core/store-location';
import { defaultRendererDir, startServer } from '../../server/http-server';
import { ensureRendererBuilt } from '../../server/renderer-build';

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
};

/** The store the desktop app opens, for a door started without --db (npm start's browser fallback). */
function defaultStore(): string {
  const { path, note } = defaultStoreLocation();
  if (note) process.stderr.write(`${note}\n`);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the Loupe UI to a browser; prints the URL (with its token) as the first line')
    .option('--db <file>', "store file (created if missing; default: the desktop app's store, LOUPE_DB or ~/.loupe)")
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', port, 0)
    .action(async (opts: { db?: string; host: string; port: number }) => {
      const core = openCore(opts.db ?? defaultStore());
      // The renderer is found from the CLI folder (src-main/cli), as before commands had files of their own.
      const here = dirname(dirname(fileURLToPath(import.meta.url)));
      const running = await startServer({
        core,
        host: opts.host,
        port: opts.port,
        rendererDir: await ensureRendererBuilt(defaultRendererDir(here)),
      });
      process.stdout.write(`${running.url}\n`);
      if (opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
        process.stderr.write(
          `warning: listening on ${opts.host}; anyone who can reach it and has the token can edit labels\n`,
        );
      }
      const stop = (): void => {
        void running
          .close()
          .then(() => core.close())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
