#!/bin/sh
# vendor.sh copies the pinned front-end libraries the dashboard embeds into
# server/static/vendor and records where each file came from.
#
# It installs exactly what package-lock.json pins (npm ci checks every
# tarball against the lockfile's sha512 integrity), copies the minified
# build and its licences, and writes vendor.json: package, version,
# lockfile integrity, file and the SHA-256 of the copied bytes. The Go test
# TestVendoredChartJS checks the embedded file against vendor.json and
# package-lock.json, so a clean checkout needs neither npm nor this script:
# run it only to change a version (edit package.json, `npm install
# --package-lock-only`, then ./vendor.sh, and commit the result).
#
#   ./vendor.sh          copy and record
#   ./vendor.sh --check  rebuild in a temporary directory and compare
set -eu
cd "$(dirname "$0")"
out=../server/static/vendor
if [ "${1:-}" = "--check" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cp package.json package-lock.json "$tmp/"
	(cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
	cmp "$tmp/node_modules/chart.js/dist/chart.umd.min.js" "$out/chart.umd.min.js"
	echo "vendor.sh: $out/chart.umd.min.js is the file package-lock.json pins"
	exit 0
fi
npm ci --ignore-scripts --no-audit --no-fund
mkdir -p "$out"
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chart.umd.min.js"
{
	echo "chart.umd.min.js is Chart.js $(node -p 'require("./node_modules/chart.js/package.json").version'), which bundles @kurkle/color $(node -p 'require("./node_modules/@kurkle/color/package.json").version'). Their licences follow."
	echo
	echo "== chart.js =="
	cat node_modules/chart.js/LICENSE.md
	echo
	echo "== @kurkle/color =="
	cat node_modules/@kurkle/color/LICENSE.md
} > "$out/LICENSES.txt"
node - "$out" <<'JS'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const out = process.argv[2];
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const pkg = (name) => lock.packages["node_modules/" + name];
const sha = (f) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");
const rec = [{
  package: "chart.js",
  version: pkg("chart.js").version,
  integrity: pkg("chart.js").integrity,
  file: "dist/chart.umd.min.js",
  embedded: "chart.umd.min.js",
  sha256: sha(path.join(out, "chart.umd.min.js")),
  bundles: [{package: "@kurkle/color", version: pkg("@kurkle/color").version, integrity: pkg("@kurkle/color").integrity}],
  license: "MIT",
}];
fs.writeFileSync(path.join(out, "vendor.json"), JSON.stringify(rec, null, 2) + "\n");
JS
echo "vendor.sh: wrote $out"
