package frtext

import (
	"slices"
	"sync"
	"testing"
)

func TestCompare(t *testing.T) {
	for _, test := range []struct {
		a, b string
		want int
	}{
		{"Émile", "Emma", -1},
		{"Élodie", "Emma", -1},
		{"Émile", "Fabrice", -1},
		{"Zoé", "Émile", 1},
		{"dupont", "Dupont", 1}, // case only: byte order breaks the tie
		{"Dupont", "Dupont", 0},
		{"Michèle", "Michel", 1},
		{"Çelik", "Dubois", -1},
		{"", "a", -1},
	} {
		t.Run(test.a+"/"+test.b, func(t *testing.T) {
			if got := sign(Compare(test.a, test.b)); got != test.want {
				t.Errorf("Compare(%q, %q) = %d, want %d", test.a, test.b, got, test.want)
			}
			if got := sign(Compare(test.b, test.a)); got != -test.want {
				t.Errorf("Compare(%q, %q) = %d, want %d", test.b, test.a, got, -test.want)
			}
		})
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestSortStrings(t *testing.T) {
	for _, test := range []struct {
		name     string
		in, want []string
	}{
		{
			name: "accents stay among their letter",
			in:   []string{"Zoé", "Émile", "Eve", "Adeline", "Éric", "Fany"},
			want: []string{"Adeline", "Émile", "Éric", "Eve", "Fany", "Zoé"},
		},
		{
			name: "case ignored",
			in:   []string{"martine", "marc", "Léa", "MARC", "lucie"},
			want: []string{"Léa", "lucie", "MARC", "marc", "martine"},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := slices.Clone(test.in)
			SortStrings(got)
			if !slices.Equal(got, test.want) {
				t.Errorf("SortStrings(%q) = %q, want %q", test.in, got, test.want)
			}
		})
	}
}

func TestCompareNames(t *testing.T) {
	for _, test := range []struct {
		name                         string
		lastA, firstA, lastB, firstB string
		want                         int
	}{
		{"last name first", "Brocar", "Pascale", "Coremans", "Adeline", -1},
		{"then first name", "Dupont", "Zoé", "Dupont", "Anne", 1},
		{"case of last name does not outrank first name", "dupont", "Zoé", "Dupont", "Anne", 1},
		{"accented last name among its letter", "Écrin", "Jean", "Edwin", "Isise", -1},
		{"equal", "Dupont", "Jean", "Dupont", "Jean", 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := sign(CompareNames(test.lastA, test.firstA, test.lastB, test.firstB)); got != test.want {
				t.Errorf("CompareNames = %d, want %d", got, test.want)
			}
		})
	}
}

// TestCompareConcurrent runs under -race: the pooled collators must never be
// shared between goroutines.
func TestCompareConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if Compare("Émile", "Emma") >= 0 {
					t.Error("Compare(Émile, Emma) >= 0")
					return
				}
			}
		})
	}
	wg.Wait()
}

// nameKeySamples are names whose order depends on accents, case, hyphens,
// apostrophes and spaces.
var nameKeySamples = [][2]string{
	{"Émile", "Zoé"}, {"Emile", "Zoe"}, {"émile", "zoé"}, {"Dupont", "Anne"}, {"dupont", "Zoé"},
	{"Dupont", "anne"}, {"D'Hoore", "Luc"}, {"Dhoore", "Luc"}, {"De Smet", "Éric"}, {"Desmet", "Eric"},
	{"Dupont-Durand", "Anne"}, {"Dupont Durand", "Anne"}, {"Œuvray", "Cœur"}, {"Oeuvray", "Coeur"},
	{"", ""}, {"Zèbre", ""}, {"", "Ange"}, {"Çelik", "Ali"}, {"Celik", "Ali"}, {"Müller", "Jürgen"},
}

func TestNameKeyOrdersAsCompareNames(t *testing.T) {
	for _, a := range nameKeySamples {
		for _, b := range nameKeySamples {
			want := sign(CompareNames(a[0], a[1], b[0], b[1]))
			if got := sign(MakeNameKey(a[0], a[1]).Compare(MakeNameKey(b[0], b[1]))); got != want {
				t.Errorf("%q %q vs %q %q: key order %d, CompareNames %d", a[0], a[1], b[0], b[1], got, want)
			}
		}
	}
}

func FuzzNameKey(f *testing.F) {
	for i, a := range nameKeySamples {
		b := nameKeySamples[(i+1)%len(nameKeySamples)]
		f.Add(a[0], a[1], b[0], b[1])
	}
	f.Fuzz(func(t *testing.T, lastA, firstA, lastB, firstB string) {
		want := sign(CompareNames(lastA, firstA, lastB, firstB))
		if got := sign(MakeNameKey(lastA, firstA).Compare(MakeNameKey(lastB, firstB))); got != want {
			t.Fatalf("%q %q vs %q %q: key order %d, CompareNames %d", lastA, firstA, lastB, firstB, got, want)
		}
	})
}
