package treaty

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/tally-project/tally/catalog"
)

var (
	bundledOnce sync.Once
	bundled     []*Treaty
	bundledErr  error
)

// Bundled returns the treaties and proposals carried in the binary
// (catalog/treaties/*.yaml), sorted by id. They are loaded once and shared:
// do not modify them.
func Bundled() ([]*Treaty, error) {
	bundledOnce.Do(func() { bundled, bundledErr = loadBundled(catalog.FS) })
	return bundled, bundledErr
}

func loadBundled(fsys fs.FS) ([]*Treaty, error) {
	names, err := fs.Glob(fsys, "treaties/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*Treaty
	var errs []error
	byID := map[string]string{}
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t, err := Parse("catalog/"+n, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := byID[t.ID]; dup {
			errs = append(errs, fmt.Errorf("catalog/%s: id %q is also used by %s", n, t.ID, prev))
			continue
		}
		byID[t.ID] = n
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, errors.Join(errs...)
}

// Lookup returns the bundled treaty with id idOrPath, or else loads the
// file at that path.
func Lookup(idOrPath string) (*Treaty, error) {
	all, err := Bundled()
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if t.ID == idOrPath {
			return t, nil
		}
	}
	if _, statErr := os.Stat(idOrPath); statErr == nil {
		return LoadFile(idOrPath)
	}
	ids := make([]string, len(all))
	for i, t := range all {
		ids[i] = t.ID
	}
	looksLikeFile := strings.ContainsAny(idOrPath, "/\\") || path.Ext(idOrPath) != ""
	if looksLikeFile {
		return nil, fmt.Errorf("%s: no such file (and no bundled treaty by that id: %s)", idOrPath, strings.Join(ids, ", "))
	}
	return nil, fmt.Errorf("no bundled treaty %q and no file by that name; bundled: %s", idOrPath, strings.Join(ids, ", "))
}
