import { formatRoute, parseRoute, routeDatasetId, type Route } from '../lib/route';

export class RouteState {
  #route = $state.raw<Route>(parseRoute(location.hash));
  #datasetId = $derived(routeDatasetId(this.#route));

  get current(): Route {
    return this.#route;
  }

  get datasetId(): number | null {
    return this.#datasetId;
  }

  /** Listen to back/forward and hand-edited hashes. Returns a stop function. */
  start(): () => void {
    const onHashChange = (): void => {
      this.#route = parseRoute(location.hash);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }

  go(route: Route, options: { replace?: boolean } = {}): void {
    const hash = formatRoute(route);
    this.#route = route;
    if (location.hash === hash) return;
    if (options.replace) history.replaceState(history.state, '', hash);
    else location.hash = hash;
  }
}

export const router = new RouteState();
