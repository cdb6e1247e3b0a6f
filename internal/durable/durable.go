// Package durable writes files that survive a crash whole or not at all.
//
// A node's state files (its tokens, private loadings, replica and journal
// headers, the demo's state) are replaced, never edited: the new content
// goes to a temporary file in the same directory, is fsynced, renamed over
// the old file, and the directory is fsynced so that the rename itself
// survives. A reader after a crash sees the old file or the new one.
package durable

import (
	"os"
	"path/filepath"
)

// WriteFile replaces path with data, with the given mode, durably.
func WriteFile(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, making a rename or creation in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
