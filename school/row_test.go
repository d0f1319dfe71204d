package school

import (
	"maps"
	"slices"
	"testing"
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
