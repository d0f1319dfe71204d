package school_test

import (
	"testing"
	"time"

	"passerelle/fwb"
	"passerelle/school"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestCompleteRole(t *testing.T) {
	tables := fwb.DefaultTables()
	for _, test := range []struct {
		name          string
		s             school.Situation
		want          fwb.Role
		wantCompleted bool
	}{
		{"encoded wins", school.Situation{Function: "PU", Role: fwb.RoleEnseignant}, fwb.RoleEnseignant, false},
		{"encoded director on teacher", school.Situation{Function: "IP", Role: fwb.RoleDirecteur}, fwb.RoleDirecteur, false},
		{"teacher", school.Situation{Function: "IP"}, fwb.RoleEnseignant, true},
		{"lower-case code", school.Situation{Function: "me"}, fwb.RoleEnseignant, true},
		{"director function", school.Situation{Function: "D"}, fwb.RoleDirecteur, true},
		{"director with class", school.Situation{Function: "DC"}, fwb.RoleDirecteur, true},
		{"promotion flag", school.Situation{Function: "IP", Promotion: true}, fwb.RoleDirecteur, true},
		{"promotion on unknown function", school.Situation{Function: "ZZ", Promotion: true}, fwb.RoleDirecteur, true},
		{"no role function", school.Situation{Function: "PU"}, fwb.RoleNone, false},
		{"unknown function", school.Situation{Function: "ZZ"}, fwb.RoleNone, false},
		{"no function", school.Situation{}, fwb.RoleNone, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, completed := school.CompleteRole(test.s, tables)
			if got != test.want || completed != test.wantCompleted {
				t.Errorf("CompleteRole = %q, %v; want %q, %v", got, completed, test.want, test.wantCompleted)
			}
			// nil means the embedded tables.
			if got2, c2 := school.CompleteRole(test.s, nil); got2 != got || c2 != completed {
				t.Errorf("CompleteRole(nil tables) = %q, %v", got2, c2)
			}
		})
	}
}

func TestSendRole(t *testing.T) {
	at := day(2026, 11, 26)
	for _, test := range []struct {
		name string
		s    school.Situation
		want fwb.Role
		ok   bool
	}{
		{"current teacher", school.Situation{Function: "IP", Active: true, Start: day(2020, 9, 1)}, fwb.RoleEnseignant, true},
		{"ends today", school.Situation{Function: "IP", Active: true, End: at}, fwb.RoleEnseignant, true},
		{"starts tomorrow", school.Situation{Function: "IP", Active: true, Start: at.AddDate(0, 0, 1)}, fwb.RoleNone, false},
		{"ended", school.Situation{Function: "IP", Active: true, End: at.AddDate(0, 0, -1)}, fwb.RoleNone, false},
		{"not active", school.Situation{Function: "IP", Present: true}, fwb.RoleNone, false},
		{"no role", school.Situation{Function: "SE", Active: true}, fwb.RoleNone, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, ok := school.SendRole(school.Row{Situation: test.s}, at, nil)
			if got != test.want || ok != test.ok {
				t.Errorf("SendRole = %q, %v; want %q, %v", got, ok, test.want, test.ok)
			}
		})
	}
}

func TestEffectiveBirthDate(t *testing.T) {
	for _, test := range []struct {
		name string
		m    school.Member
		want time.Time
	}{
		{"encoded", school.Member{BirthDate: day(1980, 1, 2), NISS: "81051825667"}, day(1980, 1, 2)},
		{"from NISS", school.Member{NISS: "81051825667"}, day(1981, 5, 18)},
		{"from NISS with dots", school.Member{NISS: "81.05.18-256.67"}, day(1981, 5, 18)},
		{"bad check digits", school.Member{NISS: "88407140254"}, time.Time{}},
		{"short", school.Member{NISS: "890725"}, time.Time{}},
		{"none", school.Member{}, time.Time{}},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := test.m.EffectiveBirthDate(); !got.Equal(test.want) {
				t.Errorf("EffectiveBirthDate = %v, want %v", got, test.want)
			}
		})
	}
}
