// What face detection runs on each photo: the portrait look first (portrait-face-detector.ts, ~10 ms), then, where
// it is not conclusive, the SSD's glance, close-up and 512 passes (ssd-face-detector.ts). Each photo's result names
// the detector whose boxes it holds.
import { readImageFile } from '../media/image-decoder';
import { loadPortraitFaceDetector, PORTRAIT_DETECTOR_NAME, type PortraitFaceDetector } from './portrait-face-detector';
import {
  loadSsdFaceDetector,
  SSD_DETECTOR_NAME,
  type DetectedFace,
  type FaceDetectorOptions,
} from './ssd-face-detector';

export interface FileDetection {
  /** The photo's displayed (EXIF-upright) size: the frame of the boxes. */
  width: number;
  height: number;
  faces: DetectedFace[];
  /** Forward passes the photo took, the portrait look included. */
  passes: number;
  /** The detector whose boxes these are. */
  detector: string;
}

export interface FileFaceDetector {
  detectFile(absPath: string): Promise<FileDetection>;
  dispose(): void;
}

export interface FileFaceDetectorOptions extends FaceDetectorOptions {
  /** false: the SSD's passes only (for comparison in tests and the bench). */
  portraitLook?: boolean;
}

export async function loadFileFaceDetector(options: FileFaceDetectorOptions = {}): Promise<FileFaceDetector> {
  const { portraitLook = true, ...ssdOptions } = options;
  const ssd = await loadSsdFaceDetector(ssdOptions);
  let portrait: PortraitFaceDetector | null = null;
  try {
    if (portraitLook) portrait = await loadPortraitFaceDetector({ minScore: ssdOptions.minScore });
  } catch (error) {
    ssd.dispose();
    throw error;
  }
  return {
    async detectFile(absPath) {
      // Read once for the look and the SSD's passes.
      const bytes = await readImageFile(absPath);
      if (portrait) {
        const look = await portrait.look(bytes);
        if (look.conclusive)
          return {
            width: look.width,
            height: look.height,
            faces: look.faces,
            passes: 1,
            detector: PORTRAIT_DETECTOR_NAME,
          };
      }
      const found = await ssd.detectFile(bytes);
      return { ...found, passes: found.passes + (portrait ? 1 : 0), detector: SSD_DETECTOR_NAME };
    },
    dispose() {
      portrait?.dispose();
      ssd.dispose();
    },
  };
}
