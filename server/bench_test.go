package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkPages measures the server time of each page: the handler from
// request to the last byte written, nothing cached between iterations
// (the pages are rendered afresh each time; only the loaded treaties and
// the embedded table are kept, as a running dashboard keeps them). The
// target is 100 ms a page.
//
//	go test ./server -run '^$' -bench Pages -benchtime 20x
func BenchmarkPages(b *testing.B) {
	h, err := New(Options{Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range pagePaths {
		name := strings.Trim(slug.ReplaceAllString(p.Path, "-"), "-")
		if name == "" {
			name = "overview"
		}
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.Path, nil)
			var size int
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != p.Status {
					b.Fatalf("%s: %d", p.Path, w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
