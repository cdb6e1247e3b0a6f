package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/tally-project/tally/ledger/internal/witnessapi"
	"github.com/tally-project/tally/regime"
)

// Backoff bounds for a witness that does not answer.
const (
	minBackoff = 200 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// submitter sends the log's checkpoints to one witness, in the background,
// for as long as the log is open. It always sends the latest checkpoint
// (intermediate ones are skipped when the witness is slower than the log)
// with a consistency proof from the size the witness last cosigned.
type submitter struct {
	l *Log
	w *regime.Party
	// known is the size the witness has cosigned, as far as we know; a 409
	// answer corrects it.
	known uint64
}

func newSubmitter(l *Log, w *regime.Party) *submitter {
	s := &submitter{l: l, w: w}
	if c := l.arch.cosignedBy(w.ID); c != nil {
		s.known = c.Size
	}
	return s
}

func (s *submitter) run(ctx context.Context) {
	defer s.l.wg.Done()
	log := s.l.log.With("witness", s.w.ID)
	backoff := minBackoff
	for ctx.Err() == nil {
		var cp *archived
		err := s.l.waitFor(ctx, func() bool {
			cp = s.l.published
			return cp != nil && !s.l.arch.hasCosigner(cp, s.w.ID)
		})
		if err != nil {
			return
		}
		if err := s.submit(ctx, cp); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("witness did not cosign", "size", cp.Size, "err", err, "retry_in", backoff)
			jitter := time.Duration(rand.Int64N(int64(backoff) / 5))
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff + jitter):
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
	}
}

// errWitnessAhead: the witness has cosigned a larger tree than the log has
// published. Only a rolled-back log (restored from a backup) or a fork
// can cause it.
var errWitnessAhead = errors.New("the witness has cosigned a larger tree than this log published")

// submit sends cp to the witness until it is cosigned or refused.
func (s *submitter) submit(ctx context.Context, cp *archived) error {
	snap := s.l.arch.snapshot(cp)
	for attempt := 0; attempt < 3; attempt++ {
		if s.known > snap.Size {
			return fmt.Errorf("%w: it knows %d, the log is at %d", errWitnessAhead, s.known, snap.Size)
		}
		var proof [][]byte
		if s.known > 0 && s.known < snap.Size {
			var err error
			proof, err = s.l.proofs.consistency(ctx, s.l.reader.ReadTile, s.known, snap.Size)
			if err != nil {
				return fmt.Errorf("consistency proof %d→%d: %v", s.known, snap.Size, err)
			}
		}
		body := witnessapi.Request{OldSize: s.known, Proof: proof, Checkpoint: snap.Note}.Marshal()
		status, ctype, resp, err := post(ctx, s.l.opts.HTTPClient, s.w.WitnessURL()+witnessapi.Path, body)
		if err != nil {
			return err
		}
		switch status {
		case http.StatusOK:
			return s.accept(cp, snap, resp)
		case http.StatusConflict:
			if ctype != witnessapi.SizeContentType {
				return fmt.Errorf("409: the witness holds a different checkpoint of size %d (%s)", snap.Size, clipText(resp))
			}
			n, err := witnessapi.ParseSize(resp)
			if err != nil {
				return fmt.Errorf("409 with a bad size: %v", err)
			}
			s.known = n
			continue
		default:
			return fmt.Errorf("%d: %s", status, clipText(resp))
		}
	}
	return errors.New("the witness keeps changing its tree size")
}

// accept checks the witness's cosignature lines and archives the valid one.
func (s *submitter) accept(cp *archived, snap ArchivedCheckpoint, resp []byte) error {
	lines, err := witnessapi.ParseCosignatures(resp)
	if err != nil {
		return err
	}
	reg := s.l.opts.Regime
	for _, line := range lines {
		c, err := reg.OpenCheckpoint(append(bytes.Clone(snap.Note), line...), s.l.opts.Now())
		if err != nil || c.CosignedBy(s.w) == nil {
			continue // a signature by another key: ignored, as tlog-witness says
		}
		ok, err := s.l.arch.addCosignature(cp, line)
		if err != nil {
			return fmt.Errorf("archiving the cosignature: %v", err)
		}
		s.known = snap.Size
		if ok {
			s.l.notify()
		}
		return nil
	}
	return fmt.Errorf("the witness answered without a valid cosignature by %s", s.w.ID)
}

func post(ctx context.Context, c *http.Client, url string, body []byte) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", nil, err
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b, nil
}

func clipText(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
