package frtext

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	const (
		malformed  = 1 // « … invalide : écrivez jj/mm/aaaa »
		impossible = 2 // « la date … n'existe pas : vérifiez le jour et le mois »
	)
	for _, test := range []struct {
		in      string
		want    time.Time
		wantErr int
	}{
		{in: "14/07/1984", want: day(1984, 7, 14)},
		{in: "4/7/1984", want: day(1984, 7, 4)},
		{in: "04-07-1984", want: day(1984, 7, 4)},
		{in: "04.07.1984", want: day(1984, 7, 4)},
		{in: "1984-07-04", want: day(1984, 7, 4)},
		{in: " 29/02/2024 ", want: day(2024, 2, 29)},
		{in: "31/12/2026", want: day(2026, 12, 31)},
		{in: "31/02/1980", wantErr: impossible},
		{in: "31/02/2020", wantErr: impossible},
		{in: "29/02/2023", wantErr: impossible},
		{in: "31/04/2023", wantErr: impossible},
		{in: "00/01/2020", wantErr: impossible},
		{in: "01/13/2020", wantErr: impossible},
		{in: "01/00/2020", wantErr: impossible},
		{in: "2023-02-29", wantErr: impossible},
		{in: " 31/02/1980 ", wantErr: impossible},
		{in: "01/01/20", wantErr: malformed},
		{in: "01/01/0999", wantErr: malformed},
		{in: "1984-7-4", wantErr: malformed},
		{in: "1984/07/04", wantErr: malformed},
		{in: "04/07-1984", wantErr: malformed},
		{in: "04/07/1984/1", wantErr: malformed},
		{in: "+4/07/1984", wantErr: malformed},
		{in: "123/01/1984", wantErr: malformed},
		{in: "", wantErr: malformed},
		{in: "demain", wantErr: malformed},
	} {
		t.Run(test.in, func(t *testing.T) {
			got, err := ParseDate(test.in)
			if test.wantErr != 0 {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %v, want an error", test.in, got)
				}
				want := "date « " + strings.TrimSpace(test.in) + " » invalide : écrivez jj/mm/aaaa"
				if test.wantErr == impossible {
					want = "la date " + strings.TrimSpace(test.in) + " n'existe pas : vérifiez le jour et le mois"
				}
				if err.Error() != want {
					t.Fatalf("ParseDate(%q) error %q, want %q", test.in, err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", test.in, err)
			}
			if !got.Equal(test.want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %v, want %v UTC", test.in, got, test.want)
			}
		})
	}
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestFormatDate(t *testing.T) {
	for _, test := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"utc midnight", day(1984, 7, 4), "04/07/1984"},
		{"zero", time.Time{}, ""},
		// The civil date in the time's own location, not converted.
		{"late evening in Brussels", time.Date(2026, 11, 26, 23, 30, 0, 0, Brussels), "26/11/2026"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := FormatDate(test.in); got != test.want {
				t.Errorf("FormatDate(%v) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

func TestFormatDateTime(t *testing.T) {
	for _, test := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"winter, UTC+1", time.Date(2026, 11, 26, 17, 3, 11, 0, time.UTC), "26/11/2026 à 18:03"},
		{"summer, UTC+2", time.Date(2026, 7, 1, 22, 30, 0, 0, time.UTC), "02/07/2026 à 00:30"},
		{"zero", time.Time{}, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := FormatDateTime(test.in); got != test.want {
				t.Errorf("FormatDateTime(%v) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

func TestBrussels(t *testing.T) {
	if Brussels == nil || Brussels.String() != "Europe/Brussels" {
		t.Fatalf("Brussels = %v", Brussels)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"14/07/1984", "4/7/1984", "1984-07-04", "31/02/2020", "04.07.1984", "", "9999-12-31", "1/1/1000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("ParseDate(%q) = %v with error %v", s, got, err)
			}
			return
		}
		if got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, not UTC midnight", s, got)
		}
		back, err := ParseDate(FormatDate(got))
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseDate(FormatDate(%v)) = %v, %v", got, back, err)
		}
	})
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                      "0,00 s",
		2350 * time.Millisecond:                "2,35 s",
		59*time.Second + 994*time.Millisecond:  "59,99 s",
		time.Minute:                            "1 min 0 s",
		3*time.Minute + 12400*time.Millisecond: "3 min 12 s",
		3*time.Minute + 12600*time.Millisecond: "3 min 13 s",
		75 * time.Minute:                       "75 min 0 s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
