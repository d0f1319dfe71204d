// Package demodata holds the demo school: the twenty staff members that the
// school software's help page about the Extranet SeGEC transfer shows, with
// their national numbers as that page prints them, invalid ones included, and
// made-up school e-mail addresses and birth dates. docs/school.md says what
// the data shows.
package demodata

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
)

// demoCSV is the demo staff file, in the import's format (UTF-8, ";").
//
//go:embed demo.csv
var demoCSV []byte

// FASE is the demo school's FASE number (made up).
const FASE = 5342

// Name is the demo school's name (made up).
const Name = "École fondamentale Sainte-Marie, Namur"

// School returns the demo school.
func School() school.School { return school.School{FASE: FASE, Name: Name} }

// Load creates the demo school and imports its staff through the same path
// as "passerelle school import" (ParseCSV, PlanImport, SaveRows). Loading
// again changes nothing, unless the stored rows were edited since: the file
// then puts them back. today sets the school year of the defaults. A nil t
// means the embedded tables.
func Load(ctx context.Context, st school.Store, t *fwb.Tables, today time.Time) (school.School, error) {
	sc := School()
	if err := st.SaveSchool(ctx, sc); err != nil {
		return school.School{}, fmt.Errorf("école de démonstration : %w", err)
	}
	in, err := school.ParseCSV(bytes.NewReader(demoCSV), t, fwb.SchoolYearAt(today.In(frtext.Brussels)))
	if err != nil {
		return school.School{}, fmt.Errorf("données de démonstration : %w", err)
	}
	existing, err := st.Rows(ctx, FASE)
	if err != nil {
		return school.School{}, err
	}
	plan := school.PlanImport(existing, in, FASE)
	if len(plan.Rows) > 0 {
		if _, err := st.SaveRows(ctx, FASE, plan.Rows); err != nil {
			return school.School{}, fmt.Errorf("données de démonstration : %w", err)
		}
	}
	return sc, nil
}
