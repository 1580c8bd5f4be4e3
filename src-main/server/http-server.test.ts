import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCore, type LoupeCore } from '../core/api';
import { startServer, type RunningServer } from './http-server';

let core: LoupeCore | null = null;
let running: RunningServer | null = null;

afterEach(async () => {
  await running?.close();
  await core?.close();
  running = null;
  core = null;
});

async function setup(): Promise<{ base: string; token: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-server-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Loupe</title>');
  writeFileSync(join(dir, 'secret.txt'), 'do not serve');
  core = openCore(join(dir, 'loupe.db'));
  running = await startServer({ core, rendererDir: renderer });
  const url = new URL(running.url);
  return { base: url.origin, token: running.token, dir };
}

describe('loupe serve', () => {
  it('binds 127.0.0.1 and prints a URL carrying the token', async () => {
    await setup();
    const url = new URL(running!.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('token')).toBe(running!.token);
    expect(running!.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers 401 to every request without the token', async () => {
    const { base } = await setup();
    for (const path of ['/', '/index.html', '/api/datasets.list', '/api/events', '/media/image/1', '/nope']) {
      const res = await fetch(base + path, { method: path.startsWith('/api/d') ? 'POST' : 'GET' });
      expect(res.status, path).toBe(401);
    }
    const wrong = await fetch(`${base}/?token=wrong`);
    expect(wrong.status).toBe(401);
  });

  it('sets a cookie from the token URL that authorises later requests', async () => {
    const { base, token } = await setup();
    const first = await fetch(`${base}/?token=${token}`);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('<title>Loupe</title>');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const api = await fetch(`${base}/api/datasets.list`, { method: 'POST', headers: { cookie: cookie.split(';')[0]! } });
    expect(await api.json()).toEqual({ ok: true, value: [] });
  });

  it('validates API arguments by schema and names unknown methods', async () => {
    const { base, token } = await setup();
    const call = (method: string, body: unknown) =>
      fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const bad = await call('images.query', { datasetId: 'x' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    const extra = await call('datasets.list', { evil: true });
    expect(extra.status).toBe(400);
    const unknown = await call('fs.readFile', {});
    expect(unknown.status).toBe(404);
    const missing = await call('datasets.get', { datasetId: 5 });
    expect(await missing.json()).toEqual({ ok: false, error: { code: 'not-found', message: 'no dataset 5' } });
  });

  it('serves images only from inside the dataset root', async () => {
    const { base, token, dir } = await setup();
    const root = join(dir, 'dataset');
    mkdirSync(root);
    writeFileSync(join(root, 'ok.png'), 'png bytes');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.png'));
    const db = core!.db;
    const datasetId = Number(
      db.prepare(`INSERT INTO datasets (name, kind, root, source, imported_at) VALUES ('d', 'folders', ?, ?, 'now')`).run(root, root)
        .lastInsertRowid,
    );
    const add = (rel: string): number =>
      Number(db.prepare('INSERT INTO images (dataset_id, rel_path) VALUES (?, ?)').run(datasetId, rel).lastInsertRowid);
    const ok = add('ok.png');
    const escape = add('../secret.txt');
    const absolute = add(join(dir, 'secret.txt'));
    const link = add('link.png');
    const get = (path: string) => fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    const good = await get(`/media/image/${ok}`);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toBe('image/png');
    for (const id of [escape, absolute, link]) expect((await get(`/media/image/${id}`)).status).toBe(404);
    for (const path of ['/media/image/..%2f..%2fsecret.txt', '/media/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('do not serve');
    }
  });

  it('pushes events to connected viewers', async () => {
    const { base, token } = await setup();
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const firstEvent = async (): Promise<string> => {
      while (!received.includes('\n\ndata: ') && !/^data: .*\n\n/m.test(received)) {
        const chunk = (await reader.read()) as { value?: Uint8Array; done: boolean };
        if (chunk.done) break;
        received += decoder.decode(chunk.value);
      }
      return /^data: (.*)$/m.exec(received)?.[1] ?? '';
    };
    const job = await fetch(`${base}/api/datasets.import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ path: '/no/such/folder' }),
    });
    expect(job.status).toBe(200);
    expect(JSON.parse(await firstEvent())).toMatchObject({ name: 'job.progress', payload: { kind: 'import' } });
    controller.abort();
  });
});
