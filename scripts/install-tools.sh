#!/usr/bin/env bash
# Installs what building and running the Worker needs, skipping whatever is
# already there at the right version: the wasm32 target, worker-build and
# wasm-bindgen-cli at the versions Cargo.lock pins, and the npm packages
# (wrangler, binaryen) at the versions package-lock.json pins.
# `install-tools.sh test` also installs what the end-to-end tests need: a
# real DNS server (dnsmasq) to answer the DNS monitors, and unshare and ip to
# run the suite in a network namespace of its own, and Python's
# standardwebhooks to verify webhook signatures independently, and the
# websockets client for the live stream, the MCP SDK for /mcp, and
# prometheus-client's text-format parser for /api/v1/metrics, and Debian's
# Chromium for the dashboard's browser tests (driven by playwright-core,
# which package-lock.json pins; it never downloads a browser of its own).
set -euo pipefail
cd "$(dirname "$0")/.."

locked_version() { # the version Cargo.lock pins for a crate
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

cargo_install() { # crate version binary
  local crate=$1 version=$2 binary=$3
  if "$binary" --version 2>/dev/null | grep -qF "$version"; then return; fi
  echo "installing $crate $version" >&2
  # --locked first; if a locked dependency has since been yanked, let cargo
  # resolve compatible versions instead.
  cargo install --quiet "$crate" --version "$version" --locked \
    || cargo install --quiet "$crate" --version "$version"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
cargo_install worker-build "$(locked_version worker)" worker-build
cargo_install wasm-bindgen-cli "$(locked_version wasm-bindgen)" wasm-bindgen

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# The end-to-end suite runs in its own network namespace (unshare, ip).
if [ "${1:-}" = test ]; then
  missing=()
  command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
  command -v ip >/dev/null || [ -x /usr/sbin/ip ] || missing+=(iproute2)
  command -v unshare >/dev/null || missing+=(util-linux)
  command -v chromium >/dev/null || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # playwright-core 1.64 speaks the DevTools protocol of Chromium 12x and later;
  # the browser tests print both versions (tests/browser/dashboard.test.mjs).
  chromium_major=$(chromium --version 2>/dev/null | grep -oE '[0-9]+' | head -1)
  if [ "${chromium_major:-0}" -lt 120 ]; then
    echo "Chromium ${chromium_major:-missing} is older than the browser tests need (120 or later)" >&2
    exit 1
  fi
  # An implementation of Standard Webhooks of its own, to check our signatures.
  if ! python3 -c 'import standardwebhooks' 2>/dev/null; then
    python3 -m pip install --quiet standardwebhooks==1.1.0
  fi
  # A WebSocket client of its own, for the live stream's tests.
  if ! python3 -c 'import websockets' 2>/dev/null; then
    python3 -m pip install --quiet websockets==15.0.1
  fi
  # schemathesis, for the OpenAPI contract (scripts/contract.sh), in a
  # virtualenv of its own: its dependencies are many and pinned by it.
  if ! .venv-contract/bin/schemathesis --version 2>/dev/null | grep -qF 4.32.5; then
    python3 -m venv .venv-contract
    .venv-contract/bin/pip install --quiet schemathesis==4.32.5
  fi
  # The official MCP SDK, as the MCP server's client.
  if ! python3 -c 'import mcp' 2>/dev/null; then
    python3 -m pip install --quiet mcp==1.30.0
  fi
  # Prometheus's own Python client, whose text-format parser reads the metrics.
  if ! python3 -c 'import prometheus_client' 2>/dev/null; then
    python3 -m pip install --quiet prometheus-client==0.26.0
  fi
fi
