package extranet

import (
	"testing"
	"time"

	"passerelle/fwb"
)

func TestGraceDeadline(t *testing.T) {
	y := mustYear(t, "2026-2027")
	var s Service
	if got := s.GraceDeadline(y).Format(time.DateOnly); got != "2027-09-30" {
		t.Errorf("default deadline = %s", got)
	}
	s.Grace = fwb.MonthDay{Month: time.October, Day: 15}
	if got := s.GraceDeadline(y).Format(time.DateOnly); got != "2027-10-15" {
		t.Errorf("15/10 = %s", got)
	}
	// Never before the new year's first day (Monday 30 August 2027).
	s.Grace = fwb.MonthDay{Month: time.July, Day: 10}
	if got := s.GraceDeadline(y).Format(time.DateOnly); got != "2027-08-30" {
		t.Errorf("10/07 = %s", got)
	}
}

func TestContinuation(t *testing.T) {
	g := Grant{PersonID: "p", FASE: 4242, SchoolYear: "2027-2028", GrantValues: GrantValues{Role: "Enseignant"}, Pending: PendingCreated}
	old := Grant{PersonID: "p", FASE: 4242, SchoolYear: "2026-2027", GrantValues: GrantValues{Role: "Enseignant"}, State: GrantActive}
	cases := []struct {
		name              string
		prior             Grant
		continued, change bool
	}{
		{"carried over", old, true, false},
		{"expired with its year", with(old, func(g *Grant) { g.State, g.EndReason = GrantDeactivated, EndExpired }), true, false},
		{"removed by the school", with(old, func(g *Grant) { g.State, g.EndReason = GrantDeactivated, EndRemoved }), false, false},
		{"another role", with(old, func(g *Grant) { g.Role = "Directeur" }), true, true},
		{"another school", with(old, func(g *Grant) { g.FASE = 5353 }), false, false},
		{"two years before", with(old, func(g *Grant) { g.SchoolYear = "2025-2026" }), false, false},
		{"another person", with(old, func(g *Grant) { g.PersonID = "q" }), false, false},
	}
	for _, c := range cases {
		continued, change := Continuation(g, []Grant{c.prior})
		if continued != c.continued || change != c.change {
			t.Errorf("%s: Continuation = %v, %v; want %v, %v", c.name, continued, change, c.continued, c.change)
		}
	}
}

func with(g Grant, f func(*Grant)) Grant {
	f(&g)
	return g
}

func mustYear(t *testing.T, s string) fwb.SchoolYear {
	t.Helper()
	y, err := fwb.ParseSchoolYear(s)
	if err != nil {
		t.Fatal(err)
	}
	return y
}
