package school_test

import (
	"fmt"
	"testing"
	"time"

	"passerelle/fwb"
	"passerelle/school"
)

// BenchmarkCheck300 runs the checks of a 300-member school, a large
// secondary school, as the list page and every transfer do.
//
//	go test ./school/ -run '^$' -bench Check300 -benchmem
func BenchmarkCheck300(b *testing.B) {
	tables := fwb.DefaultTables()
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	rows := make([]school.Row, 300)
	for i := range rows {
		r := row(int64(i+1), fmt.Sprintf("Nom%03d", i), fmt.Sprintf("Prénom%03d", i))
		if i%50 == 0 {
			r.Member.SchoolEmail = "" // a few blocking findings, as in real data
		}
		rows[i] = r
	}
	if n := len(school.Check(rows, at, tables)); n == 0 {
		b.Fatal("no finding: the benchmark would not exercise the reporting")
	}
	b.ReportAllocs()
	for b.Loop() {
		school.Check(rows, at, tables)
	}
}
