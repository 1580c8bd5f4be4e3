// Which files Loupe treats as images, and the MIME type each door serves them with. Kept apart from the sharp
// decoder so that scanners and doors can ask "is this an image?" without loading libvips.
import { extname } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
};

/** Lower-case extensions (with the dot) of the formats the decoder reads. BMP is absent: sharp cannot decode it. */
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(Object.keys(CONTENT_TYPES));

export function isImageFileName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}
