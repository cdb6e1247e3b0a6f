// Package journal is an append-only file of framed records that survives
// crashes: every append is written and fsynced before it returns, and a
// record torn by a crash at the end of the file is cut off on the next
// open. A damaged record anywhere else is corruption and an error.
//
// The file is text-friendly. It starts with a header line naming what it
// holds; each record is a header line and its payload:
//
//	tally checkpoint archive v1
//	checkpoint 214 1c291ca3
//	<214 bytes of payload>
//	cosignature 98 0e4d2b11
//	<98 bytes of payload>
//
// The header line is the record's kind (a word), the payload length in
// decimal and the CRC-32C of the payload in hex; the payload is followed
// by a newline that is not part of it.
package journal

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"sync"

	"github.com/tally-project/tally/internal/durable"
)

// Record is one entry of a journal.
type Record struct {
	Kind string
	Data []byte
}

// MaxRecord bounds a record's payload, so that a damaged length cannot make
// a reader allocate without limit.
const MaxRecord = 16 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt reports a damaged record that is not the last one.
var ErrCorrupt = errors.New("journal corrupt")

// Parse reads every record of a journal's contents. header is the expected
// first line (without newline). A damaged last record is reported by torn
// (and not returned); a damaged record before the end is ErrCorrupt, with
// the byte offset.
func Parse(data []byte, header string) (recs []Record, torn bool, err error) {
	h := header + "\n"
	if !bytes.HasPrefix(data, []byte(h)) {
		if len(data) < len(h) && bytes.HasPrefix([]byte(h), data) {
			return nil, true, nil // the header itself was torn
		}
		return nil, false, fmt.Errorf("%w: the file does not start with %q", ErrCorrupt, header)
	}
	off := len(h)
	for off < len(data) {
		rec, n, err := parseRecord(data[off:])
		if err != nil {
			if n < 0 || off+n >= len(data) {
				return recs, true, nil
			}
			return recs, false, fmt.Errorf("%w at byte %d: %v", ErrCorrupt, off, err)
		}
		recs = append(recs, rec)
		off += n
	}
	return recs, false, nil
}

// parseRecord reads one record; n is its length, or -1 when the record
// runs past the end of b (a torn tail).
func parseRecord(b []byte) (Record, int, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return Record{}, -1, errors.New("header line without newline")
	}
	fields := bytes.Fields(b[:nl])
	if len(fields) != 3 {
		return Record{}, nl + 1, fmt.Errorf("bad record header %q", b[:nl])
	}
	size, err := strconv.Atoi(string(fields[1]))
	if err != nil || size < 0 || size > MaxRecord {
		return Record{}, nl + 1, fmt.Errorf("bad record length %q", fields[1])
	}
	sum, err := strconv.ParseUint(string(fields[2]), 16, 32)
	if err != nil {
		return Record{}, nl + 1, fmt.Errorf("bad record checksum %q", fields[2])
	}
	if fmt.Sprintf("%s %d %08x", fields[0], size, sum) != string(b[:nl]) {
		return Record{}, nl + 1, fmt.Errorf("record header %q is not in canonical form", b[:nl])
	}
	end := nl + 1 + size + 1
	if end > len(b) {
		return Record{}, -1, errors.New("record runs past the end")
	}
	payload := b[nl+1 : nl+1+size]
	if b[end-1] != '\n' {
		return Record{}, end, errors.New("record not followed by a newline")
	}
	if crc32.Checksum(payload, castagnoli) != uint32(sum) {
		return Record{}, end, errors.New("checksum mismatch")
	}
	return Record{Kind: string(fields[0]), Data: bytes.Clone(payload)}, end, nil
}

// Marshal frames records as they are written to a journal.
func Marshal(recs ...Record) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		fmt.Fprintf(&b, "%s %d %08x\n", r.Kind, len(r.Data), crc32.Checksum(r.Data, castagnoli))
		b.Write(r.Data)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Journal is an open journal file for appending. It is safe for concurrent
// use.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// Open opens (or creates) the journal at path and returns its records. A
// torn last record is cut off; a corrupt earlier one is an error.
func Open(path, header string) (*Journal, []Record, error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := create(path, header); err != nil {
			return nil, nil, err
		}
		data = []byte(header + "\n")
	case err != nil:
		return nil, nil, err
	}
	recs, torn, err := Parse(data, header)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if torn {
		good := len(header) + 1
		for _, r := range recs {
			good += len(Marshal(r))
		}
		if len(data) < len(header)+1 {
			// Even the header was torn: start afresh.
			if err := create(path, header); err != nil {
				return nil, nil, err
			}
		} else if err := os.Truncate(path, int64(good)); err != nil {
			return nil, nil, fmt.Errorf("%s: cutting off a torn record: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, nil, err
	}
	if torn {
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return &Journal{f: f, path: path}, recs, nil
}

func create(path, header string) error {
	return durable.WriteFile(path, []byte(header+"\n"), 0o644)
}

// Append writes records and fsyncs them; when it returns nil they survive
// a crash.
func (j *Journal) Append(recs ...Record) error {
	for _, r := range recs {
		if len(r.Data) > MaxRecord {
			return fmt.Errorf("journal record of %d bytes exceeds %d", len(r.Data), MaxRecord)
		}
		if r.Kind == "" || bytes.ContainsAny([]byte(r.Kind), " \n\t") {
			return fmt.Errorf("journal record kind %q must be one word", r.Kind)
		}
	}
	b := Marshal(recs...)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal closed")
	}
	if _, err := j.f.Write(b); err != nil {
		return err
	}
	return j.f.Sync()
}

// Path is the journal's file name.
func (j *Journal) Path() string { return j.path }

// Close closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
