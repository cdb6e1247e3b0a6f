package ledger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger/internal/journal"
	"github.com/tally-project/tally/regime"
)

// ArchiveFile is the name of the checkpoint archive in a log's directory
// and under its HTTP prefix.
const ArchiveFile = "checkpoints"

// archiveHeader starts an archive journal.
const archiveHeader = "tally checkpoint archive v1"

// Journal record kinds of the archive.
const (
	recCheckpoint  = "checkpoint"  // payload: a signed checkpoint as published
	recCosignature = "cosignature" // payload: "<size> <root base64>\n" + one signature line
)

// ArchivedCheckpoint is a checkpoint the log published, with the
// cosignatures received for it.
type ArchivedCheckpoint struct {
	Size uint64
	Root []byte
	// Note is the checkpoint as the log signed it.
	Note []byte
	// Cosignatures are the signature lines received from witnesses, in the
	// order they arrived.
	Cosignatures []string
}

// Full is the checkpoint with its cosignatures appended: a signed note
// carrying the log's signature and every cosignature received.
func (a *ArchivedCheckpoint) Full() []byte {
	n := len(a.Note)
	for _, c := range a.Cosignatures {
		n += len(c)
	}
	b := make([]byte, 0, n)
	b = append(b, a.Note...)
	for _, c := range a.Cosignatures {
		b = append(b, c...)
	}
	return b
}

// ParseArchive reads a checkpoint archive. A record torn at the end (a log
// archiving as it is read) is ignored.
func ParseArchive(data []byte) ([]*ArchivedCheckpoint, error) {
	recs, _, err := journal.Parse(data, archiveHeader)
	if err != nil {
		return nil, err
	}
	var out []*ArchivedCheckpoint
	for i, r := range recs {
		switch r.Kind {
		case recCheckpoint:
			size, root, err := checkpointSizeRoot(r.Data)
			if err != nil {
				return nil, fmt.Errorf("archive record %d: %v", i+1, err)
			}
			out = append(out, &ArchivedCheckpoint{Size: size, Root: root, Note: r.Data})
		case recCosignature:
			size, root, line, err := parseCosigRecord(r.Data)
			if err != nil {
				return nil, fmt.Errorf("archive record %d: %v", i+1, err)
			}
			a := findArchived(out, size, root)
			if a == nil {
				return nil, fmt.Errorf("archive record %d: a cosignature for a checkpoint of size %d that is not archived before it", i+1, size)
			}
			a.Cosignatures = append(a.Cosignatures, line)
		default:
			return nil, fmt.Errorf("archive record %d: unknown kind %q", i+1, r.Kind)
		}
	}
	return out, nil
}

func findArchived(cps []*ArchivedCheckpoint, size uint64, root []byte) *ArchivedCheckpoint {
	for i := len(cps) - 1; i >= 0; i-- {
		if cps[i].Size == size && bytes.Equal(cps[i].Root, root) {
			return cps[i]
		}
	}
	return nil
}

func cosigRecord(size uint64, root []byte, line string) []byte {
	return fmt.Appendf(nil, "%d %s\n%s", size, base64.StdEncoding.EncodeToString(root), line)
}

func parseCosigRecord(b []byte) (uint64, []byte, string, error) {
	head, line, ok := strings.Cut(string(b), "\n")
	sizeS, rootS, ok2 := strings.Cut(head, " ")
	size, err := strconv.ParseUint(sizeS, 10, 64)
	root, err2 := base64.StdEncoding.DecodeString(rootS)
	if !ok || !ok2 || err != nil || err2 != nil || len(root) != 32 || !strings.HasPrefix(line, "— ") || !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		return 0, nil, "", errors.New("malformed cosignature record")
	}
	return size, root, line, nil
}

// checkpointSizeRoot reads the size and root of a signed checkpoint
// without checking its signatures.
func checkpointSizeRoot(msg []byte) (uint64, []byte, error) {
	text, err := noteText(msg)
	if err != nil {
		return 0, nil, err
	}
	c, err := regime.ParseCheckpointText(text)
	if err != nil {
		return 0, nil, err
	}
	return c.Size, c.Hash, nil
}

// noteText is the body of a signed note, its signatures unchecked.
func noteText(msg []byte) (string, error) {
	_, err := note.Open(msg, note.VerifierList())
	var une *note.UnverifiedNoteError
	if !errors.As(err, &une) {
		return "", fmt.Errorf("not a signed note: %v", err)
	}
	return une.Note.Text, nil
}

// archive is a log's checkpoint archive, in memory and in its journal.
type archive struct {
	j   *journal.Journal
	reg *regime.Regime // nil: cosignatures are not evaluated
	now func() time.Time

	mu  sync.Mutex
	cps []*archived
	// byWitness lists, per witness, the sizes it cosigned and when, in
	// arrival order (sizes never decrease: a witness refuses to go back).
	byWitness map[string][]cosigned
}

type archived struct {
	ArchivedCheckpoint
	// cosigners and when each first cosigned, when a regime is known.
	cosigners map[string]time.Time
	witnessed bool
}

type cosigned struct {
	size uint64
	at   time.Time
}

func openArchive(path string, reg *regime.Regime, now func() time.Time) (*archive, error) {
	j, recs, err := journal.Open(path, archiveHeader)
	if err != nil {
		return nil, err
	}
	a := &archive{j: j, reg: reg, now: now, byWitness: map[string][]cosigned{}}
	data := journal.Marshal(recs...)
	cps, err := ParseArchive(append([]byte(archiveHeader+"\n"), data...))
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for _, c := range cps {
		ar := &archived{ArchivedCheckpoint: ArchivedCheckpoint{Size: c.Size, Root: c.Root, Note: c.Note}}
		a.cps = append(a.cps, ar)
		for _, line := range c.Cosignatures {
			a.attach(ar, line)
		}
	}
	return a, nil
}

// attach records a cosignature line on a checkpoint in memory, evaluating
// it against the regime. It reports whether the line was new and valid.
func (a *archive) attach(ar *archived, line string) bool {
	for _, have := range ar.Cosignatures {
		if have == line {
			return false
		}
	}
	if a.reg == nil {
		ar.Cosignatures = append(ar.Cosignatures, line)
		return true
	}
	c, err := a.reg.OpenCheckpoint(append(bytes.Clone(ar.Note), line...), a.now())
	if err != nil || len(c.Cosignatures) != 1 {
		return false
	}
	cs := c.Cosignatures[0]
	ar.Cosignatures = append(ar.Cosignatures, line)
	if ar.cosigners == nil {
		ar.cosigners = map[string]time.Time{}
	}
	if t, ok := ar.cosigners[cs.Witness.ID]; !ok || cs.Time.Before(t) {
		ar.cosigners[cs.Witness.ID] = cs.Time
	}
	a.byWitness[cs.Witness.ID] = append(a.byWitness[cs.Witness.ID], cosigned{ar.Size, cs.Time})
	n := 0
	for _, w := range c.Log.Witnesses() {
		if _, ok := ar.cosigners[w.ID]; ok {
			n++
		}
	}
	ar.witnessed = n >= c.Log.Threshold()
	return true
}

// addCheckpoint archives a newly published checkpoint, durably.
func (a *archive) addCheckpoint(msg []byte) (*archived, error) {
	size, root, err := checkpointSizeRoot(msg)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := len(a.cps); n > 0 {
		last := a.cps[n-1]
		if bytes.Equal(last.Note, msg) {
			return last, nil
		}
		if size < last.Size {
			return nil, fmt.Errorf("the log published a checkpoint of size %d after one of size %d", size, last.Size)
		}
	}
	if err := a.j.Append(journal.Record{Kind: recCheckpoint, Data: msg}); err != nil {
		return nil, err
	}
	ar := &archived{ArchivedCheckpoint: ArchivedCheckpoint{Size: size, Root: root, Note: bytes.Clone(msg)}}
	a.cps = append(a.cps, ar)
	return ar, nil
}

// addCosignature durably records a cosignature line for ar. It reports
// whether the line was new and valid.
func (a *archive) addCosignature(ar *archived, line string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	before := len(ar.Cosignatures)
	if !a.attach(ar, line) {
		return false, nil
	}
	if err := a.j.Append(journal.Record{Kind: recCosignature, Data: cosigRecord(ar.Size, ar.Root, line)}); err != nil {
		// Undo in memory what could not be made durable.
		ar.Cosignatures = ar.Cosignatures[:before]
		return false, err
	}
	return true, nil
}

// hasCosigner reports whether witness id has cosigned ar.
func (a *archive) hasCosigner(ar *archived, id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := ar.cosigners[id]
	return ok
}

// latest returns the last archived checkpoint, or nil.
func (a *archive) latest() *archived {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cps) == 0 {
		return nil
	}
	return a.cps[len(a.cps)-1]
}

// snapshot copies an archived checkpoint's public part under the lock.
func (a *archive) snapshot(ar *archived) ArchivedCheckpoint {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := ar.ArchivedCheckpoint
	c.Cosignatures = append([]string(nil), ar.Cosignatures...)
	return c
}

// best returns the checkpoint to prove entry index against: the latest
// witnessed one covering it, else the covering one with most
// cosignatures (the latest among equals), or nil; and whether it is
// witnessed.
func (a *archive) best(index uint64) (*archived, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	i := sort.Search(len(a.cps), func(i int) bool { return a.cps[i].Size > index })
	var best *archived
	for j := len(a.cps) - 1; j >= i; j-- {
		c := a.cps[j]
		if c.witnessed {
			return c, true
		}
		if best == nil || len(c.cosigners) > len(best.cosigners) {
			best = c
		}
	}
	return best, false
}

// witnessedSize is the size of the latest witnessed checkpoint.
func (a *archive) witnessedSize() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	for j := len(a.cps) - 1; j >= 0; j-- {
		if a.cps[j].witnessed {
			return a.cps[j].Size
		}
	}
	return 0
}

// cosignedBy returns the latest checkpoint cosigned by witness id.
func (a *archive) cosignedBy(id string) *archived {
	a.mu.Lock()
	defer a.mu.Unlock()
	for j := len(a.cps) - 1; j >= 0; j-- {
		if _, ok := a.cps[j].cosigners[id]; ok {
			return a.cps[j]
		}
	}
	return nil
}

// provisionTime is witness id's first cosignature on a checkpoint that
// includes entry index.
func (a *archive) provisionTime(index uint64, id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cs := a.byWitness[id]
	i := sort.Search(len(cs), func(i int) bool { return cs[i].size > index })
	if i == len(cs) {
		return time.Time{}, false
	}
	return cs[i].at, true
}

func (a *archive) close() error { return a.j.Close() }
