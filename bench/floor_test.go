package bench

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"passerelle/store/pgtest"
)

// TestFloorKeys writes two schools' first load with the floor's statements
// on PostgreSQL, both ways, and checks that the keys are those floorKey
// makes, which SQLite's floor writes: in school order, k<school>-<n>, the
// two schools' keys apart in the index; scattered, the same behind eight
// hexadecimal digits, the two schools' keys mixed.
func TestFloorKeys(t *testing.T) {
	ctx := context.Background()
	for _, scattered := range []bool{false, true} {
		conn, err := pgx.Connect(ctx, pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, floorSchema); err != nil {
			t.Fatal(err)
		}
		const staff = 12
		for school := 1; school <= 2; school++ {
			if err := floorSchoolTx(ctx, conn, floorSchool(scattered), school, staff); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := conn.Query(ctx, `SELECT p.identity_key, p.matricule, g.email FROM persons p JOIN grants g ON g.person_id = p.id ORDER BY p.identity_key`)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		var schools []byte // the school of each key, in the index's order
		for rows.Next() {
			var k, m, e string
			if err := rows.Scan(&k, &m, &e); err != nil {
				t.Fatal(err)
			}
			got = append(got, k+" "+m+" "+e)
			schools = append(schools, k[strings.Index(k, "k")+1])
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for school := 1; school <= 2; school++ {
			for n := 1; n <= staff; n++ {
				want = append(want, floorKey("k", school, n, scattered)+" "+floorKey("m", school, n, scattered)+" "+floorKey("e", school, n, scattered)+"@ecole.be")
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("scattered %v: keys written\n%v\nwant\n%v", scattered, got, want)
		}
		// In school order the index holds school 1's keys, then school
		// 2's: the school changes once along it.
		changes := 0
		for i := 1; i < len(schools); i++ {
			if schools[i] != schools[i-1] {
				changes++
			}
		}
		if scattered != (changes > 1) {
			t.Errorf("scattered %v: the school changes %d times along the index (%s)", scattered, changes, schools)
		}
	}
	if k := floorKey("k", 3, 7, true); len(k) != 8+len("k3-7") || !strings.HasSuffix(k, "k3-7") {
		t.Errorf("floorKey scattered = %q", k)
	}
}
