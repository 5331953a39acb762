# Convenience targets; the README's two commands are `go run ./server` and `bash scripts/test.sh`.
.PHONY: run test build vet

run:
	go run ./server

test:
	bash scripts/test.sh

build:
	go build -o bin/gongjian ./server

vet:
	go vet ./...
