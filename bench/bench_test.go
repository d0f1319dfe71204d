package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"passerelle/api"
	"passerelle/apiclient"
	"passerelle/extranet"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const testYear = "2026-2027"

func testNetwork(t testing.TB, schools, staff int, shared float64, seed uint64) *Network {
	t.Helper()
	n, err := Generate(NetworkConfig{Schools: schools, Staff: staff, Shared: shared, Seed: seed, SchoolYear: testYear})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGenerateIsDeterministic(t *testing.T) {
	a := testNetwork(t, 20, 30, 0.1, 7).Snapshots()
	b := testNetwork(t, 20, 30, 0.1, 7).Snapshots()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two networks")
	}
	if c := testNetwork(t, 20, 30, 0.1, 8).Snapshots(); reflect.DeepEqual(a, c) {
		t.Fatal("two seeds gave the same network")
	}
}

func TestGenerateShape(t *testing.T) {
	const schools, staff = 40, 70
	n := testNetwork(t, schools, staff, 0.1, 1)
	perSchool := n.Config.SharedPerSchool()
	if perSchool != 7 {
		t.Fatalf("shared per school = %d, want 7", perSchool)
	}
	inSchools := map[*Person]int{}
	for _, s := range n.Schools {
		if len(s.Members) != staff {
			t.Fatalf("FASE %d has %d staff, want %d", s.FASE, len(s.Members), staff)
		}
		emails := map[string]bool{}
		for _, m := range s.Members {
			inSchools[m.Person]++
			if emails[m.Email] {
				t.Errorf("FASE %d gives %s twice", s.FASE, m.Email)
			}
			emails[m.Email] = true
		}
		if ps := extranet.ValidateSnapshot(n.Snapshot(s)); len(ps) > 0 {
			t.Fatalf("FASE %d: invalid snapshot: %+v", s.FASE, ps[0])
		}
	}
	twice := 0
	for p, k := range inSchools {
		switch k {
		case 1:
		case 2:
			twice++
		default:
			t.Fatalf("%s %s is in %d schools", p.FirstName, p.LastName, k)
		}
	}
	if twice != schools*perSchool || twice != n.SharedPersons {
		t.Errorf("%d persons in two schools (SharedPersons %d), want %d", twice, n.SharedPersons, schools*perSchool)
	}
	if len(n.Persons) != schools*(staff-perSchool) {
		t.Errorf("%d persons, want %d", len(n.Persons), schools*(staff-perSchool))
	}
	keys, mats := map[string]bool{}, map[string]bool{}
	withMat := 0
	for _, p := range n.Persons {
		k := extranet.IdentityKey(p.LastName, p.FirstName, p.BirthDate)
		if keys[k] {
			t.Fatalf("identity %q given twice", k)
		}
		keys[k] = true
		if p.Matricule != "" {
			withMat++
			if mats[p.Matricule] || len(p.Matricule) != 11 {
				t.Fatalf("matricule %q repeated or malformed", p.Matricule)
			}
			mats[p.Matricule] = true
		}
	}
	if share := float64(withMat) / float64(len(n.Persons)); share < 0.75 || share > 0.95 {
		t.Errorf("%.0f %% of persons have a matricule, want about %.0f %%", 100*share, 100*matriculeShare)
	}
}

func TestGenerateRefusesBadConfig(t *testing.T) {
	for _, c := range []NetworkConfig{
		{Schools: 0, Staff: 70},
		{Schools: 10, Staff: 1},
		{Schools: 10, Staff: 70, Shared: 0.6},
		{Schools: 10, Staff: 70, Shared: -0.1},
	} {
		if _, err := Generate(c); err == nil {
			t.Errorf("Generate(%+v) accepted", c)
		}
	}
	// One school shares with nobody.
	if n := testNetwork(t, 1, 10, 0.5, 1); n.SharedPersons != 0 || len(n.Schools[0].Members) != 10 {
		t.Errorf("one school: %d shared, %d staff", n.SharedPersons, len(n.Schools[0].Members))
	}
}

// openStore opens an empty extranet store: SQLite, or PostgreSQL from
// pgtest.
func openStore(t testing.TB, kind string) *extranetstore.Store {
	t.Helper()
	url := "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")
	if kind == "postgres" {
		url = pgtest.URL(t)
	}
	st, err := extranetstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newService(st extranet.Store) *extranet.Service {
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
	return &extranet.Service{Store: st, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
}

// TestChurnCountsMatchTheExtranet sends a network and its churn to a real
// extranet: what Churn predicts is what the extranet answers, which is
// what the benchmark checks each transfer against.
func TestChurnCountsMatchTheExtranet(t *testing.T) {
	ctx := context.Background()
	svc := newService(openStore(t, "sqlite"))
	n := testNetwork(t, 6, 20, 0.2, 3)
	for _, s := range n.Schools {
		if _, err := svc.AddSchool(ctx, s.FASE, s.Name, "test"); err != nil {
			t.Fatal(err)
		}
	}
	send := func(want func(i int, snap wire.Snapshot) wire.Counts) {
		t.Helper()
		for i, s := range n.Schools {
			snap := n.Snapshot(s)
			res, err := svc.Transfer(ctx, s.FASE, snap, extranet.TransferOptions{})
			if err != nil {
				t.Fatalf("FASE %d: %v", s.FASE, err)
			}
			if w := want(i, snap); res.Counts != w {
				t.Fatalf("FASE %d: %+v, want %+v", s.FASE, res.Counts, w)
			}
		}
	}
	send(func(_ int, s wire.Snapshot) wire.Counts { return wire.Counts{Created: len(s.Staff)} })
	send(func(_ int, s wire.Snapshot) wire.Counts { return wire.Counts{Unchanged: len(s.Staff)} })
	for range 3 {
		want := n.Churn()
		changed := 0
		for _, c := range want {
			changed += c.Created + c.Modified + c.Deactivated
			if c.Deactivated > maxDepartures {
				t.Fatalf("churn deactivates %d, above %d", c.Deactivated, maxDepartures)
			}
		}
		if changed == 0 {
			t.Fatal("churn changed nothing")
		}
		send(func(i int, _ wire.Snapshot) wire.Counts { return want[i] })
	}
	// And the grants are what the last snapshots hold.
	for _, s := range n.Schools {
		recs, err := svc.Store.YearGrants(ctx, s.FASE, testYear)
		if err != nil {
			t.Fatal(err)
		}
		snap := n.Snapshot(s)
		if ok, why := grantsMatch(recs, &snap); !ok {
			t.Fatalf("FASE %d: %s", s.FASE, why)
		}
	}
}

// TestGrantsMatchFindsDifferences makes sure the crash check can fail.
func TestGrantsMatchFindsDifferences(t *testing.T) {
	p := extranet.Person{LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04", Matricule: "18005040123"}
	grant := func(role, email, state string) extranet.GrantRecord {
		return extranet.GrantRecord{Person: p, Grant: extranet.Grant{
			GrantValues: extranet.GrantValues{Role: role, Email: email, LastName: p.LastName, FirstName: p.FirstName}, State: state,
		}}
	}
	snap := &wire.Snapshot{Staff: []wire.StaffEntry{{
		LastName: "Dupont", FirstName: "Jean", BirthDate: "1980-05-04", Matricule: "18005040123",
		Email: "jean.dupont@ecole.be", Role: "Enseignant",
	}}}
	for _, test := range []struct {
		name string
		recs []extranet.GrantRecord
		ok   bool
	}{
		{"same", []extranet.GrantRecord{grant("Enseignant", "jean.dupont@ecole.be", extranet.GrantActive)}, true},
		{"other role", []extranet.GrantRecord{grant("Directeur", "jean.dupont@ecole.be", extranet.GrantActive)}, false},
		{"other e-mail", []extranet.GrantRecord{grant("Enseignant", "jd@ecole.be", extranet.GrantPending)}, false},
		{"deactivated", []extranet.GrantRecord{grant("Enseignant", "jean.dupont@ecole.be", extranet.GrantDeactivated)}, false},
		{"missing", nil, false},
		{"someone else", []extranet.GrantRecord{
			grant("Enseignant", "jean.dupont@ecole.be", extranet.GrantActive),
			{Person: extranet.Person{Matricule: "28005040123"}, Grant: extranet.Grant{State: extranet.GrantActive}},
		}, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			if ok, why := grantsMatch(test.recs, snap); ok != test.ok {
				t.Errorf("grantsMatch = %v (%s), want %v", ok, why, test.ok)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := Percentile(ds, q); got != want {
			t.Errorf("p%g = %v, want %v", q, got, want)
		}
	}
	if Percentile(nil, 99) != 0 {
		t.Error("p99 of nothing is not 0")
	}
	if got := Percentile([]time.Duration{7}, 50); got != 7 {
		t.Errorf("p50 of one = %v", got)
	}
}

func TestParsePhases(t *testing.T) {
	got, err := ParsePhases("smtp, night,initial")
	if err != nil || !reflect.DeepEqual(got, []string{PhaseInitial, PhaseNight, PhaseSMTP}) {
		t.Errorf("ParsePhases = %v, %v", got, err)
	}
	got, err = ParsePhases("rollover")
	if err != nil || !reflect.DeepEqual(got, []string{PhaseInitial, PhaseNight, PhaseRollover}) {
		t.Errorf("ParsePhases(rollover) = %v, %v", got, err)
	}
	for _, bad := range []string{"", "resync", "churn,night", "smtp", "initial,sleep"} {
		if _, err := ParsePhases(bad); err == nil {
			t.Errorf("ParsePhases(%q) accepted", bad)
		}
	}
}

// BenchmarkTransfer measures one school's transfer of 70 staff through the
// service and a real store, as the extranet does it for each PUT, without
// HTTP: the first transfer (70 created) and the same snapshot again (70
// unchanged), on a network already holding 100 schools.
//
//	go test -run '^$' -bench Transfer -benchtime 200x ./bench
func BenchmarkTransfer(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			st := openStore(b, kind)
			svc := newService(st)
			// Enough schools around that the lookups run on real tables.
			const schools = 100
			n := testNetwork(b, schools, 70, 0.1, 1)
			for _, s := range n.Schools {
				if _, err := svc.AddSchool(ctx, s.FASE, s.Name, "bench"); err != nil {
					b.Fatal(err)
				}
				if _, err := svc.Transfer(ctx, s.FASE, n.Snapshot(s), extranet.TransferOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			resync := n.Snapshot(n.Schools[0])
			b.Run("resync", func(b *testing.B) {
				for b.Loop() {
					res, err := svc.Transfer(ctx, n.Schools[0].FASE, resync, extranet.TransferOptions{})
					if err != nil || res.Counts.Unchanged != 70 {
						b.Fatal(res.Counts, err)
					}
				}
			})
			next := 0
			b.Run("create", func(b *testing.B) {
				// Each iteration a new school of new people; the function
				// runs several times, with growing b.N.
				b.StopTimer()
				fresh, err := Generate(NetworkConfig{Schools: b.N, Staff: 70, Seed: uint64(1000 + next), SchoolYear: testYear, FirstFASE: 900000 + next})
				if err != nil {
					b.Fatal(err)
				}
				next += b.N
				for _, s := range fresh.Schools {
					if _, err := svc.AddSchool(ctx, s.FASE, s.Name, "bench"); err != nil {
						b.Fatal(err)
					}
				}
				snaps := fresh.Snapshots()
				b.StartTimer()
				for i := 0; i < b.N; i++ {
					res, err := svc.Transfer(ctx, fresh.Schools[i].FASE, snaps[i], extranet.TransferOptions{})
					if err != nil || res.Counts.Created != 70 {
						b.Fatal(fmt.Sprint(res.Counts), err)
					}
				}
			})
		})
	}
}

// BenchmarkPutStaff measures one school's re-sync of 70 staff over HTTP on
// loopback, as the September rush makes them: the API server (decoding,
// service, store, answer) and the client, in one process.
//
//	go test -run '^$' -bench PutStaff -benchtime 300x -cpuprofile cpu.out ./bench
func BenchmarkPutStaff(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			svc := newService(openStore(b, kind))
			srv := httptest.NewServer(api.NewServer(svc, api.ServerOptions{}).Handler())
			defer srv.Close()
			n := testNetwork(b, 100, 70, 0.1, 1)
			var client *apiclient.Client
			for i, s := range n.Schools {
				tok, err := svc.AddSchool(ctx, s.FASE, s.Name, "bench")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := svc.Transfer(ctx, s.FASE, n.Snapshot(s), extranet.TransferOptions{}); err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					client = apiclient.NewClient(srv.URL, tok)
				}
			}
			snap := n.Snapshot(n.Schools[0])
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := client.PutStaff(ctx, n.Schools[0].FASE, snap, false, fmt.Sprintf("key-%d", i))
				if err != nil || res.Counts.Unchanged != 70 {
					b.Fatal(res.Counts, err)
				}
			}
		})
	}
}

// BenchmarkGenerate measures the generator at network scale.
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(NetworkConfig{Schools: 1200, Staff: 70, Shared: 0.1, Seed: 1, SchoolYear: testYear}); err != nil {
			b.Fatal(err)
		}
	}
}
