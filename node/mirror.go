package node

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
)

// mirror is a node's copy of the entries of another party's log, in log
// order: an append-only file of records (4-byte length, 4-byte CRC-32C,
// the entry). The replica delivers entries into it once it has checked
// them against a witnessed checkpoint; the projection, and tally rebuild,
// read the other parties' logs from it. A record torn by a crash at the
// end of the file is cut off when the mirror is opened.
type mirror struct {
	mu   sync.Mutex
	f    *os.File
	offs []int64 // offset of each record
	end  int64
	// dirty is set when records were written since the last Sync.
	dirty bool
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

const recordHeader = 8

func openMirror(path string) (*mirror, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	m := &mirror{f: f}
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [recordHeader]byte
	var off int64
	buf := make([]byte, 0, 4096)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			break
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n == 0 || n > 1<<16 {
			break
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			break
		}
		if crc32.Checksum(buf, crcTable) != binary.BigEndian.Uint32(hdr[4:]) {
			break
		}
		m.offs = append(m.offs, off)
		off += recordHeader + int64(n)
	}
	m.end = off
	if fi, err := f.Stat(); err == nil && fi.Size() > off {
		// A torn record at the end: cut it off.
		if err := f.Truncate(off); err != nil {
			f.Close()
			return nil, err
		}
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return m, nil
}

// Len is the number of entries held.
func (m *mirror) Len() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.offs))
}

// Append adds the entry at index, which must be Len().
func (m *mirror) Append(index uint64, entry []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if index != uint64(len(m.offs)) {
		return fmt.Errorf("mirror: entry %d appended after %d entries", index, len(m.offs))
	}
	rec := make([]byte, recordHeader+len(entry))
	binary.BigEndian.PutUint32(rec[:4], uint32(len(entry)))
	binary.BigEndian.PutUint32(rec[4:8], crc32.Checksum(entry, crcTable))
	copy(rec[recordHeader:], entry)
	if _, err := m.f.WriteAt(rec, m.end); err != nil {
		return err
	}
	m.offs = append(m.offs, m.end)
	m.end += int64(len(rec))
	m.dirty = true
	return nil
}

// Entry reads the entry at index.
func (m *mirror) Entry(index uint64) ([]byte, error) {
	m.mu.Lock()
	if index >= uint64(len(m.offs)) {
		m.mu.Unlock()
		return nil, fmt.Errorf("mirror: no entry %d (%d held)", index, len(m.offs))
	}
	off := m.offs[index]
	m.mu.Unlock()
	var hdr [recordHeader]byte
	if _, err := m.f.ReadAt(hdr[:], off); err != nil {
		return nil, err
	}
	e := make([]byte, binary.BigEndian.Uint32(hdr[:4]))
	if _, err := m.f.ReadAt(e, off+recordHeader); err != nil {
		return nil, err
	}
	if crc32.Checksum(e, crcTable) != binary.BigEndian.Uint32(hdr[4:]) {
		return nil, errors.New("mirror: a record does not match its checksum")
	}
	return e, nil
}

// Scan calls fn with entries [from, to) in order, reading sequentially.
func (m *mirror) Scan(from, to uint64, fn func(index uint64, entry []byte) error) error {
	m.mu.Lock()
	to = min(to, uint64(len(m.offs)))
	if from >= to {
		m.mu.Unlock()
		return nil
	}
	start, end := m.offs[from], m.end
	if to < uint64(len(m.offs)) {
		end = m.offs[to]
	}
	m.mu.Unlock()
	r := bufio.NewReaderSize(io.NewSectionReader(m.f, start, end-start), 1<<20)
	var hdr [recordHeader]byte
	for i := from; i < to; i++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return fmt.Errorf("mirror: entry %d: %v", i, err)
		}
		e := make([]byte, binary.BigEndian.Uint32(hdr[:4]))
		if _, err := io.ReadFull(r, e); err != nil {
			return fmt.Errorf("mirror: entry %d: %v", i, err)
		}
		if crc32.Checksum(e, crcTable) != binary.BigEndian.Uint32(hdr[4:]) {
			return fmt.Errorf("mirror: entry %d does not match its checksum", i)
		}
		if err := fn(i, e); err != nil {
			return err
		}
	}
	return nil
}

// Sync makes what was appended durable.
func (m *mirror) Sync() error {
	m.mu.Lock()
	dirty := m.dirty
	m.dirty = false
	m.mu.Unlock()
	if !dirty {
		return nil
	}
	return m.f.Sync()
}

func (m *mirror) Close() error {
	if err := m.Sync(); err != nil {
		m.f.Close()
		return err
	}
	return m.f.Close()
}
