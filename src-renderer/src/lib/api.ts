// The only module that touches a transport. Electron's preload bridge and the `loupe serve` HTTP door carry the
// same contract, so everything above this file is written once against `api`.
import type {
  ApiArgsIn,
  ApiErrorDto,
  ApiEvent,
  ApiEventName,
  ApiEvents,
  ApiMethod,
  ApiResult,
  Envelope,
} from '../../../src-main/shared/api-contract';
import type { LoupeBridge } from '../loupe-bridge';

export type ApiErrorCode = ApiErrorDto['code'] | 'transport';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly method: string,
  ) {
    super(message);
  }
}

export type MediaKind = 'thumb' | 'image';
type Listener = (event: ApiEvent) => void;

interface Transport {
  readonly door: 'electron' | 'browser';
  invoke(method: ApiMethod, args: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: Listener): () => void;
  mediaUrl(kind: MediaKind, imageId: number): string;
}

// `satisfies` makes a new event in the contract a compile error here until it is listed.
const EVENT_NAMES = Object.keys({
  'job.progress': true,
  'labels.changed': true,
  'datasets.changed': true,
  'train.progress': true,
  'runs.changed': true,
  'boxes.changed': true,
} satisfies Record<ApiEventName, true>) as readonly ApiEventName[];

export function isApiEvent(value: unknown): value is ApiEvent {
  if (typeof value !== 'object' || value === null) return false;
  const name: unknown = (value as { name?: unknown }).name;
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name) && 'payload' in value;
}

export function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  const envelope = value as { ok: unknown; error?: unknown };
  if (envelope.ok === true) return 'value' in value;
  return envelope.ok === false && typeof envelope.error === 'object' && envelope.error !== null;
}

function electronTransport(bridge: LoupeBridge): Transport {
  return {
    door: 'electron',
    invoke: (method, args) => bridge.invoke(method, args),
    subscribe: (listener) => bridge.onEvent(listener),
    mediaUrl: (kind, imageId) => `loupe-media://media/${kind}/${imageId}`,
  };
}

/**
 * The token from the URL `loupe serve` prints. The server also sets an HttpOnly cookie on that first load, which
 * authorises images and the event stream; the header is for fetches made before or without the cookie. The token is
 * removed from the address bar so it does not end up in bookmarks or screenshots.
 */
function takeTokenFromAddressBar(): string | null {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (token === null) return null;
  params.delete('token');
  const search = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  return token;
}

function browserTransport(): Transport {
  const token = takeTokenFromAddressBar();
  const listeners = new Set<Listener>();
  let source: EventSource | null = null;

  function connect(): void {
    source = new EventSource('/api/events');
    source.onmessage = (message: MessageEvent<string>) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!isApiEvent(parsed)) return;
      for (const listener of [...listeners]) listener(parsed);
    };
  }

  return {
    door: 'browser',
    async invoke(method, args) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      let response: Response;
      try {
        response = await fetch(`/api/${method}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(args ?? {}),
          credentials: 'same-origin',
        });
      } catch (error) {
        throw new ApiError('transport', `Cannot reach the Loupe server (${String(error)})`, method);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new ApiError('transport', `The server answered ${response.status} ${response.statusText}`, method);
      }
      if (!isEnvelope(body)) {
        throw new ApiError('transport', `Unexpected answer from the server (HTTP ${response.status})`, method);
      }
      return body;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!source) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
    mediaUrl: (kind, imageId) => `/media/${kind}/${imageId}`,
  };
}

let transport: Transport | null = null;

function getTransport(): Transport {
  transport ??= window.loupe ? electronTransport(window.loupe) : browserTransport();
  return transport;
}

export const api = {
  get door(): 'electron' | 'browser' {
    return getTransport().door;
  },

  async call<M extends ApiMethod>(method: M, args: ApiArgsIn<M>): Promise<ApiResult<M>> {
    let envelope: Envelope<unknown>;
    try {
      envelope = await getTransport().invoke(method, args);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('transport', error instanceof Error ? error.message : String(error), method);
    }
    if (!envelope.ok) throw new ApiError(envelope.error.code, envelope.error.message, method);
    return envelope.value as ApiResult<M>;
  },

  on<E extends ApiEventName>(name: E, handler: (payload: ApiEvents[E]) => void): () => void {
    return getTransport().subscribe((event) => {
      if (event.name === name) handler(event.payload as ApiEvents[E]);
    });
  },

  mediaUrl(kind: MediaKind, imageId: number): string {
    return getTransport().mediaUrl(kind, imageId);
  },
};
