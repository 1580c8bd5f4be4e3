// Browser door: the built renderer, the API as POST /api/<method>, push events as server-sent events, and
// images by id. Every request needs the session token (header, query or the cookie set on first load).
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { extname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { LoupeCore } from '../core/api';
import { dispatch } from '../core/api-dispatch';
import { isInside, realPathOrNull } from '../core/fs/contained-path';
import { parseMediaPath } from '../core/media-files';
import { CONTENT_SECURITY_POLICY_HEADER } from '../shared/content-security-policy';

export interface ServerOptions {
  core: LoupeCore;
  host?: string;
  port?: number;
  /** Folder holding the built renderer (index.html + assets). */
  rendererDir: string;
  token?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const COOKIE = 'loupe_token';
const MAX_BODY = 1024 * 1024;
const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function tokenMatches(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function requestToken(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const query = url.searchParams.get('token');
  if (query) return query;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendFile(res: ServerResponse, path: string, type: string, cache: string): void {
  const size = statSync(path).size;
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Cache-Control': cache });
  createReadStream(path).pipe(res);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { core } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererRoot = existsSync(options.rendererDir)
    ? realpathSync(options.rendererDir)
    : resolve(options.rendererDir);
  const eventStreams = new Set<ServerResponse>();
  const unsubscribe = core.on((event) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of eventStreams) res.write(frame);
  });

  const serveStatic = (res: ServerResponse, pathname: string): void => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      send(res, 400, 'bad request: malformed percent-encoding in the path');
      return;
    }
    // Resolved after following links, so a link inside the renderer folder cannot reach a file outside it.
    const file = realPathOrNull(resolve(rendererRoot, `.${decoded}`));
    if (!file || !isInside(rendererRoot, file) || !statSync(file).isFile()) {
      send(res, 404, 'not found');
      return;
    }
    const type = STATIC_TYPES[extname(file)] ?? 'application/octet-stream';
    sendFile(res, file, type, pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://loupe.invalid');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY_HEADER);
    res.setHeader('Referrer-Policy', 'no-referrer');
    const given = requestToken(req, url);
    if (!tokenMatches(given, token)) {
      send(res, 401, 'unauthorized: open the URL that `loupe serve` printed (it carries the token)');
      return;
    }
    if (url.searchParams.has('token')) {
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const { pathname } = url;
    if (pathname.startsWith('/api/')) {
      if (pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, {
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-cache',
          Connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        eventStreams.add(res);
        req.on('close', () => eventStreams.delete(res));
        return;
      }
      if (req.method !== 'POST') {
        send(res, 405, 'use POST for API calls');
        return;
      }
      let args: unknown;
      try {
        const body = await readBody(req);
        args = body.trim() === '' ? {} : JSON.parse(body);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        send(res, 400, JSON.stringify({ ok: false, error: { code: 'invalid-argument', message } }), 'application/json');
        return;
      }
      const envelope = await dispatch(core.api, pathname.slice('/api/'.length), args);
      const status = envelope.ok
        ? 200
        : envelope.error.code === 'internal'
          ? 500
          : envelope.error.code === 'not-found'
            ? 404
            : 400;
      send(res, status, JSON.stringify(envelope), 'application/json');
      return;
    }
    if (pathname.startsWith('/media/')) {
      const media = parseMediaPath(pathname);
      const file = media && core.mediaFile(media.kind, media.imageId);
      if (!file) {
        send(res, 404, 'not found');
        return;
      }
      sendFile(res, file.path, file.contentType, 'private, max-age=3600');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'method not allowed');
      return;
    }
    serveStatic(res, pathname);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    server,
    close: () =>
      new Promise<void>((done) => {
        unsubscribe();
        for (const res of eventStreams) res.end();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** The built renderer, wherever this module runs from (tsx in the repo, or the bundled app). */
export function defaultRendererDir(fromDir: string): string {
  const candidates = [
    join(fromDir, '../../out/renderer'),
    join(fromDir, '../renderer'),
    join(process.cwd(), 'out/renderer'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}
