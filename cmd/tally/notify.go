package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/yamlpos"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/treaty"
)

// notifyFile is a file of notifications to sign, as a person writes it.
type notifyFile struct {
	Party         string        `yaml:"party"`
	Notifications []notifyEntry `yaml:"notifications"`
}

type notifyEntry struct {
	Kind      string     `yaml:"kind"`
	Effective civil.Date `yaml:"effective"`
	Body      any        `yaml:"body"`
	Declare   *declareOf `yaml:"declare"`
}

// declareOf builds a declaration from a forces file.
type declareOf struct {
	// Kind is initial or periodic.
	Kind   string     `yaml:"kind"`
	AsOf   civil.Date `yaml:"as_of"`
	Forces string     `yaml:"forces"`
	// Totals, if set, declares the treaty's totals as counted.
	Totals string `yaml:"totals"`
}

// loadNotifyFile reads a notifications file into drafts, and the private
// loadings of the declarations it builds (by draft position).
func loadNotifyFile(path, party string) ([]exchange.Draft, map[int][]exchange.Loading, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var f notifyFile
	doc, err := yamlpos.Load(path, data, &f)
	if err != nil {
		return nil, nil, err
	}
	var errs yamlpos.Errors
	if f.Party != "" && f.Party != party {
		errs = append(errs, doc.Errorf("party", "the file is %s's; signing for %s", f.Party, party))
	}
	var drafts []exchange.Draft
	private := map[int][]exchange.Loading{}
	for i, e := range f.Notifications {
		p := yamlpos.Index("notifications", i)
		if e.Declare != nil {
			if e.Kind != "" || e.Body != nil {
				errs = append(errs, doc.Errorf(p, "declare builds the body: give no kind or body"))
				continue
			}
			d, ls, k, err := buildDeclaration(path, e.Declare)
			if err != nil {
				errs = append(errs, doc.Errorf(yamlpos.Join(p, "declare"), "%v", err))
				continue
			}
			dr, err := exchange.NewDraft(k, d.AsOf, d)
			if err != nil {
				errs = append(errs, doc.Errorf(p, "%v", err))
				continue
			}
			if len(ls) > 0 {
				private[len(drafts)] = ls
			}
			drafts = append(drafts, dr)
			continue
		}
		raw, err := json.Marshal(jsonable(e.Body))
		if err != nil {
			errs = append(errs, doc.Errorf(yamlpos.Join(p, "body"), "%v", err))
			continue
		}
		k := exchange.Kind(e.Kind)
		if _, err := exchange.DecodeBody(k, raw); err != nil {
			errs = append(errs, doc.Errorf(p, "%v", err))
			continue
		}
		eff := e.Effective
		if eff == 0 && k.IsItem() {
			var ev struct {
				Date civil.Date `json:"date"`
			}
			json.Unmarshal(raw, &ev)
			eff = ev.Date
		}
		if eff == 0 {
			errs = append(errs, doc.Errorf(yamlpos.Join(p, "effective"), "required"))
			continue
		}
		drafts = append(drafts, exchange.Draft{Kind: k, Effective: eff, Body: raw})
	}
	if len(drafts) == 0 && len(errs) == 0 {
		errs = append(errs, doc.Errorf("notifications", "no notifications"))
	}
	return drafts, private, errs.Err()
}

// jsonable turns what YAML decoded (maps with any keys) into what JSON
// encodes.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := map[string]any{}
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	case time.Time:
		// YAML reads 2011-03-01 as a time; a body wants the date.
		if x.Equal(x.Truncate(24 * time.Hour)) {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339)
	}
	return v
}

func buildDeclaration(path string, d *declareOf) (*exchange.Declaration, []exchange.Loading, exchange.Kind, error) {
	var k exchange.Kind
	switch d.Kind {
	case "initial":
		k = exchange.InitialDeclaration
	case "periodic":
		k = exchange.PeriodicDeclaration
	default:
		return nil, nil, "", fmt.Errorf("kind %q: initial or periodic", d.Kind)
	}
	if d.AsOf == 0 || d.Forces == "" {
		return nil, nil, "", errors.New("as_of and forces are required")
	}
	fp := d.Forces
	if !filepath.IsAbs(fp) {
		fp = filepath.Join(filepath.Dir(path), fp)
	}
	f, err := forces.Open(fp)
	if err != nil {
		return nil, nil, "", err
	}
	s, err := f.At(d.AsOf)
	if err != nil {
		return nil, nil, "", err
	}
	decl, ls, err := exchange.Declare(s, d.AsOf, nil, rand.Reader)
	if err != nil {
		return nil, nil, "", err
	}
	if d.Totals != "" {
		t, err := treaty.Lookup(d.Totals)
		if err != nil {
			return nil, nil, "", err
		}
		r, err := count.Evaluate(t, s, d.AsOf)
		if err != nil {
			return nil, nil, "", err
		}
		for _, tot := range r.Totals {
			decl.Totals = append(decl.Totals, exchange.DeclaredTotal{Total: tot.ID, Value: tot.Value})
		}
	}
	if sites := f.Sites(); len(sites) > 0 {
		decl.Sites = sites
	}
	return decl, ls, k, nil
}

func init() {
	notifyCmd := &cobra.Command{
		Use:   "notify",
		Short: "Sign notifications from files and submit them to a node",
		Long: `Sign a party's notifications and submit them to its node.

A notifications file (YAML or JSON) lists drafts, each a kind, an
effective date and a body, or a declaration built from a forces file:

  party: US
  notifications:
    - kind: status-change/v1
      body: {date: 2011-04-01, op: status, uids: [US-M1], status: non-deployed}
    - kind: note/v1
      effective: 2011-04-02
      body: {text: "the missile went to maintenance"}
    - declare: {kind: periodic, as_of: 2011-09-01, forces: us-2011-09.yaml, totals: new-start}

A declaration lists the items of the forces file at its as-of date by UID,
with the warheads per base; the per-missile warheads of the file are the
private loadings it commits to, which go to the node (which keeps them)
but never into the log. A declaration too large for one log entry is
split into parts.

  send     sign (from the node's next sequence number) and submit
  sign     sign offline into a file of signed envelopes
  submit   submit a file of signed envelopes (again: a retry returns the receipts)
  next     print the node's next sequence number`,
	}
	var url, token, party, keyFile, receipts, out, journal string
	var next uint64
	var witnessed time.Duration
	client := func() (*node.Client, error) {
		if url == "" {
			url = os.Getenv("TALLY_URL")
		}
		if token == "" {
			token = os.Getenv("TALLY_TOKEN")
		}
		if url == "" {
			return nil, badInputf("give the node's URL: --url or TALLY_URL")
		}
		return &node.Client{Base: url, Token: token}, nil
	}
	author := func() (*exchange.Author, error) {
		if party == "" {
			party = os.Getenv("TALLY_PARTY")
		}
		if party == "" || keyFile == "" {
			return nil, badInputf("give --party and --key (the party's notification key file)")
		}
		s, err := keys.LoadSigner(keyFile)
		if err != nil {
			return nil, badInput(err)
		}
		return &exchange.Author{Party: party, Signer: s}, nil
	}
	readDrafts := func(files []string) ([]exchange.Draft, map[int][]exchange.Loading, error) {
		var all []exchange.Draft
		private := map[int][]exchange.Loading{}
		for _, f := range files {
			ds, ps, err := loadNotifyFile(f, party)
			if err != nil {
				return nil, nil, badInput(err)
			}
			for i, l := range ps {
				private[len(all)+i] = l
			}
			all = append(all, ds...)
		}
		return all, private, nil
	}
	printReceipts := func(cmd *cobra.Command, resp *node.SubmitResponse) error {
		w := cmd.OutOrStdout()
		if witnessed > 0 {
			cl, err := client()
			if err != nil {
				return err
			}
			if err := awaitWitnessed(cmd, cl, resp, witnessed); err != nil {
				return err
			}
		}
		for _, r := range resp.Receipts {
			again := ""
			if r.Existing {
				again = " (already in the log)"
			}
			fmt.Fprintf(w, "%s seq %d: entry %d, %s%s\n", r.Party, r.Seq, r.Index, r.Kind, again)
			if receipts != "" {
				if err := os.MkdirAll(receipts, 0o755); err != nil {
					return err
				}
				p := filepath.Join(receipts, fmt.Sprintf("%s-%d.tlog-proof", r.Party, r.Seq))
				if err := os.WriteFile(p, []byte(r.Proof), 0o644); err != nil {
					return err
				}
			}
		}
		return nil
	}
	submitErr := func(err error) error {
		var pe *node.ProblemError
		if errors.As(err, &pe) && pe.Status >= 400 && pe.Status < 500 {
			return badInput(err)
		}
		return err
	}

	send := &cobra.Command{
		Use:   "send FILE...",
		Short: "Sign notifications from files and submit them",
		Long: `Sign the notifications of the files, numbered from the node's next
sequence number, and submit them as one batch: all are accepted or none.
If the node's own acknowledgements took those numbers first, they are
signed again from the next ones. With --journal, the signed batch is
written there before it is submitted, and a journal left by an
interrupted run is submitted first, unchanged (a retry gets the receipts
of what was already logged).`,
		Example: `  tally notify send changes.yaml --url http://127.0.0.1:8080 --token $TOKEN --party US --key keys/US.notification.key --receipts receipts/`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := client()
			if err != nil {
				return err
			}
			a, err := author()
			if err != nil {
				return err
			}
			ctx := context.Background()
			if journal != "" {
				if data, err := os.ReadFile(journal); err == nil {
					var req node.SubmitRequest
					if err := json.Unmarshal(data, &req); err != nil {
						return badInputf("%s: %v", journal, err)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "submitting the batch left in %s first\n", journal)
					resp, err := cl.Submit(ctx, &req)
					if err != nil {
						return submitErr(err)
					}
					if err := printReceipts(cmd, resp); err != nil {
						return err
					}
					os.Remove(journal)
				}
			}
			drafts, private, err := readDrafts(args)
			if err != nil {
				return err
			}
			if journal == "" {
				resp, err := cl.Send(ctx, a, drafts, private)
				if err != nil {
					return submitErr(err)
				}
				return printReceipts(cmd, resp)
			}
			s, err := cl.Sign(ctx, a, drafts, private)
			if err != nil {
				return submitErr(err)
			}
			req := &node.SubmitRequest{Private: s.Private}
			for _, e := range s.Envelopes {
				req.Envelopes = append(req.Envelopes, string(e))
			}
			data, _ := json.Marshal(req)
			if err := os.WriteFile(journal, data, 0o600); err != nil {
				return err
			}
			resp, err := cl.Submit(ctx, req)
			if err != nil {
				return submitErr(err)
			}
			os.Remove(journal)
			return printReceipts(cmd, resp)
		},
	}
	sign := &cobra.Command{
		Use:   "sign FILE... --next N -o batch.json",
		Short: "Sign notifications offline into a file of signed envelopes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := author()
			if err != nil {
				return err
			}
			if next == 0 || out == "" {
				return badInputf("give --next (the node's next sequence number: tally notify next) and -o")
			}
			drafts, private, err := readDrafts(args)
			if err != nil {
				return err
			}
			a.Next = next
			req := &node.SubmitRequest{}
			for i, d := range drafts {
				pos := len(req.Envelopes)
				var es [][]byte
				if d.Kind.IsDeclaration() {
					v, err := exchange.DecodeBody(d.Kind, d.Body)
					if err != nil {
						return badInput(err)
					}
					if es, err = a.SignDeclaration(d.Kind, v.(*exchange.Declaration)); err != nil {
						return badInput(err)
					}
				} else {
					e, err := a.Sign(d)
					if err != nil {
						return badInput(err)
					}
					es = [][]byte{e}
				}
				for _, e := range es {
					req.Envelopes = append(req.Envelopes, string(e))
				}
				if ls, ok := private[i]; ok {
					req.Private = append(req.Private, node.PrivateLoadings{Entry: pos, Loadings: ls})
				}
			}
			data, _ := json.MarshalIndent(req, "", "  ")
			if err := os.WriteFile(out, data, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "signed %d envelopes, seq %d to %d, into %s\n", len(req.Envelopes), next, a.Next-1, out)
			return nil
		},
	}
	submit := &cobra.Command{
		Use:   "submit BATCH.json",
		Short: "Submit a file of signed envelopes (submitting it again returns the receipts)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := client()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return badInput(err)
			}
			var req node.SubmitRequest
			if err := json.Unmarshal(data, &req); err != nil {
				return badInputf("%s: %v", args[0], err)
			}
			resp, err := cl.Submit(context.Background(), &req)
			if err != nil {
				return submitErr(err)
			}
			return printReceipts(cmd, resp)
		},
	}
	nextCmd := &cobra.Command{
		Use:   "next",
		Short: "Print the node's next sequence number",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := client()
			if err != nil {
				return err
			}
			n, err := cl.Next(context.Background())
			if err != nil {
				return submitErr(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), n)
			return nil
		},
	}
	for _, c := range []*cobra.Command{send, submit, nextCmd} {
		c.Flags().StringVar(&url, "url", "", "the node's URL (env TALLY_URL)")
		c.Flags().StringVar(&token, "token", "", "an operator token (env TALLY_TOKEN)")
	}
	for _, c := range []*cobra.Command{send, sign} {
		c.Flags().StringVar(&party, "party", "", "the party (env TALLY_PARTY)")
		c.Flags().StringVar(&keyFile, "key", "", "the party's notification key file (<PARTY>.notification.key)")
	}
	for _, c := range []*cobra.Command{send, submit} {
		c.Flags().StringVar(&receipts, "receipts", "", "write each receipt to DIR/<PARTY>-<SEQ>.tlog-proof")
	}
	for _, c := range []*cobra.Command{send, submit} {
		c.Flags().DurationVar(&witnessed, "witnessed", 0, "wait up to this long for the other parties to cosign each notification, and write those receipts (e.g. 30s)")
	}
	send.Flags().StringVar(&journal, "journal", "", "write the signed batch here before submitting; submit one left here first")
	sign.Flags().Uint64Var(&next, "next", 0, "the first sequence number")
	sign.Flags().StringVarP(&out, "out", "o", "", "the file of signed envelopes")
	notifyCmd.AddCommand(send, sign, submit, nextCmd)
	rootCmd.AddCommand(notifyCmd)
}

// awaitWitnessed waits until every notification of resp has reached
// every other party (their cosignatures on a checkpoint that includes
// it), and replaces each receipt with the node's freshest, which carries
// those cosignatures.
func awaitWitnessed(cmd *cobra.Command, cl *node.Client, resp *node.SubmitResponse, within time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var reg node.RegimeView
	if err := cl.Get(ctx, node.APIPrefix+"/regime", &reg); err != nil {
		return err
	}
	for _, r := range resp.Receipts {
		for {
			var v node.NotificationView
			err := cl.Get(ctx, fmt.Sprintf("%s/notifications/%s/%d", node.APIPrefix, r.Party, r.Seq), &v)
			if err == nil && len(v.Provided) >= len(reg.Parties)-1 {
				var rv node.ReceiptView
				if err := cl.Get(ctx, fmt.Sprintf("%s/receipts/%s/%d", node.APIPrefix, r.Party, r.Seq), &rv); err != nil {
					return err
				}
				r.Proof = rv.Receipt
				break
			}
			select {
			case <-ctx.Done():
				return &exitError{code: exitNotWitnessed, err: fmt.Errorf("%s seq %d was not cosigned by every other party within %v (is their node up?)", r.Party, r.Seq, within)}
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "every other party has cosigned the %d notifications\n", len(resp.Receipts))
	return nil
}
