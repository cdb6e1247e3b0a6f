package server

// The receipt verifier, compiled to WebAssembly: see package
// internal/wasmbuild. The output is committed so that `go build` alone
// builds tally; TestVerifierIsCurrent fails when it is stale.
//go:generate go run ./internal/wasmbuild/gen
