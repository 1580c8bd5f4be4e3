// What every area of the API is built from. Each area module (datasets-api.ts, boxes-api.ts, …) returns the
// methods of its prefixes, typed against the contract, so a method the contract adds is a compile error until the
// module implements it; openCore (core/api.ts) only puts the areas together.
import type { ApiArgs, ApiEventName, ApiEvents, ApiMethod, AppInfo, LoupeApi } from '../../shared/api-contract';
import type { CachePaths } from '../cache-paths';
import type { LoupeStore } from '../db/store';
import type { JobRunner } from '../jobs/job-runner';

export interface CoreHost {
  door: AppInfo['door'];
  /** A native folder picker, where the door has one (Electron). */
  pickFolder?: (title: string | undefined) => Promise<string | null>;
  /** A native open/save dialog for one file, where the door has one (Electron). */
  pickFile?: (options: ApiArgs<'app.pickFile'>) => Promise<string | null>;
}

export interface ApiContext {
  store: LoupeStore;
  cache: CachePaths;
  jobs: JobRunner;
  host: CoreHost;
  dbPath: string;
  emit: <E extends ApiEventName>(name: E, payload: ApiEvents[E]) => void;
}

/** The contract's methods whose names start with one of `prefixes` and a dot. */
export type ApiArea<P extends string> = Pick<LoupeApi, Extract<ApiMethod, `${P}.${string}`>>;
