// Paths that cross a door (a dataset folder, an export folder, a predictions file) must be absolute: relative to
// what would they be? The app's working directory is `/` or the home folder when it starts from a desktop
// shortcut. `~` (the user's home) is allowed too; core expands it (core/fs/user-path.ts). Pure: the renderer and
// both doors share it, and it must judge Windows paths the same on any platform.

/** `/x`, `C:\x` or `C:/x`, `\\server\share\x`, or `~`, `~/x`, `~\x`. */
export function isAbsoluteOrHomePath(path: string): boolean {
  return (
    path.startsWith('/') ||
    /^[A-Za-z]:[\\/]/.test(path) ||
    path.startsWith('\\\\') ||
    path === '~' ||
    path.startsWith('~/') ||
    path.startsWith('~\\')
  );
}

export const ABSOLUTE_PATH_MESSAGE =
  'must be an absolute path (like /data/mask, C:\\data\\mask or ~/data/mask), not relative to where Loupe was started';
