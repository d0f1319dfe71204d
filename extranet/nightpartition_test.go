package extranet

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestLoginPartitions: persons who may compete for a login are in one
// partition, in the order they were given (the order of their IDs),
// whatever the number of partitions; every person is in exactly one.
func TestLoginPartitions(t *testing.T) {
	var persons []Person
	for i := range 200 {
		// IDs of several lengths: the packed lists keep each one whole.
		// Twenty login bases, ten persons each; « Anne-Marie » and « Anne
		// Marie » share theirs.
		first := "Anne-Marie"
		if i%3 == 0 {
			first = "Anne Marie"
		}
		persons = append(persons, Person{ID: fmt.Sprintf("p%03d%s", i, strings.Repeat("x", i%4)), LastName: fmt.Sprintf("Nom%d", i%20),
			FirstName: first, BirthDate: "1980-05-04"})
	}
	for _, n := range []int{1, 2, 3, 8} {
		parts := make(loginPartitions, n)
		for i := range persons {
			parts.add(&persons[i])
		}
		where := map[string]int{}
		total := 0
		for k, packed := range parts {
			part := packed.slice(0, packed.len())
			if !slices.IsSorted(part) {
				t.Errorf("%d partitions: partition %d out of order: %v", n, k, part)
			}
			for _, id := range part {
				where[id] = k
			}
			total += len(part)
		}
		if total != len(persons) || len(where) != len(persons) {
			t.Fatalf("%d partitions: %d entries for %d persons", n, total, len(persons))
		}
		byBase := map[string]int{}
		for _, p := range persons {
			if _, ok := where[p.ID]; !ok {
				t.Fatalf("%d partitions: %s missing", n, p.ID)
			}
			base := LoginBase(p)
			if k, ok := byBase[base]; ok && k != where[p.ID] {
				t.Errorf("%d partitions: base %s in partitions %d and %d", n, base, k, where[p.ID])
			}
			byBase[base] = where[p.ID]
		}
		if len(byBase) != 20 {
			t.Fatalf("bases = %d, want 20", len(byBase))
		}
		if n > 1 && parts[0].len() == len(persons) {
			t.Errorf("%d partitions: everyone in the first", n)
		}
	}
}
