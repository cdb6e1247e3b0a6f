package count

import (
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// Totals counts s under t and judges it on date, as Evaluate does, but
// without the explanation (LimitResult.Explain is empty): for callers
// that count many states and read only totals and limits, such as the
// impact of several proposals on several sides.
func Totals(t *treaty.Treaty, s *forces.State, date civil.Date) (*Result, error) {
	return evaluate(t, s, date, false)
}
