package school

import (
	"slices"
	"testing"
	"time"

	"passerelle/fwb"
)

// codesOf collects the codes a check adds.
func codesOf(check func(add addFunc)) []string {
	var codes []string
	check(func(r Row, sev Severity, code, field, format string, args ...any) *Finding {
		codes = append(codes, code)
		return &Finding{}
	})
	return codes
}

func TestCheckEnded(t *testing.T) {
	at := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, test := range []struct {
		name string
		s    Situation
		want []string
	}{
		{"ended, still active", Situation{Active: true, End: at.AddDate(0, 0, -1)}, []string{CodeActiveEnded}},
		{"ended, not active", Situation{End: at.AddDate(0, 0, -1)}, nil},
		{"active, no end", Situation{Active: true}, nil},
		{"active, ends later", Situation{Active: true, End: at.AddDate(0, 0, 1)}, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := codesOf(func(add addFunc) { checkEnded(Row{Situation: test.s}, at, add) })
			if !slices.Equal(got, test.want) {
				t.Errorf("codes = %q, want %q", got, test.want)
			}
		})
	}
}

func TestCheckSituation(t *testing.T) {
	for _, test := range []struct {
		name string
		s    Situation
		sent bool
		want []string
	}{
		{"unknown function", Situation{Function: "ZZZ", Role: fwb.RoleEnseignant}, false, []string{CodeFunctionUnknown}},
		{"unknown status", Situation{Function: "ZZZ", Status: "?", Role: fwb.RoleEnseignant}, false, []string{CodeFunctionUnknown, CodeStatusUnknown}},
		{"director without a director's function", Situation{Function: "ZZZ", Role: fwb.RoleDirecteur}, false, []string{CodeFunctionUnknown, CodeDirectorRole}},
		{"promotion with the teacher role", Situation{Function: "ZZZ", Promotion: true, Role: fwb.RoleEnseignant}, false, []string{CodeFunctionUnknown, CodeDirectorFunction}},
		{"present, not active", Situation{Function: "ZZZ", Present: true, Role: fwb.RoleEnseignant}, false, []string{CodeFunctionUnknown, CodePresentNotActive}},
		{"active without a role, sent", Situation{Function: "ZZZ", Active: true}, true, []string{CodeFunctionUnknown, CodeRoleCompleted}},
		{"active without a role, unknown function, not sent", Situation{Function: "ZZZ", Active: true}, false, []string{CodeFunctionUnknown}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := codesOf(func(add addFunc) {
				checkSituation(Row{Situation: test.s}, fwb.RoleEnseignant, test.sent, tables(nil), add)
			})
			if !slices.Equal(got, test.want) {
				t.Errorf("codes = %q, want %q", got, test.want)
			}
		})
	}
}
