// Which store a door opens when the user names none: the desktop app, `npm start`'s browser fallback and
// `loupe serve` all ask this one function, so a dataset imported through one door is there in the other.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoreLocation {
  path: string;
  /** Set when another store was found elsewhere: where it is and how to open it, for the user. */
  note: string | null;
}

export interface StoreLocationInput {
  env?: Record<string, string | undefined>;
  home?: string;
  platform?: NodeJS.Platform;
  exists?: (path: string) => boolean;
}

/** Where Electron kept the store before there was one default (its userData folder for the app name "loupe"). */
export function legacyElectronStore(
  platform: NodeJS.Platform,
  home: string,
  env: Record<string, string | undefined>,
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'loupe', 'loupe.db');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'loupe', 'loupe.db');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'loupe', 'loupe.db');
}

/**
 * `LOUPE_DB` when set, else `loupe.db` in `LOUPE_HOME` or `~/.loupe`. A store left at the desktop app's old place
 * is not lost: when the default does not exist yet it is opened instead, and when both exist the note says where
 * the other one is.
 */
export function defaultStoreLocation(input: StoreLocationInput = {}): StoreLocation {
  const env = input.env ?? process.env;
  const home = input.home ?? homedir();
  const exists = input.exists ?? existsSync;
  if (env.LOUPE_DB) return { path: env.LOUPE_DB, note: null };
  const path = join(env.LOUPE_HOME ?? join(home, '.loupe'), 'loupe.db');
  const legacy = legacyElectronStore(input.platform ?? process.platform, home, env);
  if (env.LOUPE_HOME || !exists(legacy)) return { path, note: null };
  if (!exists(path)) return { path: legacy, note: `Opening the store at ${legacy} (where earlier versions kept it).` };
  return {
    path,
    note: `Another Loupe store is at ${legacy} (where earlier versions of the desktop app kept it); open it with LOUPE_DB=${legacy}.`,
  };
}
