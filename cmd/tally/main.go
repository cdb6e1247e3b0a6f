// Command tally is the command line of tally: treaties as code, each
// party's forces item by item, compliance at any date, and the exchange of
// signed notifications on witnessed logs.
//
// One file per subcommand; each registers itself on the root command in an
// init function, so adding a command touches only its own file.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes shared by every subcommand.
const (
	exitOK       = 0
	exitFailure  = 1 // something went wrong that is not the input's fault
	exitBadInput = 2 // a file, flag or argument is wrong; nothing was done
	exitOverMax  = 3 // tally count: over a binding maximum
)

// exitError carries an exit code out of a command's RunE.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the input's fault (exit 2).
func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// badInputf is badInput with formatting.
func badInputf(format string, args ...any) error { return badInput(fmt.Errorf(format, args...)) }

var rootCmd = &cobra.Command{
	Use:   "tally",
	Short: "Strategic arms-control treaties as code: forces, counting, compliance and a witnessed exchange",
	Long: `tally keeps the books of a START-family arms-control treaty.

A treaty (or a proposal) is a YAML file of limits and counting rules; a
party's forces are listed item by item; tally counts them under the treaty's
rules at any date and explains what counted and why. Each party's node keeps
its declarations and notifications on a tamper-evident log that the other
parties witness.`,
	Example: `  # Run New START 2011-2026 as two party nodes on this machine, with the dashboard
  tally serve --demo

  # Count a bundled example force under New START, saying what counted and why
  tally count --treaty new-start --forces us-2020-09-01 --explain

  # List the bundled treaties and proposals
  tally treaties`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	rootCmd.SetArgs(args)
	rootCmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return badInputf("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	err := rootCmd.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "tally:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if isUsageError(err) {
		return exitBadInput
	}
	return exitFailure
}

// isUsageError recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which are the user's input too.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand", "invalid argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
