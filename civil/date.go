// Package civil is the calendar date used everywhere in tally.
//
// Treaties speak in civil dates ("the limits apply from 5 February 2018"),
// not instants. A Date is a day in the proleptic Gregorian calendar with no
// time zone; it is written YYYY-MM-DD in every file, API and report. Dates
// are stored as a day number so that they compare with < and == and cost
// four bytes in the forces of a party with a hundred thousand items.
//
// Timestamps (when a notification was cosigned) are time.Time in UTC; a
// Date is what a treaty or an event is dated with.
package civil

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a civil date, counted in days from 1970-01-01. The zero Date is
// 1970-01-01; use IsZero-free designs (a *Date or an explicit flag) where a
// date may be absent.
type Date int32

// Of returns the civil date of t in UTC.
func Of(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return New(y, m, d)
}

// New returns the date y-m-d. Out-of-range days normalise as time.Date does
// (2021-02-30 is 2021-03-02); Parse rejects them instead.
func New(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date(t.Unix() / 86400)
}

// Today is the current date in UTC.
func Today() Date { return Of(time.Now()) }

// Parse reads YYYY-MM-DD and rejects impossible dates such as 2021-02-30.
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date: want YYYY-MM-DD, e.g. 2018-02-05", s)
	}
	return Of(t), nil
}

// MustParse is Parse for constants in tests and tables; it panics on error.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Time is midnight UTC at the start of d.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Ymd returns the year, month and day.
func (d Date) Ymd() (int, time.Month, int) { return d.Time().Date() }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return d.Time().Format(time.DateOnly) }

// AddDays returns d + n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddMonths returns the date n calendar months after d, clamped to the last
// day of the month (2011-01-31 + 1 month = 2011-02-28), the reading treaties
// use for "N months after entry into force".
func (d Date) AddMonths(n int) Date {
	y, m, day := d.Ymd()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return New(first.Year(), first.Month(), day)
}

// AddYears returns the date n years after d (29 February becomes 28 February).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// DaysUntil is the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e - d) }

// Before reports d < e; After reports d > e. Dates compare with < as well;
// these read better in conditions about treaty phases.
func (d Date) Before(e Date) bool { return d < e }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d > e }

// MarshalText writes YYYY-MM-DD, so a Date is a string in JSON and YAML.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes the date as a JSON string.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string YYYY-MM-DD.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string YYYY-MM-DD")
	}
	return d.UnmarshalText([]byte(s))
}
