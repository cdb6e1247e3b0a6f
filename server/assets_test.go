package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/tally-project/tally/server/internal/wasmbuild"
)

// The embedded Chart.js is the file web/package-lock.json pins: the
// version and the tarball's integrity recorded by web/vendor.sh are the
// lockfile's, and the bytes have the recorded SHA-256. (web/vendor.sh
// --check rebuilds it from npm and compares.)
func TestVendoredChartJS(t *testing.T) {
	var rec []struct {
		Package, Version, Integrity, File, Embedded, SHA256, License string
		Bundles                                                      []struct{ Package, Version, Integrity string }
	}
	data, err := fs.ReadFile(staticFS, "static/vendor/vendor.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	lockData, err := os.ReadFile("../web/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct{ Version, Integrity string }
	}
	if err := json.Unmarshal(lockData, &lock); err != nil {
		t.Fatal(err)
	}
	var pkg struct{ Dependencies map[string]string }
	pkgData, err := os.ReadFile("../web/package.json")
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(pkgData, &pkg)
	if len(rec) == 0 {
		t.Fatal("vendor.json lists nothing")
	}
	for _, r := range rec {
		l, ok := lock.Packages["node_modules/"+r.Package]
		if !ok || l.Version != r.Version || l.Integrity != r.Integrity {
			t.Errorf("%s: vendored %s %s, lockfile %s %s", r.Package, r.Version, r.Integrity, l.Version, l.Integrity)
		}
		if pkg.Dependencies[r.Package] != r.Version {
			t.Errorf("%s: package.json pins %q, vendored %s", r.Package, pkg.Dependencies[r.Package], r.Version)
		}
		for _, b := range r.Bundles {
			if l := lock.Packages["node_modules/"+b.Package]; l.Version != b.Version || l.Integrity != b.Integrity {
				t.Errorf("%s bundles %s %s, lockfile %s", r.Package, b.Package, b.Version, l.Version)
			}
		}
		file, err := fs.ReadFile(staticFS, "static/vendor/"+r.Embedded)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(file)
		if hex.EncodeToString(sum[:]) != r.SHA256 {
			t.Errorf("%s: sha256 %x, recorded %s", r.Embedded, sum, r.SHA256)
		}
		if r.Package == "chart.js" && !bytes.HasPrefix(file, []byte("/*!\n * Chart.js v"+r.Version+"\n")) {
			t.Errorf("%s does not say it is Chart.js %s", r.Embedded, r.Version)
		}
	}
	lic, err := fs.ReadFile(staticFS, "static/vendor/LICENSES.txt")
	if err != nil || !bytes.Contains(lic, []byte("MIT License")) || !bytes.Contains(lic, []byte("@kurkle/color")) {
		t.Errorf("the licences are not embedded: %v", err)
	}
}

// The committed verifier is what `go generate ./server` builds from the
// current source: rebuild it and compare. A different Go toolchain cannot
// reproduce the bytes, so the test then says so and skips.
func TestVerifierIsCurrent(t *testing.T) {
	var rec wasmbuild.Record
	data, err := fs.ReadFile(staticFS, "static/verify.wasm.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	gz, err := fs.ReadFile(staticFS, "static/verify.wasm.gz")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := gunzip(gz)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(committed); hex.EncodeToString(sum[:]) != rec.SHA256 || len(committed) != rec.Size {
		t.Fatalf("verify.wasm.gz holds %d bytes with sha256 %x; verify.wasm.json says %d, %s", len(committed), sum, rec.Size, rec.SHA256)
	}
	if rec.Go != runtime.Version() {
		t.Skipf("verify.wasm was built with %s, this is %s: cannot rebuild it byte for byte (run go generate ./server with %s)", rec.Go, runtime.Version(), rec.Go)
	}
	if strings.Join(rec.Flags, " ") != strings.Join(wasmbuild.Flags, " ") || strings.Join(rec.Env, " ") != strings.Join(wasmbuild.Env, " ") {
		t.Errorf("verify.wasm was built with %v %v, the generator now uses %v %v: run go generate ./server", rec.Env, rec.Flags, wasmbuild.Env, wasmbuild.Flags)
	}
	fresh, frec, err := wasmbuild.Build("..")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Errorf("server/static/verify.wasm.gz is stale (committed sha256 %s, built %s): run go generate ./server and commit", rec.SHA256, frec.SHA256)
	}
	exec, err := wasmbuild.WasmExec()
	if err != nil {
		t.Fatal(err)
	}
	if have, _ := fs.ReadFile(staticFS, "static/wasm_exec.js"); !bytes.Equal(have, exec) {
		t.Error("server/static/wasm_exec.js is not this toolchain's lib/wasm/wasm_exec.js: run go generate ./server")
	}
}
