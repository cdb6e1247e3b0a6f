package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime"
)

// exitNotWitnessed: the receipt is valid, but its checkpoint does not yet
// carry the cosignatures the witness policy asks for.
const exitNotWitnessed = 4

func init() {
	receiptCmd := &cobra.Command{
		Use:   "receipt",
		Short: "Check receipts of log entries",
	}
	var regimeFile, entryFile, at string
	verify := &cobra.Command{
		Use:   "verify RECEIPT --regime REGIME",
		Short: "Check a receipt offline, with only the regime file",
		Long: `Check a receipt (a C2SP tlog-proof) offline: the inclusion proof of the
entry in the checkpoint, the log's signature on the checkpoint, and each
cosignature on it against the regime's cosigner keys. Prints what held.

With --entry, also check that the receipt is about that entry.

Exit status: 0 if everything holds and the witness policy is met; 4 if the
receipt is valid but not yet witnessed (fetch a fresher receipt later); 1
if something does not hold; 2 if a file cannot be read.`,
		Example: `  tally receipt verify entry-41.tlog-proof --regime regime.yaml
  tally receipt verify - --regime regime.yaml --entry notification.json < receipt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if regimeFile == "" {
				return badInputf("--regime is required")
			}
			reg, err := regime.Load(regimeFile)
			if err != nil {
				return badInput(err)
			}
			data, err := readArg(args[0])
			if err != nil {
				return badInput(err)
			}
			r, err := receipt.Parse(data)
			if err != nil {
				return badInputf("%s: %v", args[0], err)
			}
			now := time.Now()
			if at != "" {
				if now, err = regime.ParseTime(at); err != nil {
					return badInputf("--at: %v", err)
				}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "receipt: entry %d\n", r.Index)
			var entryErr error
			if entryFile != "" {
				e, err := os.ReadFile(entryFile)
				if err != nil {
					return badInput(err)
				}
				if entryErr = r.VerifyEntry(e); entryErr != nil {
					fmt.Fprintf(out, "entry: FAILED: %v\n", entryErr)
				} else {
					fmt.Fprintf(out, "entry: ok, %s is the entry\n", entryFile)
				}
			}
			res := r.Verify(reg, now)
			fmt.Fprint(out, res.Summary())
			switch err := res.Err(); {
			case entryErr != nil:
				return &exitError{code: exitFailure, err: fmt.Errorf("the receipt is not about %s", entryFile)}
			case errors.Is(err, receipt.ErrNotWitnessed):
				return &exitError{code: exitNotWitnessed, err: errors.New("the receipt is valid but NOT YET WITNESSED")}
			case err != nil:
				return &exitError{code: exitFailure, err: fmt.Errorf("the receipt does not hold: %v", err)}
			}
			fmt.Fprintln(out, "receipt: valid and witnessed")
			return nil
		},
	}
	f := verify.Flags()
	f.StringVar(&regimeFile, "regime", "", "regime file with the parties' keys")
	f.StringVar(&entryFile, "entry", "", "file holding the entry the receipt is about")
	f.StringVar(&at, "at", "", "judge key validity at this time (RFC 3339) instead of now")
	receiptCmd.AddCommand(verify)
	rootCmd.AddCommand(receiptCmd)
}

// readArg reads a file, or standard input for "-".
func readArg(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}
