package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzQuery sends the pages that read a query whatever a reader could
// type: they answer 200 or 400 with the form and its errors, never 500,
// never a panic.
//
//	go test ./server -run '^$' -fuzz FuzzQuery -fuzztime 1m
func FuzzQuery(f *testing.F) {
	h, err := New(Options{Now: func() time.Time { return testNow }})
	if err != nil {
		f.Fatal(err)
	}
	for _, q := range []string{
		"forces=us-2020-09-01&t=new-start&t=deep-cuts-500&reading=us-2020-09-01.ru-reading",
		"forces=ussr-1990-09-01&at=1999-02-29&t=start-1",
		"forces=us-history-example&at=0001-01-01&t=sort",
		"forces=../../etc/passwd&t=new-start",
		"t=new-start&t=new-start&at=9999-12-31",
		"a=new-start&b=start-1",
		"a=&b=",
		"%zz",
	} {
		f.Add("/treaties/compare", q)
		f.Add("/treaties/diff", q)
	}
	f.Add("/treaties/new-start", "")
	for _, q := range []string{
		"forces=us-2020-09-01&p=new-start&p=deep-cuts-500&use=deployed-warheads&set.deployed-warheads=1000",
		"forces=us-2020-09-01&p=deep-cuts-500&set.deployed-warheads=-5&at=2030-01-01&rates=x",
		"forces=node&p=new-start&set.deployed-warheads=99999999999999999999",
		"p=nope&p=new-start&p=start-1&p=sort&p=joint-understanding-2009&p=deep-cuts-500&p=linkage-example&p=new-start",
	} {
		f.Add("/impact", q)
		f.Add("/impact/compute", q)
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		switch path {
		case "/treaties/compare", "/treaties/diff", "/treaties/new-start", "/history", "/impact", "/impact/compute":
		default:
			path = "/treaties/compare"
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.URL.RawQuery = query
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			q, _ := url.ParseQuery(query)
			t.Fatalf("%s?%s (%v): %d\n%s", path, query, q, w.Code, w.Body.String())
		}
	})
}
