//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "verifywasm runs in a browser: build it with GOOS=js GOARCH=wasm (go generate ./server)")
	os.Exit(2)
}
