// The colour theme: the system's (prefers-color-scheme) unless the person picked light or dark, which is
// remembered in localStorage. The palette on screen (the choice, or the system's) is set as data-theme on <html>,
// where app.css reads it: one place decides, so the stylesheet holds each palette once.
export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'loupe.theme';
const CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

export function parseThemeChoice(value: string | null | undefined): ThemeChoice {
  return CHOICES.find((choice) => choice === value) ?? 'system';
}

export class ThemeState {
  #choice = $state<ThemeChoice>('system');
  #systemDark = $state(false);

  get choice(): ThemeChoice {
    return this.#choice;
  }

  /** The palette on screen now. */
  get effective(): 'light' | 'dark' {
    return this.#choice === 'system' ? (this.#systemDark ? 'dark' : 'light') : this.#choice;
  }

  /** Reads the remembered choice and follows the system; call once, before the app mounts (no light flash). */
  start(): () => void {
    this.#choice = parseThemeChoice(readStorage());
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    this.#systemDark = query.matches;
    this.#apply();
    const onChange = (event: MediaQueryListEvent): void => {
      this.#systemDark = event.matches;
      this.#apply();
    };
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }

  set(choice: ThemeChoice): void {
    this.#choice = choice;
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Storage can be unavailable (private windows, a locked-down profile): the choice holds for this session.
    }
    this.#apply();
  }

  #apply(): void {
    document.documentElement.dataset.theme = this.effective;
  }
}

function readStorage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export const theme = new ThemeState();
