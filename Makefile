# The two commands: `make run` (serve the demo) and `make test` (everything CI checks).
SHELL := /bin/bash
# npm scripts put node_modules/.bin first; make recipes get the same pinned Node 24.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NPM ?= npm
PROTOS := $(shell find proto -name '*.proto' | sort)

.PHONY: install run test gen check-gen build clean traces bench audit

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

gen: install
	rm -rf gen
	mkdir -p gen
	node_modules/.bin/protoc \
	  --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto \
	  --ts_proto_out=gen \
	  --ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,env=node,useOptionals=messages \
	  -I proto $(PROTOS)

# Regenerates into a scratch folder and fails when the committed gen/ differs.
check-gen: install
	@tmp=$$(mktemp -d) && \
	node_modules/.bin/protoc \
	  --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto \
	  --ts_proto_out=$$tmp \
	  --ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,env=node,useOptionals=messages \
	  -I proto $(PROTOS) && \
	if ! diff -r $$tmp gen >/dev/null; then diff -r $$tmp gen | head -20; rm -rf $$tmp; echo "gen/ is stale: run make gen and commit"; exit 1; fi; \
	rm -rf $$tmp; echo "gen/ is fresh"

build: install
	$(NPM) run build

run: build
	$(NPM) run demo

test: install check-gen
	$(NPM) test

# npm audit of the runtime and the full tree against audit-exceptions.json (scripts/audit/main.ts).
# Exit 1: unexplained high/critical advisory; 2: npm or the exceptions file failed; 3: the advisory
# endpoint could not be asked (AUDIT_FLAGS=--allow-not-run turns 3 into 0, the notice still printed).
audit: install
	tsx scripts/audit/main.ts $(AUDIT_FLAGS)

bench: build
	$(NPM) run bench

traces: install
	$(NPM) run traces

clean:
	rm -rf dist node_modules/.installed
