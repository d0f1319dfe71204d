package frtext

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	// Embedded so that Brussels time works on hosts without a zoneinfo
	// database (minimal containers, Windows).
	_ "time/tzdata"
)

// Brussels is the Europe/Brussels time zone, in which every time shown to a
// person is written.
var Brussels = mustLoadLocation("Europe/Brussels")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Cannot happen with time/tzdata embedded.
		panic("frtext: " + err.Error())
	}
	return loc
}

// ParseDate reads a civil date as people type it in Belgium: "dd/mm/yyyy"
// (day and month may have one digit), with "/", "-" or "." as separator, or
// the ISO form "yyyy-mm-dd" that spreadsheets export. Surrounding spaces are
// ignored. The result is midnight UTC of that date, so that dates compare and
// store without time-zone surprises. Two-digit years, which are ambiguous,
// are refused with the expected format; impossible dates in the right format,
// such as 31/02/2020 or 01/13/2020, with a message asking to check the day
// and the month.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, res := parseDate(s)
	switch res {
	case dateMalformed:
		return time.Time{}, fmt.Errorf("date « %s » invalide : écrivez jj/mm/aaaa", s)
	case dateImpossible:
		return time.Time{}, fmt.Errorf("la date %s n'existe pas : vérifiez le jour et le mois", s)
	}
	return t, nil
}

// dateResult is what parseDate made of its input.
type dateResult int

const (
	dateOK         dateResult = iota
	dateMalformed             // not in a format ParseDate reads
	dateImpossible            // in the format, but no such day (31/02, month 13)
)

func parseDate(s string) (time.Time, dateResult) {
	sep := strings.IndexAny(s, "/-.")
	if sep < 0 {
		return time.Time{}, dateMalformed
	}
	parts := strings.Split(s, s[sep:sep+1])
	if len(parts) != 3 {
		return time.Time{}, dateMalformed
	}
	var y, m, d int
	var ok1, ok2, ok3 bool
	if len(parts[0]) == 4 && s[sep] == '-' {
		// yyyy-mm-dd: two digits for month and day, as ISO 8601 requires.
		y, ok1 = digits(parts[0], 4, 4)
		m, ok2 = digits(parts[1], 2, 2)
		d, ok3 = digits(parts[2], 2, 2)
	} else {
		d, ok1 = digits(parts[0], 1, 2)
		m, ok2 = digits(parts[1], 1, 2)
		y, ok3 = digits(parts[2], 4, 4)
	}
	if !ok1 || !ok2 || !ok3 || y < 1000 {
		return time.Time{}, dateMalformed
	}
	if m < 1 || m > 12 || d < 1 {
		return time.Time{}, dateImpossible
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		// time.Date normalised an overflowing day (31/02 → 03/03).
		return time.Time{}, dateImpossible
	}
	return t, dateOK
}

// digits parses s as an unsigned decimal of lo to hi ASCII digits.
func digits(s string, lo, hi int) (int, bool) {
	if len(s) < lo || len(s) > hi {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// FormatDate writes the civil date of t, in t's own location, as
// "dd/mm/yyyy". The zero time gives "", which is how an absent date shows.
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02/01/2006")
}

// FormatDateTime writes t in Brussels time as "26/11/2026 à 18:03". The zero
// time gives "".
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Brussels).Format("02/01/2006 à 15:04")
}

// FormatDuration writes a duration French style: "2,35 s" under a minute,
// else "3 min 12 s" (rounded to the second).
func FormatDuration(d time.Duration) string {
	if d < time.Minute {
		return strings.Replace(strconv.FormatFloat(d.Seconds(), 'f', 2, 64), ".", ",", 1) + " s"
	}
	d = d.Round(time.Second)
	return strconv.Itoa(int(d.Minutes())) + " min " + strconv.Itoa(int(d.Seconds())%60) + " s"
}
