#!/usr/bin/env bash
# Builds the Worker into build/ with worker-build, pointing it at the local
# wasm-bindgen, esbuild and wasm-opt: it would otherwise download them.
set -euo pipefail
cd "$(dirname "$0")/.."
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export ESBUILD_BIN="${ESBUILD_BIN:-$PWD/node_modules/@esbuild/linux-x64/bin/esbuild}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}"
worker-build --release
# worker-build keeps the names section for readable stack traces; it is ~95 KB
# of the gzip bundle. Dropped: a panic's message still gives its file and line
# (console_error_panic_hook), which is what finds it. Without the names,
# -Oz run until it stops shrinking (--converge) takes 5.5 KB more off the
# gzip bundle, for half a minute of build.
"$WASM_OPT_BIN" --strip-debug -Oz --converge build/index_bg.wasm -o build/index_bg.wasm
touch build/worker/shim.mjs
