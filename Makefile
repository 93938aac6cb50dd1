# The two commands of the README, plus the slower tiers. Every target brings its own
# toolchain (Node 24 and pnpm 12.4.2 from the npm registry when the machine's are older).
SHELL := /bin/bash
TOOLCHAIN := source scripts/toolchain.sh

.PHONY: start test test-real bench install build lint clean

install:
	@$(TOOLCHAIN) && pnpm install --frozen-lockfile --reporter=silent

build: install
	@$(TOOLCHAIN) && pnpm exec tsc -b

## Run the system: the simulated homelab plus every MCP server built so far (or your real upstreams when configured).
start: build
	@$(TOOLCHAIN) && node scripts/start.mjs

## Run the fast test suite: types, lint, formatting, unit, contract, simulator and transport tests.
test: build
	@$(TOOLCHAIN) && pnpm exec tsc -p tsconfig.tests.json && pnpm exec eslint . && pnpm exec prettier --check . --log-level warn && node scripts/test.mjs

## Real upstreams (Alertmanager, ...) installed and started on 127.0.0.1; slower, run by .ci/run.
test-real: build
	@$(TOOLCHAIN) && bash scripts/test-real.sh

bench: build
	@$(TOOLCHAIN) && node bench/run.mjs

clean:
	rm -rf node_modules */node_modules */*/node_modules */*/dist *.tsbuildinfo
