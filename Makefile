# cmdbgen tasks. Every target is a command or two that CI or a person runs.
.PHONY: all build test generate bless check fmt clippy bench-online

CARGO ?= cargo
PROFILE ?= small
OUT ?= out/$(PROFILE)

all: build

build:
	$(CARGO) build --release --locked

## The default job: a bundle of the built-in default profile.
generate: build
	./target/release/cmdbgen generate --profile $(PROFILE) --out $(OUT)

## The test command (README): installs the checkers, runs every test.
test:
	scripts/test.sh

## Regenerate the golden fixture; review the diff before committing.
bless:
	CMDBGEN_BLESS=1 $(CARGO) test --test integration golden

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets --locked -- -D warnings

check: fmt clippy test

## Online loader throughput against kglite-bolt-server (docs/online.md).
bench-online:
	scripts/bench-online.sh
