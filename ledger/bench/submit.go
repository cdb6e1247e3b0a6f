package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/receipt"
)

// LedgerSubmit appends to a log in-process; the receipt is parsed back
// from its wire form to count its cost.
func LedgerSubmit(l *ledger.Log) Submit {
	return func(ctx context.Context, entry []byte) error {
		r, err := l.Append(ctx, entry)
		if err != nil {
			return err
		}
		_, err = receipt.Parse(r.Marshal())
		return err
	}
}

// SubmitHandler is a minimal submit endpoint for load tests: POST an
// entry as the body, get its receipt back. A node's real endpoint takes
// signed notifications; point HTTPSubmit (or your own Submit) at it.
func SubmitHandler(l *ledger.Log) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST an entry", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, ledger.MaxEntry+1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc, err := l.Append(r.Context(), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(rc.Marshal())
	})
}

// HTTPClient is a client fit for many concurrent submissions to one
// host. With h2c it speaks HTTP/2 without TLS (prior knowledge), as
// SubmitServer does: thousands of submissions in flight then share a few
// connections instead of opening one each.
func HTTPClient(conns int, h2c bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns
	t.MaxIdleConnsPerHost = conns
	if h2c {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		t.Protocols = &p
	}
	return &http.Client{Transport: t, Timeout: time.Minute}
}

// SubmitServer serves SubmitHandler on ln, over HTTP/1.1 and HTTP/2
// without TLS. Close the returned server to stop.
func SubmitServer(ln net.Listener, l *ledger.Log) *http.Server {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: SubmitHandler(l), Protocols: &p}
	go srv.Serve(ln)
	return srv
}

// HTTPSubmit POSTs each entry to url, with header (may be nil), and
// expects a receipt (a C2SP tlog-proof) back with status 200, and that it
// proves that entry.
func HTTPSubmit(url string, c *http.Client, header http.Header) Submit {
	return func(ctx context.Context, entry []byte) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(entry))
		if err != nil {
			return err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(body))
		}
		r, err := receipt.Parse(body)
		if err != nil {
			return err
		}
		return r.VerifyEntry(entry)
	}
}

// Tessera opens a bare Tessera POSIX log in dir with the same batching and
// checkpoint interval as a ledger, for comparison. With await, a
// submission waits, as a ledger receipt does, for a checkpoint covering
// the entry; without, only until Tessera has sequenced and integrated it.
func Tessera(ctx context.Context, dir string, signer note.Signer, await bool) (Submit, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	d, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		cancel()
		return nil, nil, err
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithCheckpointInterval(ledger.DefaultCheckpointInterval).
		WithBatching(ledger.DefaultBatchMaxSize, ledger.DefaultBatchMaxAge)
	app, shutdown, r, err := tessera.NewAppender(ctx, d, opts)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	closer := func() {
		sctx, c := context.WithTimeout(context.Background(), 30*time.Second)
		defer c()
		shutdown(sctx)
		cancel()
	}
	if !await {
		return func(ctx context.Context, e []byte) error {
			_, err := app.Add(ctx, tessera.NewEntry(e))()
			return err
		}, closer, nil
	}
	aw := tessera.NewPublicationAwaiter(ctx, r.ReadCheckpoint, 25*time.Millisecond)
	return func(ctx context.Context, e []byte) error {
		_, _, err := aw.Await(ctx, app.Add(ctx, tessera.NewEntry(e)))
		return err
	}, closer, nil
}
