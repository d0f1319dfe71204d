package extranet

import (
	"fmt"
	"testing"

	"passerelle/wire"
)

func TestGuardHolds(t *testing.T) {
	for _, test := range []struct {
		name                           string
		deactivations, live, confirmed int
		want                           bool
	}{
		{"nothing to deactivate", 0, 0, 0, false},
		{"up to the minimum", GuardMin, 100, 0, false},
		{"above the minimum, under the share", GuardMin + 1, 100, 0, false},
		{"above the share", 21, 100, 0, true},
		{"the share exactly", 20, 100, 0, false},
		{"above the minimum on a small school", GuardMin + 1, 10, 0, true},
		{"all of them, under the minimum", 3, 3, 0, true},
		{"all of them, confirmed", 3, 3, 3, false},
		{"above the share, confirmed", 21, 100, 21, false},
		{"above the share, another number confirmed", 21, 100, 20, true},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := guardHolds(test.deactivations, test.live, test.confirmed); got != test.want {
				t.Errorf("guardHolds(%d, %d, %d) = %v, want %v", test.deactivations, test.live, test.confirmed, got, test.want)
			}
		})
	}
}

func TestCountChanges(t *testing.T) {
	changes := []wire.Change{
		{Action: wire.ActionCreated}, {Action: wire.ActionCreated}, {Action: wire.ActionModified},
		{Action: wire.ActionDeactivated}, {Action: wire.ActionUnchanged}, {Action: wire.ActionUnchanged},
		{Action: wire.ActionUnchanged}, {Action: wire.ActionRejected},
	}
	want := wire.Counts{Created: 2, Modified: 1, Deactivated: 1, Unchanged: 3, Rejected: 1}
	if got := countChanges(changes); got != want {
		t.Errorf("countChanges = %+v, want %+v", got, want)
	}
	if got := countChanges(nil); got != (wire.Counts{}) {
		t.Errorf("countChanges(nil) = %+v, want zero", got)
	}
}

func TestRejectProtected(t *testing.T) {
	for _, test := range []struct {
		name string
		e    entry
		want string
	}{
		{"protected person", entry{personID: "p1"}, reasonAlsoKept},
		{"other person", entry{personID: "p2"}, ""},
		{"new person", entry{isNew: true}, ""},
		{"rejected already", entry{personID: "p1", reason: reasonDuplicate}, reasonDuplicate},
	} {
		t.Run(test.name, func(t *testing.T) {
			e := test.e
			rejectProtected([]*entry{&e}, map[string]bool{"p1": true}, reasonAlsoKept)
			if e.reason != test.want {
				t.Errorf("reason = %q, want %q", e.reason, test.want)
			}
		})
	}
}

func TestRejectTakenEmailsAndUnknownRoles(t *testing.T) {
	holders := []EmailHolder{{Email: "a@ecole.be", PersonID: "p1"}}
	for _, test := range []struct {
		name string
		e    entry
		want string
	}{
		{"own e-mail", entry{personID: "p1", email: "a@ecole.be", role: "Enseignant"}, ""},
		{"another's e-mail", entry{personID: "p2", email: "a@ecole.be", role: "Enseignant"}, fmt.Sprintf(reasonEmailTaken, "a@ecole.be")},
		{"new person, taken e-mail", entry{isNew: true, email: "a@ecole.be", role: "Enseignant"}, fmt.Sprintf(reasonEmailTaken, "a@ecole.be")},
		{"free e-mail", entry{isNew: true, email: "b@ecole.be", role: "Directeur"}, ""},
		{"unknown role", entry{isNew: true, email: "b@ecole.be", rawRole: "Concierge"}, fmt.Sprintf(reasonUnknownRole, "Concierge")},
		{"rejected already", entry{personID: "p2", email: "a@ecole.be", reason: reasonDuplicate}, reasonDuplicate},
	} {
		t.Run(test.name, func(t *testing.T) {
			e := test.e
			rejectTakenEmailsAndUnknownRoles([]*entry{&e}, holders)
			if e.reason != test.want {
				t.Errorf("reason = %q, want %q", e.reason, test.want)
			}
		})
	}
}
