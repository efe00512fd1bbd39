# floe's front door. `make demo` runs the whole trip on sample data; `make test` runs the tests.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
export PATH := $(CURDIR)/$(NODE_BIN):$(PATH)

.PHONY: all install deps build typecheck lint test test-unit bench demo image clean

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: node_modules/.installed

install: deps
	bash test/harness/install-system-deps.sh

typecheck: deps
	$(NODE_BIN)/tsc -p tsconfig.json

lint: deps
	$(NODE_BIN)/eslint .

build: typecheck

test: install typecheck lint
	$(NODE_BIN)/vitest run --reporter=default --reporter=json --outputFile.json=.vitest-report.json

test-unit: deps
	$(NODE_BIN)/vitest run appliance

bench: install
	bash bench/run.sh

demo: install
	bash image/demo.sh

# dist/floe (one executable, Node 22 inside) and the signed firmware bundle; see image/build.sh.
image: deps
	bash image/build.sh

clean:
	rm -rf dist .tmp coverage .vitest-report.json
