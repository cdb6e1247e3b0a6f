package server

import (
	"encoding/json"
	"net/http"
)

// The Verify page: the receipt verifier compiled to WebAssembly runs in
// the reader's browser, on a receipt and a regime the reader supplies.

type verifyView struct {
	// Build is how the verifier was built (static/verify.wasm.json).
	Build wasmRecord
	// WasmURL is where verify.js fetches the verifier.
	WasmURL string
}

// wasmRecord is static/verify.wasm.json, written by go generate.
type wasmRecord struct {
	Go      string   `json:"go"`
	Package string   `json:"package"`
	Env     []string `json:"env"`
	Flags   []string `json:"flags"`
	SHA256  string   `json:"sha256"`
	Size    int      `json:"size"`
	Command string   `json:"command"`
}

func (d *dashboard) verify(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Verify a receipt", Nav: "verify", Scripts: []string{"wasm_exec.js", "verify.js"}}
	if !d.nav(w, r, p) {
		return
	}
	p.Data = d.verifyData()
	d.render(w, r, http.StatusOK, "verify", p)
}

// verifyData is what the Verify form needs: where the verifier is, and
// how it was built. The record is embedded and checked by the tests.
func (d *dashboard) verifyData() verifyView {
	v := verifyView{WasmURL: d.assets.url("verify.wasm")}
	if f, ok := d.assets.files["verify.wasm.json"]; ok {
		if err := json.Unmarshal(f.bytes(), &v.Build); err != nil {
			d.log.Error("dashboard: static/verify.wasm.json", "err", err)
		}
	}
	return v
}
