package school

import (
	"maps"
	"slices"
	"testing"
	"time"
)

func TestGivenFields(t *testing.T) {
	// cellsOf gives every column in columns, with the values of values.
	cellsOf := func(given []string, values map[string]string) []cell {
		cells := make([]cell, len(columns))
		for _, f := range given {
			cells[columnOf(f)].given = true
		}
		for f, v := range values {
			cells[columnOf(f)].value = v
		}
		return cells
	}
	all := []string{FieldLastName, FieldActive, FieldPresent, FieldStart}
	for _, test := range []struct {
		name   string
		given  []string
		values map[string]string
		want   []string
	}{
		{"all filled", all, map[string]string{FieldActive: "oui", FieldPresent: "non", FieldStart: "01/09/2026"}, all},
		{"empty defaulted columns are kept", all, nil, []string{FieldLastName}},
		{"empty Présent follows a given Actif", all, map[string]string{FieldActive: "non"}, []string{FieldLastName, FieldActive, FieldPresent}},
		{"Présent without its column follows a given Actif", []string{FieldActive}, map[string]string{FieldActive: "oui"}, []string{FieldActive, FieldPresent}},
		{"Présent given alone", []string{FieldPresent}, map[string]string{FieldPresent: "oui"}, []string{FieldPresent}},
		{"no columns", nil, nil, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(givenFields(cellsOf(test.given, test.values))))
			want := slices.Sorted(slices.Values(test.want))
			if !slices.Equal(got, want) {
				t.Errorf("givenFields = %q, want %q", got, want)
			}
		})
	}
}

func TestStoredMembersFind(t *testing.T) {
	birth := time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC)
	existing := []Row{
		{Member: Member{ID: 1, LastName: "Dupont", FirstName: "Jean", BirthDate: birth, Matricule: "M1", NISS: "N1"}, Situation: Situation{FASE: 4242}},
		{Member: Member{ID: 2, LastName: "Martin", FirstName: "Anne", BirthDate: birth}, Situation: Situation{FASE: 4242}},
		{Member: Member{ID: 3, LastName: "Autre", FirstName: "École", BirthDate: birth, Matricule: "M3"}, Situation: Situation{FASE: 1111}},
	}
	st := indexStored(existing, 4242)
	for _, test := range []struct {
		name   string
		m      Member
		want   int64
		wantOK bool
	}{
		{"by matricule", Member{Matricule: "M1", LastName: "Autre"}, 1, true},
		{"by national number", Member{NISS: "N1", LastName: "Autre"}, 1, true},
		{"by names and birth date", Member{LastName: "Martin", FirstName: "Anne", BirthDate: birth}, 2, true},
		{"unknown matricule, known names", Member{Matricule: "M9", LastName: "Martin", FirstName: "Anne", BirthDate: birth}, 2, true},
		{"member of another school", Member{Matricule: "M3"}, 0, false},
		{"nobody", Member{LastName: "Personne", FirstName: "Nul", BirthDate: birth}, 0, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			id, ok := st.find(test.m)
			if id != test.want || ok != test.wantOK {
				t.Errorf("find = %d, %v; want %d, %v", id, ok, test.want, test.wantOK)
			}
		})
	}
}
