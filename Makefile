# Passerelle — build and test.
#
#   make test   installs what the tests need when it is missing (PostgreSQL
#               server programs, Chromium, Node.js), then runs go vet, the
#               OpenAPI linter on docs/openapi.yaml and every test with the
#               race detector.
#   make demo   runs the demo (same as: go run ./cmd/passerelle demo).

GO        ?= go
PKGS      ?= ./...
TESTFLAGS ?= -race -timeout 15m
FUZZTIME  ?= 10s

.PHONY: test deps vet openapi build demo fuzz bench clean

test: deps vet openapi
	$(GO) test $(TESTFLAGS) $(PKGS)

# deps installs, on Debian, the programs the tests drive for real. It does
# nothing when they are already there.
deps:
	@./scripts/test-deps.sh

vet:
	$(GO) vet $(PKGS)

# openapi lints docs/openapi.yaml with Redocly CLI (installed from npm once).
openapi:
	@./scripts/lint-openapi.sh

build:
	CGO_ENABLED=0 $(GO) build -o bin/passerelle ./cmd/passerelle

demo:
	$(GO) run ./cmd/passerelle demo

# fuzz runs each fuzz target for FUZZTIME.
fuzz:
	@./scripts/fuzz.sh $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin screenshots passerelle-demo
