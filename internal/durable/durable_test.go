package durable

import (
	"os"
	"path/filepath"
	"testing"
)

// A file is written whole with its mode, replaced whole, in a directory
// made for it, and no temporary file is left behind.
func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "state.json")
	for _, data := range []string{"first\n", "second, longer\n"} {
		if err := WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read back %q, %v; want %q", got, err, data)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("the directory holds %d files, want only state.json", len(entries))
	}
	// A directory in the way: an error, and the old file stays.
	if err := WriteFile(filepath.Dir(path), []byte("x"), 0o600); err == nil {
		t.Fatal("replaced a directory")
	}
}
