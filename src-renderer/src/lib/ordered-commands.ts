// Commands run one after another in the order they were given: a reviewer's keys arrive faster than the server
// answers, and each must act on what was shown when it was pressed, after the ones before it. A failed command
// is reported by its caller and does not stop the ones after it.
export class OrderedCommands {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  #onIdle: (() => void)[] = [];

  /** Commands given and not finished. */
  get pending(): number {
    return this.#pending;
  }

  /** Runs `command` after every command given before it; resolves or rejects with it. */
  run<T>(command: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(command);
    this.#tail = result.then(
      () => this.#finished(),
      () => this.#finished(),
    );
    return result;
  }

  /** Resolves once every command given so far has finished. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onIdle.push(resolve));
  }

  #finished(): void {
    this.#pending--;
    if (this.#pending > 0) return;
    const waiting = this.#onIdle;
    this.#onIdle = [];
    for (const resolve of waiting) resolve();
  }
}
