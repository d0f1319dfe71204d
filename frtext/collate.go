package frtext

import (
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// collators pools French collators: a collate.Collator keeps scratch buffers
// and must not be shared between goroutines, and building one per call costs
// far more than a comparison.
var collators = sync.Pool{
	New: func() any { return collate.New(language.French, collate.IgnoreCase) },
}

// collatorCompare compares at the collator's level only: strings that differ
// only by case compare equal here.
func collatorCompare(a, b string) int {
	c := collators.Get().(*collate.Collator)
	defer collators.Put(c)
	return c.CompareString(a, b)
}

// Compare orders a and b as a French reader expects: accents do not push a
// word to the end ("Émile" sorts among the E's) and case is ignored. Strings
// the collator finds equal are ordered byte-wise, so that Compare is a total
// order and sorting is deterministic.
func Compare(a, b string) int {
	if r := collatorCompare(a, b); r != 0 {
		return r
	}
	return strings.Compare(a, b)
}

// SortStrings sorts s in place in French order (see Compare).
func SortStrings(s []string) {
	slices.SortFunc(s, Compare)
}

// CompareNames orders people by last name, then first name, in French order.
// Case-only differences are looked at last, so "dupont Zoé" still sorts after
// "Dupont Anne".
func CompareNames(lastA, firstA, lastB, firstB string) int {
	if r := collatorCompare(lastA, lastB); r != 0 {
		return r
	}
	if r := collatorCompare(firstA, firstB); r != 0 {
		return r
	}
	if r := strings.Compare(lastA, lastB); r != 0 {
		return r
	}
	return strings.Compare(firstA, firstB)
}
