// Draws a dataset in the mask-competition layout, deterministically from a seed: the offline demo, the tests,
// the e2e specs and the import benchmark all use it. What a person looks like follows their true labels (long
// hair for women, hair greying with age group, a mask per slot), so a model can learn them and the label errors
// `plant` writes into train.csv are genuinely wrong, with known answers.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MASK_SLOTS, ageGroupOf, type MaskSlot } from '../../shared/label-schema';
import { runPool } from '../jobs/run-pool';
import { writeSvgAsImage } from '../media/image-decoder';
import { mulberry32 } from '../seeded-random';

export interface MaskDatasetOptions {
  persons: number;
  seed?: number;
  width?: number;
  height?: number;
  /** JPEG quality. */
  quality?: number;
  /** Mix .jpg, .jpeg and .png like the real dataset instead of writing .jpg only. */
  extVariety?: boolean;
  plant?: PlantedErrors<number>;
}

/** Label errors to write into train.csv: counts when asked for, the affected persons' paths when returned. */
export interface PlantedErrors<T> {
  /** train.csv gives the other gender than the one drawn. */
  genderFlips?: T;
  /** train.csv gives an age in another age group than the one drawn. */
  ageGroupShifts?: T;
  /** The files `incorrect_mask` and `normal` hold each other's photo (the competition's known swap). */
  maskSwaps?: T;
}

export interface SyntheticPerson {
  id: string;
  gender: 'male' | 'female';
  race: string;
  age: number;
  path: string;
}

export interface SyntheticMaskDataset {
  /** As written in train.csv (planted errors included). */
  persons: SyntheticPerson[];
  images: number;
  planted: Required<PlantedErrors<string[]>>;
}

/**
 * The offline demo (the welcome screen's "Open demo dataset", `loupe demo`): small enough to draw and train in a minute
 * or two, big enough for a quick run to learn gender, with label errors planted for the queue to find (two persons'
 * gender flipped, one person's incorrect_mask and normal photos swapped). Deliberately small data: the age group >=60
 * has a handful of persons, so the queue says it cannot judge everything reliably, and it shows — with this seed the
 * one grey-haired man labelled a woman goes unseen, since the few other grey-haired persons are all women.
 */
export const DEMO_DATASET = {
  persons: 60,
  seed: 7,
  width: 192,
  height: 256,
  plant: { genderFlips: 2, maskSwaps: 1 },
} as const satisfies MaskDatasetOptions;

const RACES = [
  { name: 'Asian', weight: 0.7, skin: [241, 194, 125] },
  { name: 'White', weight: 0.2, skin: [255, 219, 172] },
  { name: 'Black', weight: 0.1, skin: [141, 85, 36] },
] as const;
const HAIR_BY_AGE_GROUP = ['#2b1d0e', '#6e5a48', '#d4d4d4'];
const MASK_COLOURS: Record<string, string> = {
  mask1: '#f4f6f8',
  mask2: '#7fb3e6',
  mask3: '#2b2b2b',
  mask4: '#e9a3b8',
  mask5: '#9aa57a',
};
/** Photos drawn at once: sharp renders on libuv's pool, so a few more than its threads keeps it busy. */
const DRAW_CONCURRENCY = 8;

interface DrawnPerson extends SyntheticPerson {
  /** The truth the photos show, which `plant` may contradict in train.csv. */
  drawnGender: 'male' | 'female';
  drawnAge: number;
  background: string;
  clothes: string;
  skin: string;
  /** Per-slot file extension. */
  ext: Record<MaskSlot, string>;
  swapMask: boolean;
}

export async function makeMaskDataset(dir: string, opts: MaskDatasetOptions): Promise<SyntheticMaskDataset> {
  const { width = 384, height = 512, quality = 80 } = opts;
  await mkdir(dir, { recursive: true });
  const random = mulberry32(opts.seed ?? 1);
  const people = Array.from({ length: opts.persons }, (_, i) => drawPerson(i, random, opts.extVariety ?? false));
  const planted = plantErrors(people, opts.plant ?? {}, random);

  const photos = people.flatMap((person, p) =>
    MASK_SLOTS.map((slot) => ({
      person,
      slot,
      random: mulberry32((opts.seed ?? 1) * 7919 + p * 7 + MASK_SLOTS.indexOf(slot)),
    })),
  );
  await runPool(photos, DRAW_CONCURRENCY, undefined, async ({ person, slot, random: jitter }) => {
    const drawn =
      person.swapMask && slot === 'incorrect_mask'
        ? 'normal'
        : person.swapMask && slot === 'normal'
          ? 'incorrect_mask'
          : slot;
    const file = join(dir, 'images', person.path, `${slot}${person.ext[slot]}`);
    await writeSvgAsImage(faceSvg(person, drawn, jitter, width, height), file, quality);
  });

  const rows = people.map((p) => `${p.id},${p.gender},${p.race},${p.age},${p.path}`);
  await writeFile(join(dir, 'train.csv'), ['id,gender,race,age,path', ...rows, ''].join('\n'));
  return {
    persons: people.map(({ id, gender, race, age, path }) => ({ id, gender, race, age, path })),
    images: photos.length,
    planted,
  };
}

function drawPerson(index: number, random: () => number, extVariety: boolean): DrawnPerson {
  const gender = random() < 0.6 ? 'female' : 'male';
  let pick = random();
  const race = RACES.find((r) => (pick -= r.weight) < 0) ?? RACES[0];
  const group = random();
  const age =
    group < 0.45
      ? 18 + Math.floor(random() * 12)
      : group < 0.9
        ? 30 + Math.floor(random() * 30)
        : 60 + Math.floor(random() * 11);
  const shade = 0.9 + random() * 0.2;
  const [r, g, b] = race.skin.map((c) => Math.min(255, Math.round(c * shade)));
  const ext = Object.fromEntries(
    MASK_SLOTS.map((slot) => {
      const roll = extVariety ? random() : 0;
      return [slot, roll < 0.75 ? '.jpg' : roll < 0.9 ? '.jpeg' : '.png'];
    }),
  ) as Record<MaskSlot, string>;
  const id = String(index + 1).padStart(6, '0');
  return {
    id,
    gender,
    race: race.name,
    age,
    path: '',
    drawnGender: gender,
    drawnAge: age,
    background: `hsl(${Math.floor(random() * 360)}, 35%, 72%)`,
    clothes: `hsl(${Math.floor(random() * 360)}, 45%, 40%)`,
    skin: `rgb(${r},${g},${b})`,
    ext,
    swapMask: false,
  };
}

/** Picks distinct persons for each kind of error, rewrites their written labels, then fixes every path. */
function plantErrors(
  people: DrawnPerson[],
  plant: PlantedErrors<number>,
  random: () => number,
): Required<PlantedErrors<string[]>> {
  const order = people.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const take = (count = 0) => order.splice(0, count).map((i) => people[i] as DrawnPerson);
  const flips = take(plant.genderFlips);
  const shifts = take(plant.ageGroupShifts);
  const swaps = take(plant.maskSwaps);
  for (const p of flips) p.gender = p.drawnGender === 'male' ? 'female' : 'male';
  for (const p of shifts)
    p.age = ageGroupOf(p.drawnAge) === 1 ? 20 + Math.floor(random() * 8) : 40 + Math.floor(random() * 10);
  for (const p of swaps) p.swapMask = true;
  // The path spells the written labels, as in the real dataset, so it gives no hint of which rows are wrong.
  for (const p of people) p.path = `${p.id}_${p.gender}_${p.race}_${p.age}`;
  return {
    genderFlips: flips.map((p) => p.path),
    ageGroupShifts: shifts.map((p) => p.path),
    maskSwaps: swaps.map((p) => p.path),
  };
}

/** A face drawn in a 384×512 frame and scaled to the requested size. */
function faceSvg(p: DrawnPerson, slot: MaskSlot, random: () => number, width: number, height: number): string {
  const hair = HAIR_BY_AGE_GROUP[ageGroupOf(p.drawnAge)];
  const dx = (random() - 0.5) * 30;
  const dy = (random() - 0.5) * 24;
  const scale = 0.93 + random() * 0.14;
  const longHair =
    p.drawnGender === 'female' ? `<rect x="72" y="120" width="240" height="310" rx="90" fill="${hair}"/>` : '';
  const wrinkles =
    ageGroupOf(p.drawnAge) === 2
      ? `<path d="M150 165 Q192 155 234 165 M155 180 Q192 171 229 180" stroke="#7a5a40" stroke-width="3" fill="none"/>`
      : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 384 512">
<rect width="384" height="512" fill="${p.background}"/>
<g transform="translate(${192 + dx} ${256 + dy}) scale(${scale}) translate(-192 -256)">
${longHair}
<ellipse cx="192" cy="520" rx="170" ry="110" fill="${p.clothes}"/>
<rect x="160" y="360" width="64" height="80" fill="${p.skin}"/>
<ellipse cx="192" cy="250" rx="105" ry="135" fill="${p.skin}"/>
<path d="M87 235 Q90 105 192 108 Q294 105 297 235 Q270 150 192 152 Q114 150 87 235 Z" fill="${hair}"/>
${wrinkles}
<path d="M135 200 L172 196 M212 196 L249 200" stroke="${hair}" stroke-width="7" stroke-linecap="round"/>
<ellipse cx="154" cy="225" rx="17" ry="10" fill="#fff"/><circle cx="154" cy="225" r="7" fill="#2a1a10"/>
<ellipse cx="230" cy="225" rx="17" ry="10" fill="#fff"/><circle cx="230" cy="225" r="7" fill="#2a1a10"/>
<path d="M192 240 L180 285 Q192 292 204 285 Z" fill="#000" fill-opacity="0.12"/>
<path d="M160 322 Q192 342 224 322" stroke="#8a3a3a" stroke-width="6" fill="none" stroke-linecap="round"/>
${maskShape(slot, random)}
</g>
</svg>`;
}

function maskShape(slot: MaskSlot, random: () => number): string {
  if (slot === 'normal') return '';
  const loops = (top: number) =>
    `<path d="M92 ${top + 10} L70 230 M292 ${top + 10} L314 230" stroke="#ddd" stroke-width="4"/>`;
  if (slot === 'incorrect_mask') {
    // Worn under the nose, or pulled down to the chin.
    const top = random() < 0.5 ? 300 : 345;
    return `${loops(top)}<path d="M95 ${top} Q192 ${top - 15} 289 ${top} L270 372 Q192 410 114 372 Z" fill="#f4f6f8"/>`;
  }
  const colour = MASK_COLOURS[slot] ?? '#f4f6f8';
  const pleats = `<path d="M110 290 L274 290 M112 320 L272 320 M118 350 L266 350" stroke="#000" stroke-opacity="0.15" stroke-width="3"/>`;
  return `${loops(258)}<path d="M92 258 Q192 238 292 258 L272 372 Q192 412 112 372 Z" fill="${colour}"/>${pleats}`;
}

/** A small seeded PRNG: the same seed draws the same dataset on every machine. */
