// What a dataset scanner hands to the import job: every label and box it could read, plus a problem for each
// item it could not. Scanners read the user's files and never write them.
import type { ImportProblem } from '../../shared/api-contract';
import type { DatasetKind, MaskSlot } from '../../shared/label-schema';

export interface ScannedBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ScannedImage {
  /** Posix path relative to the dataset root, as written in the dataset (the image's identity). */
  relPath: string;
  subjectKey: string | null;
  /** Competition layout only. */
  slot: MaskSlot | null;
  mask: number | null;
  /** Index into `labelNames` for single-label datasets. */
  label: number | null;
  boxes: ScannedBox[];
}

export interface ScannedSubject {
  /** Stable identity within the dataset: the `path` column for the competition layout, `group` for CSV. */
  key: string;
  externalId: string | null;
  gender: number | null;
  age: number | null;
  attributes: Record<string, string>;
  /** Row of the source table this person came from. */
  sourceRow: number | null;
}

/** The original label table (train.csv), kept row by row so export can reproduce untouched rows byte for byte. */
export interface SourceTable {
  fileName: string;
  /** Header line exactly as read, without its line ending. */
  header: string;
  /** Line ending used by the file ('\n' or '\r\n'). */
  newline: string;
  /** Whether the file ended with a line ending. */
  finalNewline: boolean;
  /** Leading byte order mark, if the file had one. */
  bom: boolean;
  rows: { index: number; raw: string; subjectKey: string | null }[];
}

export interface ScannedDataset {
  kind: DatasetKind;
  /** Absolute, real path of the folder all `relPath`s are relative to. */
  root: string;
  /** The path the user asked to import (a folder, a CSV file or an IDX file). */
  source: string;
  name: string;
  labelNames: string[];
  subjects: ScannedSubject[];
  images: ScannedImage[];
  problems: ImportProblem[];
  /**
   * The source has box columns. Only then does a re-import replace the boxes it imported before: a layout
   * without them (the competition's train.csv) must not wipe boxes brought in later by a box CSV.
   */
  readsBoxes?: boolean;
  sourceTable: SourceTable | null;
}

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, phase: string) => void;
  /** Folder owned by Loupe where formats without image files (IDX) materialize their PNGs. */
  materializeDir: string;
}
