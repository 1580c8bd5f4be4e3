import { LOUPE_VERSION } from '../loupe-version';
import type { ApiArea, ApiContext } from './api-context';

export function appApi({ host, dbPath }: ApiContext): ApiArea<'app'> {
  return {
    'app.info': () =>
      Promise.resolve({ version: LOUPE_VERSION, door: host.door, canPickFolder: !!host.pickFolder, dbPath }),
    'app.pickFolder': async ({ title }) => ({ path: host.pickFolder ? await host.pickFolder(title) : null }),
    'app.pickFile': async (options) => ({ path: host.pickFile ? await host.pickFile(options) : null }),
  };
}
