# The targets are thin: the work is done by the scripts in .ci.

ADDR ?= 127.0.0.1:8080

.PHONY: build run run-cluster test vet clean pack

build:
	.ci/build-wasm.sh

# The binary is run directly, not through go run, so that Ctrl-C reaches
# only the server, which shuts down cleanly and exits 0.
run: build
	go build -o .bin/resock-demo ./demo/cmd/resock-demo
	.bin/resock-demo -addr $(ADDR)

# Three instances sharing their sessions and whiteboard through NATS
# JetStream (started in-process), behind a round-robin proxy on ADDR.
run-cluster: build
	go build -o .bin/resock-demo ./demo/cmd/resock-demo
	go build -o .bin/resock-cluster ./demo/cmd/resock-cluster
	.bin/resock-cluster -addr $(ADDR) -binary .bin/resock-demo

# The npm package: jsglue/ as make build leaves it, packed into .bin/.
pack: build
	mkdir -p .bin
	cd jsglue && npm pack --pack-destination ../.bin

test:
	.ci/ensure-chromium.sh
	.ci/build-wasm.sh
	.ci/test.sh

vet:
	.ci/vet.sh

clean:
	rm -f jsglue/resock.js jsglue/react.js jsglue/shared.js jsglue/sharedhost.js jsglue/sharedworker.js jsglue/resock.wasm jsglue/wasm_exec.js jsglue/*.gz jsglue/*.br
	rm -rf .bin

# Benchmarks; not part of make test. Flags: make bench BENCH_FLAGS="-rounds 9".
.PHONY: bench bench-server bench-startup bench-broker bench-tabs bench-persist

bench:
	.ci/ensure-chromium.sh
	.ci/build-wasm.sh
	.ci/bench.sh $(BENCH_FLAGS)

bench-server:
	.ci/bench-server.sh $(BENCH_FLAGS)

bench-startup:
	.ci/ensure-chromium.sh
	.ci/build-wasm.sh
	.ci/bench-startup.sh $(BENCH_FLAGS)

.PHONY: fuzz

fuzz:
	.ci/fuzz.sh

bench-broker:
	go run ./bench/broker $(BENCH_FLAGS)

# Each further tab's memory and time to first open, a socket per tab
# against one shared socket: bench/results/tabs.md and docs/tabs.svg.
bench-tabs:
	.ci/ensure-chromium.sh
	.ci/build-wasm.sh
	go run ./bench/tabs $(BENCH_FLAGS)

# What options.persist costs per message, against resume in memory and the
# browser's WebSocket: bench/results/persist.md.
bench-persist:
	.ci/ensure-chromium.sh
	.ci/build-wasm.sh
	go run ./bench/persist $(BENCH_FLAGS)
