package extranet

import (
	"time"

	"passerelle/frtext"
)

// NightHour is the hour, in Brussels time, at which the night run opens the
// accesses created during the day.
const NightHour = 2

// NextNight returns the first night-run instant strictly after t: 02:00
// Europe/Brussels. The two days a year when 02:00 is not an ordinary hour
// are settled explicitly rather than left to time.Date:
//
//   - last Sunday of March, clocks jump from 02:00 to 03:00, so 02:00 does not
//     exist: the night is the jump itself, shown 03:00 CEST (01:00 UTC);
//   - last Sunday of October, clocks go back from 03:00 to 02:00, so 02:00
//     happens twice: the night is the first one, 02:00 CEST (00:00 UTC), so
//     that the run does not wait an extra hour.
func NextNight(t time.Time) time.Time {
	y, m, d := t.In(frtext.Brussels).Date()
	for i := 0; ; i++ {
		if n := nightOf(y, m, d+i); n.After(t) {
			return n
		}
	}
}

// nightOf returns the night instant of a Brussels civil date.
func nightOf(y int, m time.Month, d int) time.Time {
	midnightUTC := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	// Brussels is UTC+1 in winter and UTC+2 in summer: NightHour local is
	// one of these two instants, whichever reads NightHour on the clock.
	summer := midnightUTC.Add(time.Duration(NightHour-2) * time.Hour)
	winter := midnightUTC.Add(time.Duration(NightHour-1) * time.Hour)
	for _, c := range []time.Time{summer, winter} {
		l := c.In(frtext.Brussels)
		if l.Hour() == NightHour && l.Minute() == 0 {
			return c.In(frtext.Brussels)
		}
	}
	// The hour was skipped: the clocks jumped at the winter instant.
	return winter.In(frtext.Brussels)
}
