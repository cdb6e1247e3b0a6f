// Package witnessapi is the wire format of C2SP tlog-witness: the
// add-checkpoint request and its responses.
//
//	POST <witness prefix>/add-checkpoint
//
//	old 20852014
//	PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=       consistency proof, one hash a line
//	                                                    empty line
//	example.com/log                                     the signed checkpoint
//	20852163
//	CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//
//	— example.com/log Az3grlgtzPIC...
//
// 200 answers with cosignature lines; 409 with the size the witness knows
// (Content-Type text/x.tlog.size) when the old size is not it.
package witnessapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Path is the add-checkpoint endpoint, relative to the witness prefix.
const Path = "add-checkpoint"

// SizeContentType is the Content-Type of a 409 response.
const SizeContentType = "text/x.tlog.size"

// MaxProof is the most consistency proof lines a request may carry.
const MaxProof = 63

// MaxBody bounds a request body: a checkpoint with a few signatures and a
// full proof is a couple of kilobytes.
const MaxBody = 64 << 10

// Request is an add-checkpoint request.
type Request struct {
	OldSize    uint64
	Proof      [][]byte
	Checkpoint []byte
}

// Marshal encodes the request body.
func (r Request) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(r.Checkpoint)
	return b.Bytes()
}

// ErrBadRequest marks a body that is not an add-checkpoint request.
var ErrBadRequest = errors.New("bad add-checkpoint request")

// ParseRequest decodes a request body strictly: the old size in decimal
// without leading zeroes, at most 63 proof hashes of 32 bytes in canonical
// base64, an empty line, and a non-empty checkpoint.
func ParseRequest(body []byte) (Request, error) {
	var r Request
	if len(body) > MaxBody {
		return r, fmt.Errorf("%w: body of %d bytes exceeds %d", ErrBadRequest, len(body), MaxBody)
	}
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		return r, fmt.Errorf("%w: no old size line", ErrBadRequest)
	}
	num, ok := strings.CutPrefix(string(line), "old ")
	if !ok {
		return r, fmt.Errorf("%w: the first line must be \"old <size>\", got %q", ErrBadRequest, clip(line))
	}
	n, err := parseSize(num)
	if err != nil {
		return r, fmt.Errorf("%w: old size: %v", ErrBadRequest, err)
	}
	r.OldSize = n
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return r, fmt.Errorf("%w: no empty line before the checkpoint", ErrBadRequest)
		}
		if len(line) == 0 {
			break
		}
		if len(r.Proof) == MaxProof {
			return r, fmt.Errorf("%w: more than %d proof lines", ErrBadRequest, MaxProof)
		}
		h, err := base64.StdEncoding.DecodeString(string(line))
		if err != nil || len(h) != 32 || base64.StdEncoding.EncodeToString(h) != string(line) {
			return r, fmt.Errorf("%w: proof line %d is not a base64 SHA-256 hash: %q", ErrBadRequest, len(r.Proof)+1, clip(line))
		}
		r.Proof = append(r.Proof, h)
	}
	if len(rest) == 0 {
		return r, fmt.Errorf("%w: no checkpoint after the empty line", ErrBadRequest)
	}
	r.Checkpoint = rest
	return r, nil
}

func parseSize(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != s {
		return 0, fmt.Errorf("%q is not a decimal without leading zeroes", s)
	}
	return n, nil
}

// MarshalSize is the body of a 409 response.
func MarshalSize(n uint64) []byte { return []byte(strconv.FormatUint(n, 10) + "\n") }

// ParseSize decodes the body of a 409 response.
func ParseSize(body []byte) (uint64, error) {
	s, ok := strings.CutSuffix(string(body), "\n")
	if !ok {
		return 0, errors.New("tree size response does not end in a newline")
	}
	return parseSize(s)
}

// ParseCosignatures splits a 200 response into its signature lines (each
// "— name base64\n"), checking only their shape; the caller verifies them
// against the keys it trusts.
func ParseCosignatures(body []byte) ([]string, error) {
	if len(body) == 0 || body[len(body)-1] != '\n' {
		return nil, errors.New("cosignature response is empty or does not end in a newline")
	}
	var lines []string
	for _, l := range strings.SplitAfter(string(body), "\n") {
		if l == "" {
			continue
		}
		rest, ok := strings.CutPrefix(l, "— ")
		name, b64, ok2 := strings.Cut(strings.TrimSuffix(rest, "\n"), " ")
		if !ok || !ok2 || name == "" || b64 == "" || strings.ContainsAny(b64, " ") {
			return nil, fmt.Errorf("not a signature line: %q", clip([]byte(l)))
		}
		if _, err := base64.StdEncoding.DecodeString(b64); err != nil {
			return nil, fmt.Errorf("signature line with bad base64: %q", clip([]byte(l)))
		}
		lines = append(lines, l)
	}
	return lines, nil
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}
