#!/usr/bin/env bash
# publint and @arethetypeswrong/cli over the packages, as they would be published.
# Packs with pnpm (which turns workspace:^ into a version, as publishing does) without its
# prepack script: dist/ is already built, and rebuilding it would pull it from under
# anything else using it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for package in core testing nats tracing; do
  publint "packages/$package" --pack false --strict
  tarball="$(cd "packages/$package" && pnpm pack --config.ignore-scripts=true --pack-destination "$out" | tail -n 1)"
  # ESM-only by decision (README, "Design decisions"): the esm-only profile leaves out the
  # CommonJS-under-node16 and node10 resolutions; require() works through require(esm).
  attw "$tarball" --profile esm-only
done
