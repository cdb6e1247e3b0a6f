package exchange

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// LoadingScheme names the commitment scheme of Commitment.
const LoadingScheme = "tally.loading/v1"

// SaltSize is the length of each loading's salt.
const SaltSize = 32

// Loading is the warheads on one deployed missile, as its owner knows
// them, with the salt that hides them in the commitment. It never leaves
// the owner's node except when revealed to an inspection.
type Loading struct {
	UID      string `json:"uid"`
	Warheads int    `json:"warheads"`
	Salt     []byte `json:"salt"`
}

// Commitment is a declaration's commitment to the per-missile loadings
// behind its warheads per base: the RFC 6962 Merkle root over one salted
// hash per missile, in UID order. The salts keep the loadings secret (a
// hash of "missile X carries 4" could otherwise be guessed); the tree lets
// one loading be revealed without the others.
//
// Each leaf is SHA-256 over: the scheme name, a zero byte, the UID's length
// (2 bytes, big-endian) and the UID, the warheads (4 bytes, big-endian) and
// the 32-byte salt.
type Commitment struct {
	Scheme string `yaml:"scheme" json:"scheme"`
	// Root is the base64 Merkle root.
	Root string `yaml:"root" json:"root"`
	// Count is how many loadings are committed.
	Count int `yaml:"count" json:"count"`
}

func (c *Commitment) check() error {
	if c.Scheme != LoadingScheme {
		return fmt.Errorf("scheme %q: this node knows %s", c.Scheme, LoadingScheme)
	}
	if r, err := base64.StdEncoding.DecodeString(c.Root); err != nil || len(r) != 32 {
		return errors.New("root must be the base64 of a 32-byte hash")
	}
	if c.Count < 1 {
		return errors.New("count must be at least 1")
	}
	return nil
}

// leaf is the salted commitment to one loading.
func (l *Loading) leaf() [32]byte {
	h := sha256.New()
	h.Write([]byte(LoadingScheme))
	h.Write([]byte{0})
	var n [4]byte
	binary.BigEndian.PutUint16(n[:2], uint16(len(l.UID)))
	h.Write(n[:2])
	h.Write([]byte(l.UID))
	binary.BigEndian.PutUint32(n[:], uint32(l.Warheads))
	h.Write(n[:])
	h.Write(l.Salt)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Salt gives each loading a fresh random salt and sorts them by UID.
func Salt(ls []Loading, rand io.Reader) ([]Loading, error) {
	out := make([]Loading, len(ls))
	copy(out, ls)
	for i := range out {
		out[i].Salt = make([]byte, SaltSize)
		if _, err := io.ReadFull(rand, out[i].Salt); err != nil {
			return nil, fmt.Errorf("salting loadings: %v", err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, nil
}

func checkLoadings(ls []Loading) error {
	if len(ls) == 0 {
		return errors.New("no loadings to commit to")
	}
	for i := range ls {
		l := &ls[i]
		switch {
		case l.UID == "" || len(l.UID) > 0xffff:
			return fmt.Errorf("loading %d: bad uid", i)
		case l.Warheads < 0:
			return fmt.Errorf("item %s: negative warheads", l.UID)
		case len(l.Salt) != SaltSize:
			return fmt.Errorf("item %s: the salt must be %d bytes", l.UID, SaltSize)
		case i > 0 && ls[i-1].UID >= l.UID:
			return fmt.Errorf("item %s: loadings must be sorted by uid, each once", l.UID)
		}
	}
	return nil
}

// Commit computes the commitment to salted loadings sorted by UID (as
// Salt returns them).
func Commit(ls []Loading) (*Commitment, error) {
	if err := checkLoadings(ls); err != nil {
		return nil, err
	}
	leaves := leafHashes(ls)
	root := mth(leaves)
	return &Commitment{Scheme: LoadingScheme, Root: base64.StdEncoding.EncodeToString(root[:]), Count: len(ls)}, nil
}

func leafHashes(ls []Loading) [][32]byte {
	out := make([][32]byte, len(ls))
	for i := range ls {
		c := ls[i].leaf()
		copy(out[i][:], rfc6962.DefaultHasher.HashLeaf(c[:]))
	}
	return out
}

// mth is the RFC 6962 Merkle tree hash of leaf hashes.
func mth(hs [][32]byte) [32]byte {
	switch len(hs) {
	case 0:
		var out [32]byte
		copy(out[:], rfc6962.DefaultHasher.EmptyRoot())
		return out
	case 1:
		return hs[0]
	}
	k := split(len(hs))
	l, r := mth(hs[:k]), mth(hs[k:])
	var out [32]byte
	copy(out[:], rfc6962.DefaultHasher.HashChildren(l[:], r[:]))
	return out
}

// split is the largest power of two smaller than n (n > 1).
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// path is the RFC 6962 audit path of leaf m.
func path(m int, hs [][32]byte) [][32]byte {
	if len(hs) <= 1 {
		return nil
	}
	k := split(len(hs))
	if m < k {
		return append(path(m, hs[:k]), mth(hs[k:]))
	}
	return append(path(m-k, hs[k:]), mth(hs[:k]))
}

// Opening reveals one committed loading: the missile, its warheads, its
// salt and the Merkle path to the declaration's root. An inspector checks
// it with Verify against the declaration in the log.
type Opening struct {
	UID      string   `json:"uid"`
	Warheads int      `json:"warheads"`
	Salt     []byte   `json:"salt"`
	Index    int      `json:"index"`
	Count    int      `json:"count"`
	Proof    [][]byte `json:"proof"`
}

// Reveal opens the loading of missile uid among salted loadings sorted by
// UID.
func Reveal(ls []Loading, uid string) (*Opening, error) {
	if err := checkLoadings(ls); err != nil {
		return nil, err
	}
	i := sort.Search(len(ls), func(i int) bool { return ls[i].UID >= uid })
	if i == len(ls) || ls[i].UID != uid {
		return nil, fmt.Errorf("item %s: no committed loading", uid)
	}
	p := path(i, leafHashes(ls))
	o := &Opening{UID: uid, Warheads: ls[i].Warheads, Salt: ls[i].Salt, Index: i, Count: len(ls)}
	for _, h := range p {
		o.Proof = append(o.Proof, h[:])
	}
	return o, nil
}

// Verify checks that the opening is one of the loadings c commits to: a
// wrong number of warheads, a wrong salt, another missile's proof or
// another declaration's commitment all fail.
func (o *Opening) Verify(c *Commitment) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("commitment: %v", err)
	}
	if o.Count != c.Count {
		return fmt.Errorf("the opening is for %d loadings, the commitment has %d", o.Count, c.Count)
	}
	if o.Index < 0 || o.Index >= o.Count {
		return fmt.Errorf("index %d out of range", o.Index)
	}
	root, _ := base64.StdEncoding.DecodeString(c.Root)
	l := Loading{UID: o.UID, Warheads: o.Warheads, Salt: o.Salt}
	if len(l.Salt) != SaltSize {
		return fmt.Errorf("item %s: the salt must be %d bytes", o.UID, SaltSize)
	}
	leaf := l.leaf()
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(o.Index), uint64(o.Count), rfc6962.DefaultHasher.HashLeaf(leaf[:]), o.Proof, root); err != nil {
		return fmt.Errorf("item %s with %d warheads is not what the declaration committed to: %v", o.UID, o.Warheads, err)
	}
	return nil
}

// VerifyLoadings checks private loadings against a declaration: they are
// what its commitment commits to, and they add up to its warheads per base
// given the base of each missile (baseOf).
func VerifyLoadings(d *Declaration, ls []Loading, baseOf func(uid string) (string, bool)) error {
	if d.Loadings == nil {
		return errors.New("the declaration commits to no loadings")
	}
	c, err := Commit(ls)
	if err != nil {
		return err
	}
	if c.Root != d.Loadings.Root || c.Count != d.Loadings.Count {
		return fmt.Errorf("the loadings (%d, root %s) are not those the declaration commits to (%d, root %s)", c.Count, c.Root, d.Loadings.Count, d.Loadings.Root)
	}
	sum := map[string]int{}
	for _, l := range ls {
		b, ok := baseOf(l.UID)
		if !ok {
			return fmt.Errorf("item %s: a loading for a missile the declaration does not list as deployed", l.UID)
		}
		sum[b] += l.Warheads
	}
	declared := map[string]int{}
	for _, w := range d.Warheads {
		declared[w.Site] = w.Warheads
	}
	for b, n := range sum {
		if declared[b] != n {
			return fmt.Errorf("base %q: the loadings add up to %d warheads, the declaration says %d", b, n, declared[b])
		}
	}
	for b, n := range declared {
		if _, ok := sum[b]; !ok && n != 0 {
			return fmt.Errorf("base %q: the declaration says %d warheads, no loading is there", b, n)
		}
	}
	return nil
}
