package school_test

import (
	"testing"

	"passerelle/school"
)

func TestResultLabel(t *testing.T) {
	for _, test := range []struct {
		outcome school.TransferOutcome
		dryRun  bool
		want    string
		preview bool
	}{
		{school.OutcomeDone, false, "Fait", false},
		{school.OutcomeNoChange, false, "Aucun changement", false},
		{school.OutcomeHeld, false, "Suspendu", false},
		{school.OutcomeFailed, false, "Échec", false},
		{school.OutcomeCancelled, false, "Interrompu", false},
		{school.OutcomeDone, true, "Aperçu", true},
		{school.OutcomeHeld, true, "Aperçu", true},
		{school.OutcomeNoChange, true, "Aucun changement", false},
		{school.OutcomeFailed, true, "Échec", false},
		{"other", false, "other", false},
	} {
		rec := school.TransferRecord{Outcome: test.outcome, DryRun: test.dryRun}
		if got := rec.ResultLabel(); got != test.want || rec.ShownAsPreview() != test.preview {
			t.Errorf("%s, dry run %v: %q, preview %v; want %q, %v", test.outcome, test.dryRun, got, rec.ShownAsPreview(), test.want, test.preview)
		}
	}
}

func TestRowNames(t *testing.T) {
	r := school.Row{Member: school.Member{LastName: "Brocar", FirstName: "Pascale"}}
	if r.ListName() != "Brocar Pascale" || r.DisplayName() != "Pascale Brocar" {
		t.Errorf("names %q, %q", r.ListName(), r.DisplayName())
	}
	r.Member.FirstName = ""
	if r.ListName() != "Brocar" || r.DisplayName() != "Brocar" {
		t.Errorf("without first name: %q, %q", r.ListName(), r.DisplayName())
	}
}
