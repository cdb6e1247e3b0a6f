package ledger

import (
	"context"
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// proofCache computes inclusion and consistency proofs from the log's
// tiles. Every receipt against one checkpoint needs nodes of the same few
// tiles, so for each recent tree size it keeps the tiles read, with all
// the nodes inside them computed once; proofs for many entries are then
// lookups, done in parallel.
type proofCache struct {
	mu   sync.Mutex
	sets []*proofSet
}

const proofCacheSize = 4

// proofSet serves proofs in the tree of one size.
type proofSet struct {
	size  uint64
	read  client.TileFetcherFunc
	mu    sync.Mutex
	tiles map[tileKey]*tileNodes
}

type tileKey struct{ level, index uint64 }

// tileNodes holds a tile's hashes (nodes[0]) and every full node above
// them inside the tile: nodes[k][i] is the node at height k, index i.
type tileNodes struct {
	once  sync.Once
	err   error
	nodes [][][]byte
}

func (c *proofCache) set(read client.TileFetcherFunc, size uint64) *proofSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sets {
		if s.size == size {
			return s
		}
	}
	s := &proofSet{size: size, read: read, tiles: map[tileKey]*tileNodes{}}
	c.sets = append(c.sets, s)
	if len(c.sets) > proofCacheSize {
		c.sets = c.sets[1:]
	}
	return s
}

func (c *proofCache) inclusion(ctx context.Context, read client.TileFetcherFunc, index, size uint64) ([][32]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	hs, err := c.set(read, size).build(ctx, nodes)
	if err != nil {
		return nil, err
	}
	return toArrays(hs)
}

func (c *proofCache) consistency(ctx context.Context, read client.TileFetcherFunc, from, to uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, err
	}
	return c.set(read, to).build(ctx, nodes)
}

func (s *proofSet) build(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	hs := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := s.node(ctx, id)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	return nodes.Rehash(hs, rfc6962.DefaultHasher.HashChildren)
}

// node returns the hash of a node of the tree that lies wholly inside it.
func (s *proofSet) node(ctx context.Context, id compact.NodeID) ([]byte, error) {
	tl, ti, nl, ni := layout.NodeCoordsToTileAddress(uint64(id.Level), id.Index)
	t, err := s.tile(ctx, tl, ti)
	if err != nil {
		return nil, err
	}
	if int(nl) >= len(t.nodes) || ni >= uint64(len(t.nodes[nl])) {
		return nil, fmt.Errorf("node %d/%d is not in tile %s of a tree of %d entries", id.Level, id.Index, layout.TilePath(tl, ti, layout.PartialTileSize(tl, ti, s.size)), s.size)
	}
	return t.nodes[nl][ni], nil
}

func (s *proofSet) tile(ctx context.Context, level, index uint64) (*tileNodes, error) {
	s.mu.Lock()
	k := tileKey{level, index}
	t := s.tiles[k]
	if t == nil {
		t = &tileNodes{}
		s.tiles[k] = t
	}
	s.mu.Unlock()
	t.once.Do(func() {
		p := layout.PartialTileSize(level, index, s.size)
		raw, err := s.read(ctx, level, index, p)
		if err != nil {
			t.err = fmt.Errorf("reading %s: %w", layout.TilePath(level, index, p), err)
			return
		}
		var ht api.HashTile
		if err := ht.UnmarshalText(raw); err != nil {
			t.err = fmt.Errorf("%s: %v", layout.TilePath(level, index, p), err)
			return
		}
		w := int(p)
		if p == 0 {
			w = layout.TileWidth
		}
		if len(ht.Nodes) < w {
			t.err = fmt.Errorf("%s holds %d hashes, want %d", layout.TilePath(level, index, p), len(ht.Nodes), w)
			return
		}
		row := ht.Nodes[:w]
		t.nodes = [][][]byte{row}
		for len(row) > 1 {
			up := make([][]byte, len(row)/2)
			for i := range up {
				up[i] = rfc6962.DefaultHasher.HashChildren(row[2*i], row[2*i+1])
			}
			t.nodes = append(t.nodes, up)
			row = up
		}
	})
	if t.err != nil {
		// Let a later call try again (the tile may have been mid-write).
		s.mu.Lock()
		if s.tiles[tileKey{level, index}] == t {
			delete(s.tiles, tileKey{level, index})
		}
		s.mu.Unlock()
	}
	return t, t.err
}

func toArrays(hs [][]byte) ([][32]byte, error) {
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		if len(h) != 32 {
			return nil, fmt.Errorf("proof hash of %d bytes", len(h))
		}
		out[i] = [32]byte(h)
	}
	return out, nil
}
