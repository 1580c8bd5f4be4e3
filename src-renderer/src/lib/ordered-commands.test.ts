import { describe, expect, it } from 'vitest';
import { OrderedCommands } from './ordered-commands';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ordered commands', () => {
  it('runs each command after the previous one finished, in the order given', async () => {
    const commands = new OrderedCommands();
    const log: string[] = [];
    const first = deferred();
    const a = commands.run(async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
    });
    const b = commands.run(() => {
      log.push('b');
      return Promise.resolve();
    });
    expect(commands.pending).toBe(2);
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['a start', 'a end', 'b']);
    expect(commands.pending).toBe(0);
  });

  it('goes on after a failure, which its caller sees', async () => {
    const commands = new OrderedCommands();
    const failing = commands.run(() => Promise.reject(new Error('gone')));
    const next = commands.run(() => Promise.resolve(7));
    await expect(failing).rejects.toThrow('gone');
    await expect(next).resolves.toBe(7);
  });

  it('says when everything given so far is done', async () => {
    const commands = new OrderedCommands();
    await commands.idle();
    const gate = deferred();
    let done = false;
    void commands.run(() => gate.promise);
    const idle = commands.idle().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    gate.resolve();
    await idle;
    expect(done).toBe(true);
  });
});
