// Real photos with person-checked face boxes, for the face-detection tests and bench. Test-only: the painting below
// uses sharp directly, which product code does only through media/image-decoder.ts.
//   - @vladmandic/face-api's demo/sample1–6.jpg (group photos; installed with the package);
//   - Debian facedetect's grace_hopper_512x512.jpg and 640px-IceBlockNearJoekullsarlon.jpg (no face), and
//     python3-skimage's astronaut.png: from the installed packages if present, else from .cache/test-photos/,
//     where scripts/fetch-test-photos.sh extracts them without installing the packages.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Rect } from '../detect/box-geometry';

interface GroundTruthFile {
  photos: { file: string; source: string; width: number; height: number; faces: [number, number, number, number][] }[];
  noFace: { file: string; source: string }[];
}

export interface FacePhoto {
  file: string;
  /** Null when the photo is not on this machine (a Debian one not fetched yet). */
  path: string | null;
  width: number;
  height: number;
  faces: Rect[];
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const truth = JSON.parse(readFileSync(join(here, 'face-ground-truth.json'), 'utf8')) as GroundTruthFile;

const INSTALLED: Record<string, string> = {
  'debian-facedetect': '/usr/share/doc/facedetect/examples',
  'debian-python3-skimage': '/usr/lib/python3/dist-packages/skimage/data',
};

export const TEST_PHOTO_CACHE = join(repoRoot, '.cache', 'test-photos');

function locate(file: string, source: string): string | null {
  if (source === 'face-api-demo') {
    const require = createRequire(import.meta.url);
    const path = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', file);
    return existsSync(path) ? path : null;
  }
  for (const dir of [INSTALLED[source], TEST_PHOTO_CACHE]) {
    if (dir && existsSync(join(dir, file))) return join(dir, file);
  }
  return null;
}

export function facePhotos(): FacePhoto[] {
  return truth.photos.map((p) => ({
    file: p.file,
    path: locate(p.file, p.source),
    width: p.width,
    height: p.height,
    faces: p.faces.map(([x, y, w, h]) => ({ x, y, w, h })),
  }));
}

/** Photos with no face in them. */
export function noFacePhotos(): { file: string; path: string | null }[] {
  return truth.noFace.map((p) => ({ file: p.file, path: locate(p.file, p.source) }));
}

/** CI must have every photo (a missing one fails the run); a developer's machine may skip the Debian ones. */
export function photosRequired(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

export const MISSING_PHOTO_HINT = 'run scripts/fetch-test-photos.sh (it extracts them from the Debian packages)';

/** A mask stand-in: the lower `fraction` of each face box painted over in one flat colour. Returns a PNG. */
export async function paintLowerFaces(
  path: string,
  faces: Rect[],
  { fraction = 0.45, colour = '#a8c8e8' }: { fraction?: number; colour?: string } = {},
): Promise<Buffer> {
  const meta = await sharp(path).metadata();
  const rects = faces
    .map((f) => {
      const top = f.y + f.h * (1 - fraction);
      return `<rect x="${f.x}" y="${top}" width="${f.w}" height="${f.y + f.h - top}" fill="${colour}"/>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${meta.width}" height="${meta.height}">${rects}</svg>`;
  return sharp(path)
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
}

/**
 * A 384×512 portrait (the competition's size) around one face: the face box grown to the portrait's aspect so the
 * face fills about the share of the frame it does in the competition photos, then resized. Returns the JPEG and the
 * face's box in the portrait.
 */
export async function portraitAround(
  image: string | Buffer,
  face: Rect,
  imageWidth: number,
  imageHeight: number,
): Promise<{ jpeg: Buffer; face: Rect }> {
  const W = 384;
  const H = 512;
  // In the competition photos the face is roughly half the frame's width.
  let cropW = Math.min(face.w / 0.5, imageWidth, (imageHeight * W) / H);
  let cropH = (cropW * H) / W;
  if (cropH > imageHeight) {
    cropH = imageHeight;
    cropW = (cropH * W) / H;
  }
  const cx = face.x + face.w / 2;
  const cy = face.y + face.h * 0.55;
  const left = Math.round(Math.max(0, Math.min(imageWidth - cropW, cx - cropW / 2)));
  const top = Math.round(Math.max(0, Math.min(imageHeight - cropH, cy - cropH * 0.45)));
  const width = Math.round(Math.min(cropW, imageWidth - left));
  const height = Math.round(Math.min(cropH, imageHeight - top));
  const jpeg = await sharp(image)
    .extract({ left, top, width, height })
    .resize({ width: W, height: H, fit: 'fill' })
    .jpeg({ quality: 90 })
    .toBuffer();
  const sx = W / width;
  const sy = H / height;
  return { jpeg, face: { x: (face.x - left) * sx, y: (face.y - top) * sy, w: face.w * sx, h: face.h * sy } };
}
