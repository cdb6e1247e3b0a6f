// Command gen writes the dashboard's WebAssembly receipt verifier into
// server/static: verify.wasm.gz, verify.wasm.json (how it was built, and
// its SHA-256) and the toolchain's wasm_exec.js. Run it with
// `go generate ./server` from the module root.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tally-project/tally/server/internal/wasmbuild"
)

func main() {
	// go generate runs in server/; the module root is its parent.
	wasm, rec, err := wasmbuild.Build("..")
	if err != nil {
		fail(err)
	}
	exec, err := wasmbuild.WasmExec()
	if err != nil {
		fail(err)
	}
	for name, data := range map[string][]byte{
		"verify.wasm.gz":   wasmbuild.Gzip(wasm),
		"verify.wasm.json": rec.Marshal(),
		"wasm_exec.js":     exec,
	} {
		if err := os.WriteFile(filepath.Join("static", name), data, 0o644); err != nil {
			fail(err)
		}
	}
	fmt.Printf("server/static/verify.wasm.gz: %d bytes (%d uncompressed), sha256 %s, %s\n", len(wasmbuild.Gzip(wasm)), rec.Size, rec.SHA256, rec.Go)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
