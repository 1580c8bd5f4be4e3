import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { API_METHODS } from '../shared/api-contract';
import { openCore, type LoupeCore } from '../core/api';
import { storeBeside } from '../core/test-support/core-harness';
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
    expect((running!.server.address() as AddressInfo).address).toBe('127.0.0.1');
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

  it('answers 401 to every API method, verb and route without a valid token', async () => {
    const { base, token } = await setup();
    const wrong: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${token}x` },
      { authorization: `Basic ${token}` },
      { cookie: 'loupe_token=wrong' },
    ];
    for (const headers of wrong) {
      for (const method of API_METHODS) {
        const res = await fetch(`${base}/api/${method}`, { method: 'POST', headers, body: '{}' });
        expect(res.status, `${method} ${JSON.stringify(headers)}`).toBe(401);
      }
      for (const verb of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
        for (const path of ['/', '/assets/x.js', '/api/events', '/media/thumb/1', '/%2e%2e/secret.txt']) {
          const res = await fetch(base + path, { method: verb, headers });
          expect(res.status, `${verb} ${path}`).toBe(401);
        }
      }
    }
    expect((await fetch(`${base}/?token=`)).status).toBe(401);
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

  it('rejects arguments that fail the schema on every API method with 400, never 500', async () => {
    const { base, token } = await setup();
    const bodies = ['{"__bogus":true}', '[1,2]', '"text"', '42', 'true', '{"datasetId":{"$gt":0}}', '{'];
    for (const method of API_METHODS) {
      for (const body of bodies) {
        const res = await fetch(`${base}/api/${method}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        });
        expect(res.status, `${method} ${body}`).toBe(400);
        expect(await res.json(), `${method} ${body}`).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
      }
    }
    // Names that exist on every object are not methods.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await fetch(`${base}/api/${name}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
      expect(res.status, name).toBe(404);
    }
    expect(API_METHODS.length).toBeGreaterThanOrEqual(19);
  });

  it('serves the renderer only from inside its folder', async () => {
    const { base, token, dir } = await setup();
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'renderer', 'assets', 'link.js'));
    const get = (path: string) => fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    for (const path of [
      '/assets/link.js',
      '/%2e%2e%2fsecret.txt',
      '/%2E%2E/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%252e%252e%252fsecret.txt',
      '/..%5csecret.txt',
      `/${encodeURIComponent(join(dir, 'secret.txt'))}`,
      '/%00secret.txt',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('do not serve');
    }
    // Broken percent-encoding is the client's mistake: 400, not a server error.
    for (const path of ['/%', '/%E0%A4%A', '/assets/%zz.js', '/..%c0%afsecret.txt']) expect((await get(path)).status, path).toBe(400);
    expect((await get('/')).status).toBe(200);
  });

  it('serves images only from inside the dataset root', async () => {
    const { base, token, dir } = await setup();
    const root = join(dir, 'dataset');
    mkdirSync(root);
    writeFileSync(join(root, 'ok.png'), 'png bytes');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.png'));
    // A second connection, as an outside tool would write; the server's own core never exposes its store.
    const { store, cache } = storeBeside(join(dir, 'loupe.db'));
    const db = store.db;
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
    // A thumbnail is served from Loupe's cache only, whatever path the store holds.
    db.prepare('UPDATE images SET thumb = ? WHERE id = ?').run(join(dir, 'secret.txt'), ok);
    expect((await get(`/media/thumb/${ok}`)).status).toBe(404);
    mkdirSync(cache.root, { recursive: true });
    writeFileSync(join(cache.root, 't.jpg'), 'jpeg bytes');
    db.prepare('UPDATE images SET thumb = ? WHERE id = ?').run(join(cache.root, 't.jpg'), ok);
    expect((await get(`/media/thumb/${ok}`)).status).toBe(200);
    for (const path of [
      '/media/image/..%2f..%2fsecret.txt',
      '/media/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      `/media/image/${ok}%2f..%2f..%2fsecret.txt`,
      `/media/image/%2e%2e%2f${ok}`,
      `/media/image/%252e%252e%252f${ok}`,
      `/media/image/${escape}/../${link}`,
      `/media/image/${ok}?path=../secret.txt`.replace('?', '%3f'),
      `/media/image/-${ok}`,
      `/media/image/${ok}.0`,
      '/media/image/99999999',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('do not serve');
    }
    store.close();
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
