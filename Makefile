# ictstat: everything a fresh machine with Go and gcc needs.
export GOFLAGS := -buildvcs=false
export CGO_ENABLED := 1

BIN         := bin/ictstat
GOBIN       := $(CURDIR)/bin/tools
STATICCHECK := $(GOBIN)/staticcheck
WAREHOUSE   ?= ./demo-data

.PHONY: run test build bench lint fuzz clean

## build: compile bin/ictstat
build:
	go build -o $(BIN) ./cmd/ictstat

## run: the main job on the embedded demo (synthetic data; warehouse in ./demo-data); prints the dashboard's URL
run: build
	$(BIN) run --demo --warehouse $(WAREHOUSE)

## test: vet, the race-checked test suite and a short fuzz of every parser (100,000 inputs each)
test: build
	go vet ./...
	go test -race -timeout 30m ./...
	$(MAKE) fuzz FUZZTIME=100000x SANDBOXFUZZTIME=5000x

FUZZTIME ?= 30s
# FuzzSandboxSQL runs each input in DuckDB (about 150 a second): fewer in make test.
SANDBOXFUZZTIME ?= $(FUZZTIME)
# A count (100000x) rather than a duration in make test: a duration that ends
# while the fuzzer minimises a new input fails with "context deadline exceeded".
## fuzz: run each fuzz target for FUZZTIME
fuzz:
	go test -run '^$$' -fuzz '^FuzzDecodeFiling$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzFilingDecoder$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzNDJSON$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzFeedEnvelope$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzRegistryCursor$$' -fuzztime $(FUZZTIME) ./simulate
	go test -run '^$$' -fuzz '^FuzzCheckFlags$$' -fuzztime $(FUZZTIME) ./transform
	go test -run '^$$' -fuzz '^FuzzFXCSV$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzSDMXCSV$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzSurveyRaw$$' -fuzztime $(FUZZTIME) ./transform
	go test -run '^$$' -fuzz '^FuzzParseReference$$' -fuzztime $(FUZZTIME) ./warehouse
	go test -run '^$$' -fuzz '^FuzzBind$$' -fuzztime $(FUZZTIME) ./queries
	go test -run '^$$' -fuzz '^FuzzKoboCSV$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzKoboJSON$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzJSONStat$$' -fuzztime $(FUZZTIME) ./ingest
	go test -run '^$$' -fuzz '^FuzzNSOPeriod$$' -fuzztime $(FUZZTIME) ./transform
	go test -run '^$$' -fuzz '^FuzzTokenFile$$' -fuzztime $(FUZZTIME) ./serve
	go test -run '^$$' -fuzz '^FuzzSandboxSQL$$' -fuzztime $(SANDBOXFUZZTIME) ./warehouse
	go test -run '^$$' -fuzz '^FuzzParsePeriod$$' -fuzztime $(FUZZTIME) ./publish
	go test -run '^$$' -fuzz '^FuzzReadPublishedCSV$$' -fuzztime $(FUZZTIME) ./publish
	go test -run '^$$' -fuzz '^FuzzParseState$$' -fuzztime $(FUZZTIME) ./serve/dashboard

## bench: ingest and query benchmarks against DuckDB; see docs/benchmarks.md
bench: build
	go run ./internal/benchcmd -bin $(BIN)

## lint: go vet and staticcheck (installed through the Go module proxy)
lint: $(STATICCHECK)
	go vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(GOBIN) go install honnef.co/go/tools/cmd/staticcheck@v0.8.2

clean:
	rm -rf bin
