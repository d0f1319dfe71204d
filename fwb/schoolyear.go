package fwb

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date returns midnight UTC of t's civil date, read in t's own location. All
// dates in Passerelle are civil dates in this form, so that a date typed in
// Brussels compares equal to the same date parsed anywhere else.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SchoolYear is a school year of the FWB, named by the calendar year it
// starts in: SchoolYear{2026} is "2026-2027". Extranet roles are granted per
// school year. The zero value means no school year.
type SchoolYear struct {
	Start int
}

// ParseSchoolYear reads a school year written "2026-2027" (a slash is
// accepted for the dash).
func ParseSchoolYear(s string) (SchoolYear, error) {
	t := strings.TrimSpace(s)
	bad := func(why string) (SchoolYear, error) {
		return SchoolYear{}, fmt.Errorf("année scolaire « %s » invalide : %s", t, why)
	}
	if t == "" {
		return SchoolYear{}, fmt.Errorf("année scolaire vide : écrivez par exemple 2026-2027")
	}
	a, b, ok := strings.Cut(t, "-")
	if !ok {
		a, b, ok = strings.Cut(t, "/")
	}
	first, ok1 := year4(strings.TrimSpace(a))
	second, ok2 := year4(strings.TrimSpace(b))
	if !ok || !ok1 || !ok2 {
		return bad("écrivez par exemple 2026-2027")
	}
	if second != first+1 {
		return bad(fmt.Sprintf("la seconde année doit suivre la première (%d-%d)", first, first+1))
	}
	return SchoolYear{Start: first}, nil
}

// year4 parses a four-digit year from 1900 on; the upper bound leaves room
// for the following year.
func year4(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	y, _ := strconv.Atoi(s)
	return y, y >= 1900 && y < 9999
}

// SchoolYearAt returns the school year that t's civil date belongs to. A
// year runs from the day after the previous year's last day (the summer
// holidays, when the coming year is prepared and its roles granted) to its
// own last day, the first Friday of July.
func SchoolYearAt(t time.Time) SchoolYear {
	d := Date(t)
	previous := SchoolYear{Start: d.Year() - 1}
	if d.After(previous.LastDay()) {
		return SchoolYear{Start: d.Year()}
	}
	return previous
}

// String returns "2026-2027", or "" for the zero value.
func (y SchoolYear) String() string {
	if y.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d-%d", y.Start, y.Start+1)
}

// IsZero reports whether y is the zero value, no school year.
func (y SchoolYear) IsZero() bool { return y.Start == 0 }

// FirstDay returns the first day of classes for staff since the 2022
// calendar reform: the last Monday of August of the starting year.
func (y SchoolYear) FirstDay() time.Time {
	d := time.Date(y.Start, time.August, 31, 0, 0, 0, 0, time.UTC)
	back := (int(d.Weekday()) - int(time.Monday) + 7) % 7
	return d.AddDate(0, 0, -back)
}

// LastDay returns the last day of the year for staff: the first Friday of
// July of the following calendar year.
func (y SchoolYear) LastDay() time.Time {
	d := time.Date(y.Start+1, time.July, 1, 0, 0, 0, 0, time.UTC)
	ahead := (int(time.Friday) - int(d.Weekday()) + 7) % 7
	return d.AddDate(0, 0, ahead)
}

// Contains reports whether t's civil date belongs to y, summer before
// FirstDay included (see SchoolYearAt).
func (y SchoolYear) Contains(t time.Time) bool {
	return SchoolYearAt(t) == y
}

// InSession reports whether t's civil date lies between FirstDay and LastDay,
// both included: the school is open for staff, summer excluded.
func (y SchoolYear) InSession(t time.Time) bool {
	d := Date(t)
	return !d.Before(y.FirstDay()) && !d.After(y.LastDay())
}

// Next returns the following school year.
func (y SchoolYear) Next() SchoolYear { return SchoolYear{Start: y.Start + 1} }

// Previous returns the preceding school year.
func (y SchoolYear) Previous() SchoolYear { return SchoolYear{Start: y.Start - 1} }

// MarshalText writes y as "2026-2027" (empty for the zero value), so that
// JSON carries the name the extranet shows.
func (y SchoolYear) MarshalText() ([]byte, error) {
	return []byte(y.String()), nil
}

// UnmarshalText reads the form MarshalText writes; empty text gives the zero
// value.
func (y *SchoolYear) UnmarshalText(text []byte) error {
	if strings.TrimSpace(string(text)) == "" {
		*y = SchoolYear{}
		return nil
	}
	v, err := ParseSchoolYear(string(text))
	if err != nil {
		return err
	}
	*y = v
	return nil
}
