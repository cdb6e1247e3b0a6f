// Package sqlite is the projection store on SQLite (modernc.org/sqlite,
// pure Go, so that tally builds with CGO_ENABLED=0): one file in the
// node's data directory, in WAL mode. Writes are serialised (one writer),
// reads run beside them.
//
// The schema (see schema below) has one table per thing a log records:
// notifications (every entry, valid or not), events (what each did to its
// party's forces, in the order a projection replays them), items (each
// change to each item), declarations and discrepancies, acks, disputes,
// key_changes; and two that the logs' entries do not hold: provision (when
// entries reached each party) and loadings (the owner's private
// per-missile loadings).
package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the driver

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/store"
)

// SchemaVersion is written in the meta table; a store of another version
// is refused (rebuild it).
const SchemaVersion = "1"

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (party TEXT PRIMARY KEY, applied INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
	party TEXT NOT NULL, idx INTEGER NOT NULL,
	seq INTEGER NOT NULL, kind TEXT NOT NULL, effective TEXT NOT NULL, created INTEGER NOT NULL,
	valid INTEGER NOT NULL, problems TEXT NOT NULL, key TEXT NOT NULL,
	rule TEXT NOT NULL, due TEXT NOT NULL, due_by INTEGER NOT NULL, acked INTEGER NOT NULL,
	body TEXT NOT NULL, entry BLOB NOT NULL, leaf BLOB NOT NULL, ends INTEGER NOT NULL,
	PRIMARY KEY (party, idx));
CREATE INDEX IF NOT EXISTS notifications_seq ON notifications (party, seq);
CREATE INDEX IF NOT EXISTS notifications_kind ON notifications (kind, party, idx);
CREATE INDEX IF NOT EXISTS notifications_effective ON notifications (effective);
CREATE TABLE IF NOT EXISTS events (
	party TEXT NOT NULL, idx INTEGER NOT NULL, ord INTEGER NOT NULL,
	date TEXT NOT NULL, op TEXT NOT NULL, event TEXT NOT NULL,
	PRIMARY KEY (party, idx, ord));
CREATE INDEX IF NOT EXISTS events_replay ON events (party, date, idx, ord);
CREATE TABLE IF NOT EXISTS items (
	party TEXT NOT NULL, uid TEXT NOT NULL, idx INTEGER NOT NULL, n INTEGER NOT NULL,
	seq INTEGER NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL,
	status TEXT NOT NULL, site TEXT NOT NULL, carrier TEXT NOT NULL, converting INTEGER NOT NULL,
	PRIMARY KEY (party, uid, idx, n));
CREATE TABLE IF NOT EXISTS declarations (
	party TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
	first_idx INTEGER NOT NULL, last_idx INTEGER NOT NULL, kind TEXT NOT NULL, as_of TEXT NOT NULL,
	parts INTEGER NOT NULL, items INTEGER NOT NULL, warheads TEXT NOT NULL, totals TEXT NOT NULL,
	loadings TEXT NOT NULL, discrepancies INTEGER NOT NULL,
	PRIMARY KEY (party, first_seq));
CREATE TABLE IF NOT EXISTS discrepancies (
	party TEXT NOT NULL, decl_seq INTEGER NOT NULL, n INTEGER NOT NULL, as_of TEXT NOT NULL,
	kind TEXT NOT NULL, uid TEXT NOT NULL, record TEXT NOT NULL,
	PRIMARY KEY (party, decl_seq, n));
CREATE TABLE IF NOT EXISTS acks (
	party TEXT NOT NULL, idx INTEGER NOT NULL, of_party TEXT NOT NULL, size INTEGER NOT NULL,
	through INTEGER NOT NULL, root TEXT NOT NULL, invalid TEXT NOT NULL,
	PRIMARY KEY (party, idx));
CREATE INDEX IF NOT EXISTS acks_of ON acks (of_party, party, size);
CREATE TABLE IF NOT EXISTS disputes (
	party TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL, id TEXT NOT NULL,
	of_party TEXT NOT NULL, effective TEXT NOT NULL, reading TEXT NOT NULL, text TEXT NOT NULL,
	ended_seq INTEGER NOT NULL, ended TEXT NOT NULL,
	PRIMARY KEY (party, seq));
CREATE TABLE IF NOT EXISTS key_changes (
	party TEXT NOT NULL, idx INTEGER NOT NULL, seq INTEGER NOT NULL, change TEXT NOT NULL,
	key TEXT NOT NULL, new TEXT NOT NULL, reason TEXT NOT NULL,
	PRIMARY KEY (party, idx));
CREATE TABLE IF NOT EXISTS provision (
	party TEXT NOT NULL, receiver TEXT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, time INTEGER NOT NULL,
	PRIMARY KEY (party, receiver, lo));
CREATE TABLE IF NOT EXISTS loadings (
	party TEXT NOT NULL, decl_seq INTEGER NOT NULL, uid TEXT NOT NULL, warheads INTEGER NOT NULL, salt BLOB NOT NULL,
	PRIMARY KEY (party, decl_seq, uid));
`

// tables in dump order, each with its primary key.
var tables = []struct{ name, key string }{
	{"logs", "party"},
	{"notifications", "party, idx"},
	{"events", "party, idx, ord"},
	{"items", "party, uid, idx, n"},
	{"declarations", "party, first_seq"},
	{"discrepancies", "party, decl_seq, n"},
	{"acks", "party, idx"},
	{"disputes", "party, seq"},
	{"key_changes", "party, idx"},
	{"provision", "party, receiver, lo"},
	{"loadings", "party, decl_seq, uid"},
}

// Store is the SQLite projection store.
type Store struct {
	db *sql.DB
	wm sync.Mutex // one writer
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the store in the file at path.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(OFF)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	s := &Store{db: db}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: creating the schema: %v", path, err)
	}
	var v string
	err = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema'`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('schema', ?)`, SchemaVersion); err != nil {
			db.Close()
			return nil, err
		}
	case err != nil:
		db.Close()
		return nil, err
	case v != SchemaVersion:
		db.Close()
		return nil, fmt.Errorf("%s has schema version %s, this tally writes %s: rebuild it (tally rebuild)", path, v, SchemaVersion)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Cursor implements store.Store.
func (s *Store) Cursor(ctx context.Context, party string) (uint64, error) {
	var n uint64
	err := s.db.QueryRowContext(ctx, `SELECT applied FROM logs WHERE party = ?`, party).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

func jsonText(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the records are plain data
	}
	return string(b)
}

func keyName(ap *exchange.Applied) string {
	if ap.KeyName == "" {
		return ""
	}
	return fmt.Sprintf("%s+%08x", ap.KeyName, ap.KeyHash)
}

// Apply implements store.Store.
func (s *Store) Apply(ctx context.Context, aps []*exchange.Applied) error {
	if len(aps) == 0 {
		return nil
	}
	s.wm.Lock()
	defer s.wm.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	cursors := map[string]uint64{}
	for _, ap := range aps {
		cur, ok := cursors[ap.Party]
		if !ok {
			err := tx.QueryRowContext(ctx, `SELECT applied FROM logs WHERE party = ?`, ap.Party).Scan(&cur)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if ap.Index != cur {
			return fmt.Errorf("store: entry %d of %s applied when %d entries are", ap.Index, ap.Party, cur)
		}
		if err := applyOne(ctx, tx, ap); err != nil {
			return fmt.Errorf("store: entry %d of %s: %w", ap.Index, ap.Party, err)
		}
		cursors[ap.Party] = cur + 1
	}
	for p, n := range cursors {
		if _, err := tx.ExecContext(ctx, `INSERT INTO logs (party, applied) VALUES (?, ?) ON CONFLICT (party) DO UPDATE SET applied = excluded.applied`, p, n); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func applyOne(ctx context.Context, tx *sql.Tx, ap *exchange.Applied) error {
	leaf := rfc6962.DefaultHasher.HashLeaf(ap.Entry)
	var (
		seq       uint64
		kind      string
		effective string
		created   int64
		body      string
		rule, due string
		dueBy     int64
		acked     int
	)
	if ap.Envelope != nil {
		seq, kind, effective, created = ap.Seq, string(ap.Kind), ap.Effective.String(), ap.Created.UnixNano()
		body = string(ap.Envelope.Body)
		if ap.Kind.Acknowledged() {
			acked = 1
		}
	}
	if ap.Deadline != nil {
		rule, due, dueBy = ap.Deadline.Rule, ap.Deadline.Due.String(), ap.Deadline.By().UnixNano()
	}
	problems := ""
	if !ap.Valid {
		problems = jsonText(ap.Problems)
	}
	valid := 0
	if ap.Valid {
		valid = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (party, idx, seq, kind, effective, created, valid, problems, key, rule, due, due_by, acked, body, entry, leaf, ends)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ap.Party, ap.Index, seq, kind, effective, created, valid, problems, keyName(ap), rule, due, dueBy, acked, body, ap.Entry, leaf, ap.Ends)
	if err != nil {
		return err
	}
	if !ap.Valid {
		return nil
	}
	for i, ev := range ap.Events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (party, idx, ord, date, op, event) VALUES (?, ?, ?, ?, ?, ?)`,
			ap.Party, ap.Index, i, ev.Date.String(), string(ev.Op), jsonText(ev)); err != nil {
			return err
		}
	}
	for i, it := range ap.Items {
		conv := 0
		if it.Converting {
			conv = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO items (party, uid, idx, n, seq, date, kind, type, status, site, carrier, converting) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ap.Party, it.UID, ap.Index, i, ap.Seq, it.Date.String(), string(it.Kind), it.Type, string(it.Status), it.Site, it.Carrier, conv); err != nil {
			return err
		}
	}
	if d := ap.Declaration; d != nil {
		loadings := ""
		if d.Declaration.Loadings != nil {
			loadings = jsonText(d.Declaration.Loadings)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO declarations (party, first_seq, last_seq, first_idx, last_idx, kind, as_of, parts, items, warheads, totals, loadings, discrepancies)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ap.Party, d.FirstSeq, d.LastSeq, d.First, d.Last, string(d.Kind), d.AsOf.String(), d.Parts, d.Items,
			jsonText(d.Declaration.Warheads), jsonText(d.Declaration.Totals), loadings, len(d.Discrepancies)); err != nil {
			return err
		}
		for i, x := range d.Discrepancies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO discrepancies (party, decl_seq, n, as_of, kind, uid, record) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				ap.Party, d.FirstSeq, i, d.AsOf.String(), x.Kind, x.UID, jsonText(x)); err != nil {
				return err
			}
		}
	}
	switch b := ap.Body.(type) {
	case *exchange.Ack:
		if _, err := tx.ExecContext(ctx, `INSERT INTO acks (party, idx, of_party, size, through, root, invalid) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ap.Party, ap.Index, b.Of, b.Size, b.Through, b.Root, jsonText(b.Invalid)); err != nil {
			return err
		}
	case *exchange.Dispute:
		raw, err := json.Marshal(b.Parsed)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO disputes (party, seq, idx, id, of_party, effective, reading, text, ended_seq, ended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
			ap.Party, ap.Seq, ap.Index, b.ID, b.Of, ap.Effective.String(), string(raw), b.Text); err != nil {
			return err
		}
	case *exchange.RegimeChangeBody:
		if b.Change != exchange.ChangeAgree {
			if _, err := tx.ExecContext(ctx, `INSERT INTO key_changes (party, idx, seq, change, key, new, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				ap.Party, ap.Index, ap.Seq, b.Change, b.Key, b.New, b.Reason); err != nil {
				return err
			}
		}
	}
	if ap.Ends != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE disputes SET ended_seq = ?, ended = ? WHERE party = ? AND seq = ?`,
			ap.Seq, ap.Effective.String(), ap.Party, ap.Ends); err != nil {
			return err
		}
	}
	return nil
}

// SetProvision implements store.Store.
func (s *Store) SetProvision(ctx context.Context, party, receiver string, rs []store.Provision) error {
	s.wm.Lock()
	defer s.wm.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM provision WHERE party = ? AND receiver = ?`, party, receiver); err != nil {
		return err
	}
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO provision (party, receiver, lo, hi, time) VALUES (?, ?, ?, ?, ?)`,
			party, receiver, r.Lo, r.Hi, r.Time.UnixNano()); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Provisions implements store.Store.
func (s *Store) Provisions(ctx context.Context, party string) ([]store.Provision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT party, receiver, lo, hi, time FROM provision WHERE ? = '' OR party = ? ORDER BY party, receiver, lo`, party, party)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Provision
	for rows.Next() {
		var p store.Provision
		var t int64
		if err := rows.Scan(&p.Party, &p.Receiver, &p.Lo, &p.Hi, &t); err != nil {
			return nil, err
		}
		p.Time = time.Unix(0, t).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveLoadings implements store.Store.
func (s *Store) SaveLoadings(ctx context.Context, party string, declSeq uint64, ls []exchange.Loading) error {
	s.wm.Lock()
	defer s.wm.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, l := range ls {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO loadings (party, decl_seq, uid, warheads, salt) VALUES (?, ?, ?, ?, ?)`,
			party, declSeq, l.UID, l.Warheads, l.Salt); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Loadings implements store.Store.
func (s *Store) Loadings(ctx context.Context, party string, declSeq uint64) ([]exchange.Loading, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT uid, warheads, salt FROM loadings WHERE party = ? AND decl_seq = ? ORDER BY uid`, party, declSeq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exchange.Loading
	for rows.Next() {
		var l exchange.Loading
		if err := rows.Scan(&l.UID, &l.Warheads, &l.Salt); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Notifications implements store.Store.
func (s *Store) Notifications(ctx context.Context, q store.Query) ([]*store.Notification, error) {
	cols := `n.party, n.idx, n.seq, n.kind, n.effective, n.created, n.valid, n.problems, n.key, n.rule, n.due, n.ends, n.leaf`
	if !q.WithoutEntry {
		cols += `, n.body, n.entry`
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if q.Party != "" {
		add(`n.party = ?`, q.Party)
	}
	if q.Kind != "" {
		add(`n.kind = ?`, string(q.Kind))
	}
	if q.From != 0 {
		add(`n.effective >= ?`, q.From.String())
	}
	if q.To != 0 {
		add(`n.effective <= ?`, q.To.String())
	}
	if q.Seq != 0 {
		add(`n.seq = ? AND n.valid = 1`, q.Seq)
	}
	if q.HasIndex {
		add(`n.idx = ?`, q.Index)
	}
	if q.KnownAt != 0 {
		add(`n.idx < ?`, q.KnownAt)
	}
	if q.FromIndex != 0 {
		add(`n.idx >= ?`, q.FromIndex)
	}
	if q.Valid != nil {
		v := 0
		if *q.Valid {
			v = 1
		}
		add(`n.valid = ?`, v)
	}
	if q.Late {
		add(`n.due_by > 0 AND EXISTS (SELECT 1 FROM provision p WHERE p.party = n.party AND p.lo <= n.idx AND n.idx < p.hi AND p.time > n.due_by)`)
	}
	if q.Unacknowledged {
		a := []any{q.CreatedBefore.UnixNano()}
		ors := []string{"0"}
		for _, r := range q.Receivers {
			ors = append(ors, `(n.party <> ? AND COALESCE((SELECT MAX(a.size) FROM acks a WHERE a.party = ? AND a.of_party = n.party), 0) <= n.idx)`)
			a = append(a, r, r)
		}
		add(`n.valid = 1 AND n.acked = 1 AND n.created < ? AND (`+strings.Join(ors, " OR ")+`)`, a...)
	}
	sqlq := `SELECT ` + cols + ` FROM notifications n`
	if len(where) > 0 {
		sqlq += ` WHERE ` + strings.Join(where, " AND ")
	}
	if q.Newest {
		sqlq += ` ORDER BY n.party DESC, n.idx DESC`
		if q.Party == "" {
			sqlq = strings.Replace(sqlq, `ORDER BY n.party DESC, n.idx DESC`, `ORDER BY n.created DESC, n.party, n.idx DESC`, 1)
		}
	} else {
		sqlq += ` ORDER BY n.party, n.idx`
	}
	if q.Limit > 0 {
		sqlq += ` LIMIT ` + strconv.Itoa(q.Limit)
		if q.Offset > 0 {
			sqlq += ` OFFSET ` + strconv.Itoa(q.Offset)
		}
	}
	rows, err := s.db.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Notification
	for rows.Next() {
		n := &store.Notification{}
		var kind, effective, problems, rule, due, body string
		var created int64
		var valid int
		dest := []any{&n.Party, &n.Index, &n.Seq, &kind, &effective, &created, &valid, &problems, &n.Key, &rule, &due, &n.Ends, &n.Leaf}
		if !q.WithoutEntry {
			dest = append(dest, &body, &n.Entry)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		n.Kind = exchange.Kind(kind)
		if effective != "" {
			n.Effective, _ = civil.Parse(effective)
			n.Created = time.Unix(0, created).UTC()
		}
		n.Valid = valid == 1
		if problems != "" {
			if err := json.Unmarshal([]byte(problems), &n.Problems); err != nil {
				return nil, err
			}
		}
		if rule != "" {
			d, _ := civil.Parse(due)
			n.Deadline = &exchange.Deadline{Rule: rule, Due: d}
		}
		if body != "" {
			n.Body = json.RawMessage(body)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Events implements store.Store.
func (s *Store) Events(ctx context.Context, party string, from, before uint64, fn func(uint64, forces.Event) error) error {
	if before == 0 {
		before = 1 << 62
	}
	q := `SELECT idx, event FROM events WHERE party = ? AND idx >= ? AND idx < ? ORDER BY date, idx, ord`
	args := []any{party, from, before}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var idx uint64
		var raw []byte
		if err := rows.Scan(&idx, &raw); err != nil {
			return err
		}
		var ev forces.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return fmt.Errorf("event of entry %d of %s: %v", idx, party, err)
		}
		if err := fn(idx, ev); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ItemHistory implements store.Store.
func (s *Store) ItemHistory(ctx context.Context, party, uid string) ([]exchange.ItemState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT date, kind, type, status, site, carrier, converting, idx, seq FROM items WHERE party = ? AND uid = ? ORDER BY idx, n`, party, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exchange.ItemState
	for rows.Next() {
		it := exchange.ItemState{UID: uid}
		var date, kind, status string
		var conv int
		if err := rows.Scan(&date, &kind, &it.Type, &status, &it.Site, &it.Carrier, &conv, &it.Index, &it.Seq); err != nil {
			return nil, err
		}
		it.Date, _ = civil.Parse(date)
		it.Kind, it.Status, it.Converting = forces.Kind(kind), forces.Status(status), conv == 1
		out = append(out, it)
	}
	return out, rows.Err()
}

// Declarations implements store.Store.
func (s *Store) Declarations(ctx context.Context, party string) ([]*store.Declaration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT party, kind, as_of, first_seq, last_seq, first_idx, last_idx, parts, items, warheads, totals, loadings, discrepancies
		FROM declarations WHERE ? = '' OR party = ? ORDER BY party, first_idx`, party, party)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Declaration
	for rows.Next() {
		d := &store.Declaration{}
		var kind, asOf, wh, totals, loadings string
		if err := rows.Scan(&d.Party, &kind, &asOf, &d.FirstSeq, &d.LastSeq, &d.First, &d.Last, &d.Parts, &d.Items, &wh, &totals, &loadings, &d.DiscrepancyCount); err != nil {
			return nil, err
		}
		d.Kind = exchange.Kind(kind)
		d.AsOf, _ = civil.Parse(asOf)
		if err := unmarshalIf(wh, &d.Warheads); err != nil {
			return nil, err
		}
		if err := unmarshalIf(totals, &d.Totals); err != nil {
			return nil, err
		}
		if loadings != "" {
			d.Loadings = &exchange.Commitment{}
			if err := json.Unmarshal([]byte(loadings), d.Loadings); err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func unmarshalIf(s string, v any) error {
	if s == "" || s == "null" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// Discrepancies implements store.Store.
func (s *Store) Discrepancies(ctx context.Context, q store.DiscrepancyQuery) ([]*store.Discrepancy, error) {
	sqlq := `SELECT party, decl_seq, as_of, record FROM discrepancies WHERE (? = '' OR party = ?) AND (? = 0 OR decl_seq = ?) AND (? = '' OR kind = ?) ORDER BY party, decl_seq, n`
	if q.Limit > 0 {
		sqlq += ` LIMIT ` + strconv.Itoa(q.Limit)
	}
	rows, err := s.db.QueryContext(ctx, sqlq, q.Party, q.Party, q.DeclSeq, q.DeclSeq, q.Kind, q.Kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Discrepancy
	for rows.Next() {
		d := &store.Discrepancy{}
		var asOf, rec string
		if err := rows.Scan(&d.Party, &d.DeclSeq, &asOf, &rec); err != nil {
			return nil, err
		}
		d.AsOf, _ = civil.Parse(asOf)
		if err := json.Unmarshal([]byte(rec), &d.Discrepancy); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Acked implements store.Store.
func (s *Store) Acked(ctx context.Context) (map[[2]string]uint64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT party, of_party, MAX(size) FROM acks GROUP BY party, of_party`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string]uint64{}
	for rows.Next() {
		var p, of string
		var n uint64
		if err := rows.Scan(&p, &of, &n); err != nil {
			return nil, err
		}
		out[[2]string{p, of}] = n
	}
	return out, rows.Err()
}

// Disputes implements store.Store.
func (s *Store) Disputes(ctx context.Context, of string) ([]*store.Dispute, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT party, seq, idx, id, of_party, effective, reading, text, ended_seq, ended FROM disputes WHERE ? = '' OR of_party = ? ORDER BY party, seq`, of, of)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Dispute
	for rows.Next() {
		d := &store.Dispute{}
		var eff, reading, ended string
		if err := rows.Scan(&d.Party, &d.Seq, &d.Index, &d.ID, &d.Of, &eff, &reading, &d.Text, &d.EndedSeq, &ended); err != nil {
			return nil, err
		}
		d.Effective, _ = civil.Parse(eff)
		if ended != "" {
			d.Ended, _ = civil.Parse(ended)
		}
		d.Reading = json.RawMessage(reading)
		out = append(out, d)
	}
	return out, rows.Err()
}

// KeyChanges implements store.Store.
func (s *Store) KeyChanges(ctx context.Context, party string) ([]*store.KeyChange, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT party, seq, idx, change, key, new, reason FROM key_changes WHERE ? = '' OR party = ? ORDER BY party, idx`, party, party)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.KeyChange
	for rows.Next() {
		k := &store.KeyChange{}
		if err := rows.Scan(&k.Party, &k.Seq, &k.Index, &k.Change, &k.Key, &k.New, &k.Reason); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Dump implements store.Store: every table in a fixed order, rows sorted
// by primary key, values written as Go literals (blobs in hex), one row a
// line.
func (s *Store) Dump(ctx context.Context, w io.Writer) error {
	for _, t := range tables {
		rows, err := s.db.QueryContext(ctx, `SELECT * FROM `+t.name+` ORDER BY `+t.key)
		if err != nil {
			return err
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		fmt.Fprintf(w, "# %s (%s)\n", t.name, strings.Join(cols, ", "))
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			var b strings.Builder
			for i, v := range vals {
				if i > 0 {
					b.WriteByte('\t')
				}
				switch x := v.(type) {
				case nil:
					b.WriteString("NULL")
				case int64:
					b.WriteString(strconv.FormatInt(x, 10))
				case float64:
					b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
				case []byte:
					if len(x) > 64 {
						h := sha256.Sum256(x)
						fmt.Fprintf(&b, "sha256:%s", hex.EncodeToString(h[:]))
					} else {
						b.WriteString(hex.EncodeToString(x))
					}
				case string:
					b.WriteString(strconv.Quote(x))
				default:
					fmt.Fprintf(&b, "%v", x)
				}
			}
			b.WriteByte('\n')
			if _, err := io.WriteString(w, b.String()); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		rows.Close()
	}
	return nil
}
