package fwb

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MonthDay is a day of the year, without the year: the dates a network or a
// school sets once for every year (the rentrée's grace deadline, the day
// from which the rentrée is prepared).
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay reads a day written "30/09" (a day and a month). 29/02 is
// 1 March in a year that has no 29 February.
func ParseMonthDay(s string) (MonthDay, error) {
	bad := fmt.Errorf("date « %s » invalide : écrivez le jour et le mois, par exemple 30/09", s)
	ds, ms, ok := strings.Cut(strings.TrimSpace(s), "/")
	d, err1 := strconv.Atoi(ds)
	m, err2 := strconv.Atoi(ms)
	if !ok || err1 != nil || err2 != nil {
		return MonthDay{}, bad
	}
	// 2000 has a 29 February.
	t := time.Date(2000, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Day() != d {
		return MonthDay{}, fmt.Errorf("date « %s » invalide : ce jour n'existe pas", s)
	}
	return MonthDay{Month: time.Month(m), Day: d}, nil
}

// IsZero reports whether md is the zero value, no day.
func (md MonthDay) IsZero() bool { return md.Month == 0 }

// String writes "30/09".
func (md MonthDay) String() string { return fmt.Sprintf("%02d/%02d", md.Day, int(md.Month)) }

// In returns the day in a calendar year, as a civil date (midnight UTC).
func (md MonthDay) In(year int) time.Time {
	return time.Date(year, md.Month, md.Day, 0, 0, 0, 0, time.UTC)
}
