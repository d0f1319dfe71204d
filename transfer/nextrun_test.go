package transfer

import (
	"testing"
	"time"

	"passerelle/frtext"
	"passerelle/school"
)

func brussels(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, frtext.Brussels)
}

func TestNextRun(t *testing.T) {
	def := school.Settings{AutoHour: school.DefaultAutoHour}
	for _, test := range []struct {
		name     string
		settings school.Settings
		at, want time.Time
	}{
		// 2026-11-26 is a Thursday: next is Friday 19:00.
		{"thursday", def, brussels(2026, 11, 26, 10, 0), brussels(2026, 11, 27, 19, 0)},
		// Monday before the hour: the same day.
		{"monday morning", def, brussels(2026, 11, 30, 18, 59), brussels(2026, 11, 30, 19, 0)},
		// Exactly at the hour: strictly after, so Wednesday.
		{"at the hour", def, brussels(2026, 11, 30, 19, 0), brussels(2026, 12, 2, 19, 0)},
		// Friday evening: Monday.
		{"weekend", def, brussels(2026, 11, 27, 20, 0), brussels(2026, 11, 30, 19, 0)},
		// Summer time ends on Sunday 2026-10-25: 19:00 stays 19:00 local,
		// so 18:00 UTC instead of 17:00 UTC.
		{"after DST end", def, brussels(2026, 10, 24, 12, 0), brussels(2026, 10, 26, 19, 0)},
		// Summer time starts on Sunday 2027-03-28.
		{"after DST start", def, brussels(2027, 3, 27, 12, 0), brussels(2027, 3, 29, 19, 0)},
		{"custom", school.Settings{AutoDays: []time.Weekday{time.Tuesday}, AutoHour: 7},
			brussels(2026, 11, 24, 8, 0), brussels(2026, 12, 1, 7, 0)},
		{"a given UTC time", def, time.Date(2026, 11, 30, 18, 30, 0, 0, time.UTC), brussels(2026, 12, 2, 19, 0)},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := NextRun(test.settings, test.at)
			if !got.Equal(test.want) {
				t.Errorf("NextRun(%v) = %v, want %v", test.at, got.In(frtext.Brussels), test.want)
			}
			if h := got.In(frtext.Brussels).Hour(); h != AutoHour(test.settings) {
				t.Errorf("hour %d in Brussels", h)
			}
		})
	}
	if got, want := NextRun(def, brussels(2026, 10, 24, 12, 0)).UTC().Hour(), 18; got != want {
		t.Errorf("after DST end, 19:00 Brussels is %d:00 UTC, want %d:00", got, want)
	}
}
