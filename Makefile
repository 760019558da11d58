# Pingwarden: `make dev` serves the API locally, `make test` runs every test.
SHELL := bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false

SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock web/catalogue/demo.json

.PHONY: dev test unit e2e deploy-check deploy bench soak screenshot tools build fmt lint

dev: tools
	scripts/dev.sh

test: unit e2e deploy-check

unit:
	cargo test --quiet --lib --test schema

e2e:
	@scripts/install-tools.sh test
	scripts/e2e.sh

# The deploy's dry run, in a network namespace with nothing but loopback: it
# proves that the dry run needs no account and no network, and that the
# bundle is made. The build runs first, outside: cargo may have crates to fetch.
deploy-check: tools
	@$(MAKE) -s build
	unshare --net -- bash -c 'ip link set lo up && DRY_RUN=1 scripts/deploy.sh'

# To the Cloudflare account of `npx wrangler login` (or CLOUDFLARE_API_TOKEN),
# the first time and every time after; DRY_RUN=1 only prints the steps and
# builds the bundle. See docs/DEPLOY.md.
deploy: tools
	DRY_RUN=$(DRY_RUN) scripts/deploy.sh

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
