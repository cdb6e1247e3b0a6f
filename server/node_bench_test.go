package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tally-project/tally/demo"
	"github.com/tally-project/tally/node"
)

// BenchmarkNodePages measures the server time of each dashboard page of a
// node of the demo regime (New START 2011-2026, both parties, Russia's
// dispute from 2018, as `tally serve --demo` makes it): the
// node's handler from request to the last byte, as the node's operator
// (who sees the most). The pages are made afresh each time from the
// node's projection, which a running node keeps (its forces and the
// store); nothing of the page is cached. The target is 100 ms a page.
//
//	go test ./server -run '^$' -bench NodePages -benchtime 10x
func BenchmarkNodePages(b *testing.B) {
	r := sharedDemo(b)
	smp := benchSamples(b, r)
	for _, self := range r.Parties {
		h := self.Node.Handler()
		for _, p := range []string{"/", "/?date=2018-02-05", "/forces", "/forces?party=" + other(self.ID) + "&kind=icbm",
			"/forces/" + self.ID + "/items/" + smp[self.ID].uid, fmt.Sprintf("/notifications/%s/%d", self.ID, smp[self.ID].index),
			"/notifications", "/notifications?late=1", "/logs", "/impact", "/impact?forces=us-2020-09-01&use=deployed-warheads&set.deployed-warheads=1000",
			"/impact/compute?forces=node&use=deployed-warheads&set.deployed-warheads=1000", "/history", "/treaties/compare", "/about-data"} {
			b.Run(self.ID+shotName(p), func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, p, nil)
				req.Header.Set("Authorization", "Bearer "+self.Operator)
				var size int
				for b.Loop() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("%s: %d %.300s", p, w.Code, w.Body.String())
					}
					size = w.Body.Len()
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
				b.ReportMetric(float64(size), "bytes/page")
			})
		}
	}
}

// BenchmarkComplianceSeries measures the API's compliance series of each
// party over the treaty's life (every six months from entry into force,
// the default), as the public asks for it: counted afresh from the
// node's projection on every request. The target is 50 ms.
//
//	go test ./server -run '^$' -bench ComplianceSeries -benchtime 20x
func BenchmarkComplianceSeries(b *testing.B) {
	r := sharedDemo(b)
	for _, self := range r.Parties {
		h := self.Node.Handler()
		for _, p := range r.Parties {
			for _, q := range []string{"", "?every=1m"} {
				b.Run(fmt.Sprintf("%s-node-%s%s", self.ID, p.ID, q), func(b *testing.B) {
					req := httptest.NewRequest(http.MethodGet, node.APIPrefix+"/compliance/"+p.ID+"/series"+q, nil)
					for b.Loop() {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, req)
						if w.Code != http.StatusOK {
							b.Fatalf("%d %.300s", w.Code, w.Body.String())
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/request")
				})
			}
		}
	}
}

// other is the demo's other party: its regime has two.
func other(p string) string {
	if p == "US" {
		return "RU"
	}
	return "US"
}

type benchSample struct {
	uid   string
	index uint64
}

func benchSamples(b *testing.B, r *demo.Regime) map[string]benchSample {
	out := map[string]benchSample{}
	for _, p := range r.Parties {
		ns, err := r.Party("US").Node.Notifications(b.Context(), node.Access{Role: node.RoleInspector}, node.NotificationFilter{Party: p.ID, Kind: "status-change/v1", Limit: 1})
		if err != nil || len(ns) == 0 {
			b.Fatal(err)
		}
		var ev struct {
			UIDs []string `json:"uids"`
		}
		if err := json.Unmarshal(ns[0].Body, &ev); err != nil || len(ev.UIDs) == 0 {
			b.Fatal(err)
		}
		out[p.ID] = benchSample{uid: ev.UIDs[0], index: ns[0].Index}
	}
	return out
}
