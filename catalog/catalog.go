// Package catalog is the data tally carries inside its binary: the bundled
// treaties and proposals (treaties/*.yaml), the item-type catalogue
// (types/*.yaml) and example forces (forces/*.yaml). Every number in these
// files carries its source.
//
// The packages that understand the data read it from FS: treaty loads
// treaties, forces loads types and example forces. This package only holds
// the bytes, so that adding a treaty is adding a file.
package catalog

import "embed"

// FS holds treaties/, types/, forces/ and scenario/.
//
//go:embed treaties types forces scenario
var FS embed.FS
