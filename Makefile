# Pingwarden: `make dev` serves the API locally, `make test` runs every test.
SHELL := bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false

SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock openapi.json $(wildcard catalogue/*.json)

.PHONY: dev test unit e2e bench soak screenshot tools build fmt lint

dev: tools
	scripts/dev.sh

test: unit e2e

unit:
	cargo test --quiet --lib --test schema

e2e:
	@scripts/install-tools.sh test
	scripts/e2e.sh

bench: tools
	scripts/bench.sh

# The fault-injection soak (bench/soak.rs): 10 minutes, 3 restarts of the server.
soak: tools
	BENCHES=soak scripts/bench.sh

# docs/status-page.png, with headless Chromium (apt install chromium).
screenshot: tools
	scripts/screenshot.py

tools:
	@scripts/install-tools.sh

# Incremental: wrangler calls `make -s build` on every start.
build: build/worker/shim.mjs

build/worker/shim.mjs: $(SOURCES)
	scripts/build.sh

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
