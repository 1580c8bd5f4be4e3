#!/usr/bin/env bash
# Fetches the real photos the face-detection tests use from two Debian packages, without installing them (their
# dependencies are large): `apt-get download` the .debs into a temp dir and extract only the photos into
# .cache/test-photos/ (gitignored). The tests also look in the packages' installed locations first.
#   grace_hopper_512x512.jpg, 640px-IceBlockNearJoekullsarlon.jpg (no face)  ← facedetect
#   astronaut.png                                                            ← python3-skimage
# Set LOUPE_DEB_DIR to a folder that already holds the two .debs to skip the download.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.cache/test-photos
mkdir -p "$dest"
wanted=(
  "facedetect:./usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg"
  "facedetect:./usr/share/doc/facedetect/examples/640px-IceBlockNearJoekullsarlon.jpg"
  "python3-skimage:./usr/lib/python3/dist-packages/skimage/data/astronaut.png"
)

missing=0
for entry in "${wanted[@]}"; do
  [ -s "$dest/$(basename "${entry#*:}")" ] || missing=1
done
if [ "$missing" = 0 ]; then
  echo "test photos already in $dest"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for pkg in facedetect python3-skimage; do
  deb=""
  if [ -n "${LOUPE_DEB_DIR:-}" ]; then deb=$(ls "$LOUPE_DEB_DIR"/"${pkg}"_*.deb 2>/dev/null | head -n1 || true); fi
  if [ -z "$deb" ]; then
    # apt-get download needs package lists; fetch them once if this machine has none (needs root, as in CI).
    if ! (cd "$work" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
      apt-get update -qq
      (cd "$work" && apt-get download -qq "$pkg")
    fi
    deb=$(ls "$work"/"${pkg}"_*.deb | head -n1)
  fi
  mkdir -p "$work/$pkg"
  dpkg-deb --fsys-tarfile "$deb" >"$work/$pkg.tar"
  for entry in "${wanted[@]}"; do
    [ "${entry%%:*}" = "$pkg" ] || continue
    member=${entry#*:}
    tar -xf "$work/$pkg.tar" -C "$work/$pkg" "$member"
    # Written under a temp name and renamed, so an interrupted run never leaves a half-written photo.
    cp "$work/$pkg/$member" "$dest/.$(basename "$member").tmp"
    mv "$dest/.$(basename "$member").tmp" "$dest/$(basename "$member")"
  done
done
echo "test photos extracted to $dest"
