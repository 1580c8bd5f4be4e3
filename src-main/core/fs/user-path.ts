// A path as a person wrote it, made absolute: `~` is their home folder (the shell expands it, a text field does
// not). The doors only let absolute or `~` paths through (shared/absolute-path.ts); the CLI may pass relative ones,
// which mean the shell's working directory, as every command-line tool's do.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function expandUserPath(path: string, home = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return resolve(path);
}
