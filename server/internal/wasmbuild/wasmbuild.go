// Package wasmbuild builds the dashboard's receipt verifier
// (web/verifywasm) for the browser, the same way every time: GOOS=js
// GOARCH=wasm, -trimpath, no VCS stamp, no build id, no symbol table, and
// the environment that could change the output pinned. With the same Go
// toolchain the output is byte for byte the same, which is what lets a test
// check that the committed server/static/verify.wasm.gz is current, and
// anyone check that the verifier a node serves is built from this source.
package wasmbuild

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Package is the verifier's main package, relative to the module root.
const Package = "./web/verifywasm"

// Flags are the go build flags.
var Flags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}

// Env is the environment that decides the output; everything else is
// inherited.
var Env = []string{"GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOWASM=", "GOFLAGS=-mod=readonly", "GOEXPERIMENT="}

// Record describes a build, written next to the output so that a reader
// can rebuild it and compare.
type Record struct {
	Go      string   `json:"go"`
	Package string   `json:"package"`
	Env     []string `json:"env"`
	Flags   []string `json:"flags"`
	SHA256  string   `json:"sha256"`
	Size    int      `json:"size"`
	Command string   `json:"command"`
}

// Build compiles the verifier from the module at root and returns the
// .wasm bytes and their record.
func Build(root string) ([]byte, *Record, error) {
	tmp, err := os.MkdirTemp("", "verifywasm")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "verify.wasm")
	args := append(append([]string{"build"}, Flags...), "-o", out, Package)
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(wasm)
	return wasm, &Record{
		Go:      runtime.Version(),
		Package: Package,
		Env:     Env,
		Flags:   Flags,
		SHA256:  hex.EncodeToString(sum[:]),
		Size:    len(wasm),
		Command: "go generate ./server",
	}, nil
}

// Gzip compresses deterministically (no name, no time, best compression).
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// WasmExec returns the JavaScript support file of this Go toolchain,
// $(go env GOROOT)/lib/wasm/wasm_exec.js, which must match the compiler
// that built the .wasm.
func WasmExec() ([]byte, error) {
	out, err := exec.Command(goTool(), "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOROOT: %w", err)
	}
	return os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "lib", "wasm", "wasm_exec.js"))
}

// Marshal writes a record as indented JSON.
func (r *Record) Marshal() []byte {
	b, _ := json.MarshalIndent(r, "", "  ")
	return append(b, '\n')
}

// goTool is the go command of the running toolchain when there is one.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
