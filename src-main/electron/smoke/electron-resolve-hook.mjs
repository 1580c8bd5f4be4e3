// A module-resolution hook (node:module register): `import 'electron'` from the bundle gets the stand-in.
const standIn = new URL('./electron-stand-in.mjs', import.meta.url).href;

export function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true };
  return next(specifier, context);
}
