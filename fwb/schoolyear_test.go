package fwb

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
)

func TestSchoolYearDays(t *testing.T) {
	for _, test := range []struct {
		start       int
		first, last time.Time
	}{
		// The official calendars since the 2022 reform.
		{2022, day(2022, 8, 29), day(2023, 7, 7)},
		{2023, day(2023, 8, 28), day(2024, 7, 5)},
		{2024, day(2024, 8, 26), day(2025, 7, 4)},
		{2025, day(2025, 8, 25), day(2026, 7, 3)},
		// 31 August a Monday, 1 July a Thursday.
		{2026, day(2026, 8, 31), day(2027, 7, 2)},
		// 1 July a Friday.
		{2026 + 1, day(2027, 8, 30), day(2028, 7, 7)},
	} {
		y := SchoolYear{Start: test.start}
		t.Run(y.String(), func(t *testing.T) {
			if got := y.FirstDay(); !got.Equal(test.first) || got.Weekday() != time.Monday || got.Location() != time.UTC {
				t.Errorf("FirstDay() = %v, want %v", got, test.first)
			}
			if got := y.LastDay(); !got.Equal(test.last) || got.Weekday() != time.Friday {
				t.Errorf("LastDay() = %v, want %v", got, test.last)
			}
		})
	}
}

func TestSchoolYearAt(t *testing.T) {
	for _, test := range []struct {
		name string
		at   time.Time
		want int
	}{
		{"first day", day(2026, 8, 31), 2026},
		{"autumn", day(2026, 11, 26), 2026},
		{"winter", day(2027, 1, 15), 2026},
		{"last day", day(2027, 7, 2), 2026},
		{"day after the last day: summer prepares the next year", day(2027, 7, 3), 2027},
		{"mid-August", day(2027, 8, 15), 2027},
		{"before the first day, after the previous last day", day(2026, 8, 30), 2026},
		{"31 December", day(2026, 12, 31), 2026},
		{"1 January", day(2027, 1, 1), 2026},
		// Dates are read in their own location: 00:30 on 3 July in Brussels
		// is still 2 July in UTC, but it is 3 July for the school.
		{"civil date in its own location", time.Date(2027, 7, 3, 0, 30, 0, 0, frtext.Brussels), 2027},
		{"late evening of the last day", time.Date(2027, 7, 2, 23, 59, 0, 0, frtext.Brussels), 2026},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := SchoolYearAt(test.at)
			if got.Start != test.want {
				t.Errorf("SchoolYearAt(%v) = %v, want %d", test.at, got, test.want)
			}
			if !got.Contains(test.at) || got.Next().Contains(test.at) || got.Previous().Contains(test.at) {
				t.Errorf("Contains(%v) disagrees with SchoolYearAt", test.at)
			}
		})
	}
}

func TestSchoolYearInSession(t *testing.T) {
	y := SchoolYear{Start: 2026}
	for _, test := range []struct {
		at   time.Time
		want bool
	}{
		{day(2026, 8, 30), false},
		{day(2026, 8, 31), true},
		{day(2027, 7, 2), true},
		{day(2027, 7, 3), false},
	} {
		t.Run(frtext.FormatDate(test.at), func(t *testing.T) {
			if got := y.InSession(test.at); got != test.want {
				t.Errorf("InSession(%v) = %v, want %v", test.at, got, test.want)
			}
		})
	}
}

func TestParseSchoolYear(t *testing.T) {
	for _, test := range []struct {
		in      string
		want    int
		wantErr string
	}{
		{in: "2026-2027", want: 2026},
		{in: " 2026 - 2027 ", want: 2026},
		{in: "2026/2027", want: 2026},
		{in: "2026-2028", wantErr: "année scolaire « 2026-2028 » invalide : la seconde année doit suivre la première (2026-2027)"},
		{in: "2026", wantErr: "année scolaire « 2026 » invalide : écrivez par exemple 2026-2027"},
		{in: "26-27", wantErr: "écrivez par exemple 2026-2027"},
		{in: "2026-2027-2028", wantErr: "écrivez par exemple 2026-2027"},
		{in: "", wantErr: "année scolaire vide : écrivez par exemple 2026-2027"},
		{in: "0999-1000", wantErr: "écrivez par exemple"},
	} {
		t.Run(test.in, func(t *testing.T) {
			got, err := ParseSchoolYear(test.in)
			if test.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), test.wantErr) {
					t.Fatalf("ParseSchoolYear(%q) = %v, %v; want error %q", test.in, got, err, test.wantErr)
				}
				return
			}
			if err != nil || got.Start != test.want {
				t.Fatalf("ParseSchoolYear(%q) = %v, %v; want %d", test.in, got, err, test.want)
			}
			if back, err := ParseSchoolYear(got.String()); err != nil || back != got {
				t.Errorf("ParseSchoolYear(%q) = %v, %v", got.String(), back, err)
			}
		})
	}
}

func TestSchoolYearText(t *testing.T) {
	type doc struct {
		Year SchoolYear `json:"schoolYear"`
	}
	for _, test := range []struct {
		name string
		in   SchoolYear
		json string
	}{
		{"year", SchoolYear{Start: 2026}, `{"schoolYear":"2026-2027"}`},
		{"zero", SchoolYear{}, `{"schoolYear":""}`},
	} {
		t.Run(test.name, func(t *testing.T) {
			b, err := json.Marshal(doc{test.in})
			if err != nil || string(b) != test.json {
				t.Fatalf("json.Marshal = %s, %v; want %s", b, err, test.json)
			}
			var back doc
			if err := json.Unmarshal(b, &back); err != nil || back.Year != test.in {
				t.Errorf("json.Unmarshal(%s) = %v, %v", b, back.Year, err)
			}
		})
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"schoolYear":"2026-2028"}`), &d); err == nil {
		t.Error("json.Unmarshal accepted 2026-2028")
	}
}

func TestSchoolYearNext(t *testing.T) {
	y := SchoolYear{Start: 2026}
	if y.Next().String() != "2027-2028" || y.Previous().String() != "2025-2026" || y.Next().Previous() != y {
		t.Errorf("Next/Previous of %v: %v, %v", y, y.Next(), y.Previous())
	}
}

func TestDate(t *testing.T) {
	for _, test := range []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"UTC time of day dropped", time.Date(2026, 11, 26, 18, 3, 0, 0, time.UTC), day(2026, 11, 26)},
		{"Brussels just after midnight stays on its own date", time.Date(2026, 11, 27, 0, 30, 0, 0, frtext.Brussels), day(2026, 11, 27)},
		{"already a date", day(2026, 1, 1), day(2026, 1, 1)},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := Date(test.in)
			if got != test.want {
				t.Errorf("Date(%v) = %v, want %v", test.in, got, test.want)
			}
		})
	}
}
