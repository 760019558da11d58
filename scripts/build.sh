#!/usr/bin/env bash
# Builds the Worker into build/ with worker-build, pointing it at the local
# wasm-bindgen, esbuild and wasm-opt: it would otherwise download them.
set -euo pipefail
cd "$(dirname "$0")/.."
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export ESBUILD_BIN="${ESBUILD_BIN:-$PWD/node_modules/@esbuild/linux-x64/bin/esbuild}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}"
worker-build --release
touch build/worker/shim.mjs
