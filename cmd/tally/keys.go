package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
)

func init() {
	keysCmd := &cobra.Command{
		Use:   "keys",
		Short: "Make a party's signing keys",
	}
	var party, out, origin, base, name, node string
	gen := &cobra.Command{
		Use:   "generate --party ID",
		Short: "Generate a party's checkpoint, notification and cosigner keys",
		Long: `Generate a party's three Ed25519 keys, one per role:

  checkpoint     signs the party's log checkpoints (its name is the log origin)
  notification   signs the party's notifications
  cosigner       signs cosignatures when the party witnesses another's log
                 (C2SP tlog-cosignature, cosignature/v1)

Each key is written as two files in --out: <PARTY>.<role>.key, the private
key (mode 0600), and <PARTY>.<role>.vkey, its verifier key in the
signed-note format. Existing files are never overwritten. The party's
entry for the regime file is printed on standard output.`,
		Example: `  tally keys generate --party US --out keys/
  tally keys generate --party RU --origin tally.ru.example/new-start --node https://ru.example/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if party == "" {
				return badInputf("--party is required (a party id such as US)")
			}
			if !regime.ValidPartyID(party) {
				return badInputf("--party %q: a party id is 1 to 16 upper-case letters, digits or '-', starting with a letter (US, RU, UK)", party)
			}
			names := keys.DefaultNames(party)
			if base != "" {
				names = keys.Names{Origin: base + "/log", Notification: base + "/notification", Cosigner: base + "/witness"}
			}
			if origin != "" {
				names.Origin = origin
			}
			set, err := keys.Generate(party, names)
			if err != nil {
				return badInput(err)
			}
			files, err := set.Write(out)
			if errors.Is(err, fs.ErrExist) {
				return badInput(err)
			}
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintln(os.Stderr, "wrote", f)
			}
			if name == "" {
				name = party
			}
			if node == "" {
				node = "https://" + strings.ToLower(party) + ".tally.invalid/"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "# the entry of %s for the regime file, under parties:\n%s", party, set.RegimeYAML(name, node))
			return nil
		},
	}
	f := gen.Flags()
	f.StringVar(&party, "party", "", "party id (US, RU, ...)")
	f.StringVar(&out, "out", ".", "directory to write the key files to")
	f.StringVar(&origin, "origin", "", "log origin, the checkpoint key's name (default tally.<party>/log)")
	f.StringVar(&base, "name-base", "", "prefix of the key names (default tally.<party>)")
	f.StringVar(&name, "name", "", "the party's full name, for the regime entry")
	f.StringVar(&node, "node", "", "the party's node URL, for the regime entry")
	keysCmd.AddCommand(gen)
	rootCmd.AddCommand(keysCmd)
}
