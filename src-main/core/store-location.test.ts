import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStoreLocation, legacyElectronStore } from './store-location';

const home = '/home/u';

describe('the default store', () => {
  it('is ~/.loupe/loupe.db for every door, LOUPE_HOME or LOUPE_DB when set', () => {
    const none = () => false;
    expect(defaultStoreLocation({ env: {}, home, platform: 'linux', exists: none })).toEqual({
      path: join(home, '.loupe', 'loupe.db'),
      note: null,
    });
    expect(defaultStoreLocation({ env: { LOUPE_HOME: '/srv/l' }, home, exists: none }).path).toBe(
      join('/srv/l', 'loupe.db'),
    );
    expect(defaultStoreLocation({ env: { LOUPE_DB: '/x/y.db' }, home, exists: () => true })).toEqual({
      path: '/x/y.db',
      note: null,
    });
  });

  it("opens the desktop app's old store rather than an empty new one, and says where it is", () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const legacy = legacyElectronStore(platform, home, {});
      const found = defaultStoreLocation({ env: {}, home, platform, exists: (p) => p === legacy });
      expect(found.path, platform).toBe(legacy);
      expect(found.note).toContain(legacy);
    }
    expect(legacyElectronStore('linux', home, {})).toBe(join(home, '.config', 'loupe', 'loupe.db'));
    expect(legacyElectronStore('darwin', home, {})).toBe(
      join(home, 'Library', 'Application Support', 'loupe', 'loupe.db'),
    );
    expect(legacyElectronStore('win32', home, { APPDATA: 'C:\\AppData' })).toBe(
      join('C:\\AppData', 'loupe', 'loupe.db'),
    );
  });

  it('when both exist, opens the default and names the other', () => {
    const found = defaultStoreLocation({ env: {}, home, platform: 'linux', exists: () => true });
    expect(found.path).toBe(join(home, '.loupe', 'loupe.db'));
    expect(found.note).toBe(
      `Another Loupe store is at ${join(home, '.config', 'loupe', 'loupe.db')} (where earlier versions of the desktop app kept it); open it with LOUPE_DB=${join(home, '.config', 'loupe', 'loupe.db')}.`,
    );
  });
});
