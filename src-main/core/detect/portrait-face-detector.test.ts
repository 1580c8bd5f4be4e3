// The portrait look on real photos, against the face boxes a person checked (test-support/face-ground-truth.json):
// 384×512 portraits cut around each face, plain and with the lower face painted over (the competition's layout), and
// the group photos it must leave to the SSD.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facePhotos, noFacePhotos, paintLowerFaces, portraitAround } from '../test-support/face-photos';
import { iou, matchBoxes } from './box-geometry';
import { loadFileFaceDetector, type FileFaceDetector } from './face-detector';
import { loadSsdFaceDetector, type FaceDetector } from './ssd-face-detector';
import {
  loadPortraitFaceDetector,
  portraitModelDir,
  PORTRAIT_DETECTOR_NAME,
  type PortraitFaceDetector,
} from './portrait-face-detector';

const present = facePhotos().filter((p) => p.path !== null);
let portrait: PortraitFaceDetector;
let dir: string;
/** Every portrait cut from the test photos, plain and painted over, with its checked face. */
const portraits: { kind: 'plain' | 'masked'; path: string; face: { x: number; y: number; w: number; h: number } }[] =
  [];

beforeAll(async () => {
  portrait = await loadPortraitFaceDetector({ minScore: 0.25 });
  dir = mkdtempSync(join(tmpdir(), 'loupe-portrait-'));
  for (const photo of present) {
    const masked = await paintLowerFaces(photo.path!, photo.faces);
    for (const [i, face] of photo.faces.entries()) {
      for (const kind of ['plain', 'masked'] as const) {
        const cut = await portraitAround(kind === 'plain' ? photo.path! : masked, face, photo.width, photo.height);
        const path = join(dir, `${photo.file}.${i}.${kind}.jpg`);
        writeFileSync(path, cut.jpeg);
        portraits.push({ kind, path, face: cut.face });
      }
    }
  }
}, 120_000);
afterAll(() => {
  portrait.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

describe('the portrait look', () => {
  it.runIf(present.length > 0)('ends the search on nearly every portrait, with the checked face', async () => {
    const conclusive = { plain: 0, masked: 0 };
    const ious: number[] = [];
    for (const p of portraits) {
      const look = await portrait.look(p.path);
      expect({ width: look.width, height: look.height }).toEqual({ width: 384, height: 512 });
      if (!look.conclusive) continue;
      conclusive[p.kind]++;
      expect(look.faces).toHaveLength(1);
      ious.push(iou(look.faces[0]!, p.face));
    }
    const each = portraits.length / 2;
    expect(conclusive.plain / each).toBeGreaterThanOrEqual(0.9);
    expect(conclusive.masked / each).toBeGreaterThanOrEqual(0.75);
    // Every face it ends the search on is the checked one, on the checked boxes' frame: without the box fit
    // (PORTRAIT_BOX_FIT) the median IoU is 0.67.
    expect(Math.min(...ious)).toBeGreaterThanOrEqual(0.5);
    expect(median(ious)).toBeGreaterThanOrEqual(0.74);
  });

  it.runIf(present.length > 0)('leaves a group photo to the SSD', async () => {
    const group = present.find((p) => p.faces.length >= 3)!;
    expect((await portrait.look(group.path!)).conclusive).toBe(false);
  });

  it.each(noFacePhotos().filter((p) => p.path !== null))('finds no portrait in $file', async ({ path }) => {
    expect((await portrait.look(path!)).conclusive).toBe(false);
  });

  it('finds no portrait in a blank frame', async () => {
    const blank = join(dir, 'blank.jpg');
    await sharp({ create: { width: 384, height: 512, channels: 3, background: '#808080' } })
      .jpeg()
      .toFile(blank);
    expect(await portrait.look(blank)).toEqual({ width: 384, height: 512, faces: [], conclusive: false });
  });

  it('finds its model from any folder below the one holding resources/, and says where it looked when not', () => {
    const root = mkdtempSync(join(tmpdir(), 'loupe-model-dir-'));
    const model = join(root, 'resources', 'models', 'face-detection-short');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'facemesh-detection-short.json'), '{}');
    mkdirSync(join(root, 'out', 'main', 'chunks'), { recursive: true });
    expect(portraitModelDir(join(root, 'out', 'main', 'chunks'))).toBe(model);
    const elsewhere = mkdtempSync(join(tmpdir(), 'loupe-no-model-'));
    expect(() => portraitModelDir(elsewhere)).toThrow(/face detector model not found: no .*face-detection-short above/);
    rmSync(root, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
});

describe('detection of a file: the portrait look, then the SSD', () => {
  let both: FileFaceDetector;
  let ssd: FaceDetector;
  beforeAll(async () => {
    both = await loadFileFaceDetector({ minScore: 0.25 });
    ssd = await loadSsdFaceDetector({ minScore: 0.25 });
  });
  afterAll(() => {
    both.dispose();
    ssd.dispose();
  });

  it.runIf(present.length > 0)('reads a portrait once, with the portrait detector', async () => {
    const plain = portraits.find((p) => p.kind === 'plain')!;
    const result = await both.detectFile(plain.path);
    expect(result).toMatchObject({ passes: 1, detector: PORTRAIT_DETECTOR_NAME });
    expect(matchBoxes([plain.face], result.faces, 0.5).matched).toBe(1);
  });

  it.runIf(present.length > 0)("gives a group photo the SSD's boxes, after the look", async () => {
    const group = present.find((p) => p.faces.length >= 3)!;
    const [result, alone] = [await both.detectFile(group.path!), await ssd.detectFile(group.path!)];
    expect(result).toEqual({ ...alone, passes: alone.passes + 1, detector: 'ssd_mobilenetv1' });
  });
});
