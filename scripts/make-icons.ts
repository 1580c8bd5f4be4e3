// Renders resources/icon.svg into the PNGs the installers need: resources/icon.png (1024 px, from which
// electron-builder makes the macOS .icns and the Windows .ico) and resources/icons/<n>x<n>.png (the Linux icon
// set that AppImage and deb install into the hicolor theme). Run after editing the SVG: npx tsx scripts/make-icons.ts
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;

const resources = join(import.meta.dirname, '../resources');

async function main(): Promise<void> {
  const svg = join(resources, 'icon.svg');
  mkdirSync(join(resources, 'icons'), { recursive: true });
  // density scales the SVG's 1024-unit viewBox so even the 1024 px PNG is rendered, not upscaled.
  for (const size of ICON_SIZES) {
    await sharp(svg, { density: 72 * (size / 1024) * 4 })
      .resize(size, size)
      .png({ compressionLevel: 9 })
      .toFile(join(resources, 'icons', `${size}x${size}.png`));
  }
  await sharp(svg, { density: 288 })
    .resize(1024, 1024)
    .png({ compressionLevel: 9 })
    .toFile(join(resources, 'icon.png'));
}

await main();
