package server

import (
	"fmt"
	"net/http"

	"github.com/tally-project/tally/treaty"
)

// The Log page: every log the node holds, its latest checkpoint with the
// cosignatures and whether they meet the regime's witness policy, the
// last checkpoints with theirs, and the alerts: logs caught showing two
// histories.

// checkpointsShown is how many of each log's last checkpoints the page
// lists.
const checkpointsShown = 20

type logsView struct {
	Logs   []logRow
	Alerts *Alerts
	Self   string
}

type logRow struct {
	Log
	Name        string
	URL         string
	Checkpoints []Checkpoint
	Source      value
}

func (d *dashboard) logs(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.noNode(w, r, "logs", "Log")
		return
	}
	p := &page{Title: "Logs and witnesses", Nav: "logs", Sources: newSources()}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	ls, err := v.Logs(r.Context())
	if err != nil {
		d.refused(w, r, p, "the logs", err)
		return
	}
	lv := logsView{Self: v.Self()}
	for _, l := range ls {
		row := logRow{Log: l, Name: partyName(v, l.Party)}
		if rp := v.Regime().Party(l.Party); rp != nil {
			row.URL = rp.LogURL()
			row.Source = p.Sources.fact("", treaty.Source{Source: rp.LogURL() + "checkpoint", Note: "the log's checkpoint (C2SP tlog-checkpoint) and its archive of cosignatures"}, fmt.Sprintf("%s's log", l.Party))
		}
		if row.Checkpoints, err = v.Checkpoints(r.Context(), l.Party, checkpointsShown); err != nil {
			d.refused(w, r, p, l.Party+"'s checkpoints", err)
			return
		}
		lv.Logs = append(lv.Logs, row)
	}
	if lv.Alerts, err = v.Alerts(r.Context()); err != nil {
		d.refused(w, r, p, "the alerts", err)
		return
	}
	p.Data = lv
	d.render(w, r, http.StatusOK, "logs", p)
}
