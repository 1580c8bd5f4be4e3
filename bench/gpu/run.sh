#!/usr/bin/env bash
# Runs the packed GPU bench (made by bench/gpu/pack.sh) on a Linux x64 machine without Node. Vulkan driver: the
# NVIDIA ICD manifest when the driver installed one, else a manifest written here for libGLX_nvidia.so.0 (where
# NVIDIA's Vulkan driver lives; containers get it with NVIDIA_DRIVER_CAPABILITIES including "graphics"). Set
# VK_DRIVER_FILES yourself to choose another driver.
# Usage: ./run.sh [bench options, e.g. --backends webgpu --mnist 10000 --epochs 8 --net peer --faces 18900 --json]
set -euo pipefail
cd "$(dirname "$0")"
[ -x node ] || { xz -dc node.xz > node && chmod +x node; }
for f in dist/linux-x64/dawn.node mnist/t10k-images-idx3-ubyte mnist/t10k-labels-idx1-ubyte; do
  [ -f "$f" ] || xz -dc "$f.xz" > "$f"
done

if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json /etc/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES=$f; break; fi
  done
fi
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  glx=$({ ldconfig -p || /sbin/ldconfig -p || true; } 2>/dev/null | awk '/libGLX_nvidia\.so\.0 / { print $NF; exit }')
  [ -n "$glx" ] || glx=$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 2>/dev/null | head -1 || true)
  if [ -n "$glx" ]; then
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$glx" > nvidia_icd.json
    export VK_DRIVER_FILES=$PWD/nvidia_icd.json
  fi
fi
echo "Vulkan driver manifest: ${VK_DRIVER_FILES:-none found}" >&2
[ -z "${VK_DRIVER_FILES:-}" ] || export VK_ICD_FILENAMES=$VK_DRIVER_FILES # loaders older than 1.3.207
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
export LD_LIBRARY_PATH=$PWD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
exec ./node loupe-gpu-bench.cjs --mnist-dir mnist "$@"
