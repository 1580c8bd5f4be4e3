import { expandUserPath } from '../fs/user-path';
import { exportDataset } from '../export/export-dataset';
import type { ApiArea, ApiContext } from './api-context';

export function exportApi({ store }: ApiContext): ApiArea<'export'> {
  return {
    'export.run': ({ datasetId, outDir }) => Promise.resolve(exportDataset(store, datasetId, expandUserPath(outDir))),
  };
}
