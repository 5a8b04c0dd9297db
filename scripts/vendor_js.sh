#!/usr/bin/env bash
# Vendors the browser libraries of the tiled maps from the npm registry (run from the
# repository's root; needs npm): MapLibre GL JS (draws vector tiles) and the pmtiles
# protocol (reads a .pmtiles archive by HTTP range requests). Their dist files and
# licences go to landbank/web/static/vendor/, served by `landbank serve` and copied
# beside a `landbank map --pmtiles` archive: no page of landbank loads them from a CDN.
set -euo pipefail
MAPLIBRE_VERSION="${MAPLIBRE_VERSION:-5.24.1}"
PMTILES_VERSION="${PMTILES_VERSION:-4.5.0}"
OUT="landbank/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "maplibre-gl@$MAPLIBRE_VERSION" "pmtiles@$PMTILES_VERSION" >/dev/null)
mkdir -p "$work/maplibre" "$work/pmtiles"
tar xzf "$work/maplibre-gl-$MAPLIBRE_VERSION.tgz" -C "$work/maplibre"
tar xzf "$work/pmtiles-$PMTILES_VERSION.tgz" -C "$work/pmtiles"
rm -rf "$OUT/maplibre-gl" "$OUT/pmtiles"
mkdir -p "$OUT/maplibre-gl" "$OUT/pmtiles"
cp "$work/maplibre/package/dist/maplibre-gl.js" "$work/maplibre/package/dist/maplibre-gl.css" \
   "$work/maplibre/package/LICENSE.txt" "$OUT/maplibre-gl/"
cp "$work/pmtiles/package/dist/pmtiles.js" "$OUT/pmtiles/"
# the package ships no licence file: its package.json names BSD-3-Clause
node -e 'const p=require(process.argv[1]);console.log(`${p.name} ${p.version}\nlicense: ${p.license}\n${p.homepage||""}`)' \
   "$work/pmtiles/package/package.json" > "$OUT/pmtiles/LICENSE.txt"
# the sourceMappingURL comments name files not vendored: a browser would ask for them
sed -i '/^\/\/# sourceMappingURL=/d' "$OUT/maplibre-gl/maplibre-gl.js" "$OUT/pmtiles/pmtiles.js"
printf 'maplibre-gl %s\npmtiles %s\n' "$MAPLIBRE_VERSION" "$PMTILES_VERSION" > "$OUT/VERSIONS"
ls -l "$OUT"/*/
