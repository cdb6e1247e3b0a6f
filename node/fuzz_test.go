package node

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/exchange"
)

// FuzzQuery sends the API's queries whatever a client could put in them,
// to a node whose log holds a declaration: every answer is a success or
// a problem the client caused (4xx, application/problem+json), never a
// 500 and never a panic.
//
//	go test ./node -run '^$' -fuzz FuzzQuery -fuzztime 1m
func FuzzQuery(f *testing.F) {
	c := newCluster(f, "US", "RU")
	n := c.start("US")
	d, ls := initialOf(f, "US", 5)
	if _, err := c.client("US").Send(context.Background(), c.author("US"), []exchange.Draft{draft(f, exchange.InitialDeclaration, "2011-02-05", d)},
		map[int][]exchange.Loading{0: ls}); err != nil {
		f.Fatal(err)
	}
	h := n.Handler()
	// N is where the number of a path goes.
	paths := []string{"/notifications", "/compliance/US", "/compliance/US/series", "/forces/US", "/forces/US/items/US-M-000001",
		"/declarations", "/discrepancies", "/disputes", "/checkpoints", "/receipts/US/N", "/entries/US/N", "/receipts/US/index/N",
		"/notifications/US/N", "/loadings/N/US-M-000001"}
	for i, q := range []string{
		"party=US&kind=status-change/v1&limit=10&after=3",
		"date=2011-02-05&reading=RU",
		"from=2011-02-05&to=2026-02-05&every=1m",
		"every=0d&from=2026-01-01&to=2011-01-01",
		"date=2011-02-30&known_at=99999999999999999999",
		"late=1&unacknowledged=1&limit=-1",
		"%zz&date=",
	} {
		f.Add(uint8(i), q, "1")
	}
	f.Add(uint8(0), "known_at=9227000000000000000", "1") // once a 500: the store takes int64s
	f.Add(uint8(9), "", "18446744073709551615")
	f.Add(uint8(10), "", "-1")
	f.Fuzz(func(t *testing.T, which uint8, query, num string) {
		// The number goes into the request line as it is: only what a
		// path segment can hold.
		if num == "" || strings.IndexFunc(num, func(r rune) bool {
			return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '-' || r == '+' || r == '.')
		}) >= 0 {
			num = "0"
		}
		path := APIPrefix + strings.Replace(paths[int(which)%len(paths)], "N", num, 1)
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+c.insp.Token)
		ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
		defer cancel()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req.WithContext(ctx))
		if w.Code >= 500 {
			t.Fatalf("%s?%s: %d %s", path, query, w.Code, w.Body.String())
		}
		if w.Code >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s?%s: %d answered as %q", path, query, w.Code, w.Header().Get("Content-Type"))
		}
	})
}
