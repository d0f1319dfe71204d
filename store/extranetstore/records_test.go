package extranetstore_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store/pgtest"
	"passerelle/wire"
)

// RecordTransfer writes what SaveRejections, MarkYearSent, SaveIdempotency,
// AddAudit and SaveTransferRecord would, one after the other (one
// statement on PostgreSQL).
func TestRecordTransfer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École")
		now := e.clock.Now()
		rej := func(key string) extranet.Rejection {
			return extranet.Rejection{Key: key, LastName: "Nom " + key, FirstName: "Prénom", Email: key + "@ecole.be", Role: "Concierge", Reason: "rôle inconnu"}
		}
		update := func(r extranet.TransferRecords) {
			t.Helper()
			if err := e.st.Update(e.ctx, now, func(tx extranet.Tx) error { return tx.RecordTransfer(e.ctx, r) }); err != nil {
				t.Fatal(err)
			}
		}
		update(extranet.TransferRecords{FASE: 4242, SchoolYear: year, SaveRejections: true, TransferID: "t0",
			Rejections: []extranet.Rejection{rej("old"), rej("again")}})
		if n := e.count(t, `SELECT COUNT(*) FROM rejections WHERE resolved_at IS NULL AND transfer_id = 't0'`); n != 2 {
			t.Fatalf("open rejections = %d, want 2", n)
		}

		journal := extranet.TransferRecord{ID: "t1", FASE: 4242, SchoolYear: year, At: now, Actor: "api:4242",
			Outcome: extranet.OutcomeApplied, Counts: wire.Counts{Unchanged: 3, Rejected: 2}, LiveGrants: 3,
			Changes: []wire.Change{{Action: wire.ActionRejected, LastName: "Nom new"}}}
		update(extranet.TransferRecords{FASE: 4242, SchoolYear: year, SaveRejections: true, TransferID: "t1",
			Rejections: []extranet.Rejection{rej("again"), rej("new"), rej("new")}, MarkSent: true,
			Idempotency: extranet.Idempotency{Key: "k1", BodyHash: "h1", CreatedAt: now,
				Result: wire.TransferResult{TransferID: "t1", SchoolYear: year, Counts: journal.Counts}},
			Audit: []extranet.AuditEntry{
				{ID: "a1", At: now, Actor: "api:4242", Action: extranet.AuditIdentityMatch, FASE: 4242, Detail: `{"match":"m"}`},
				{At: now, Actor: "api:4242", Action: extranet.AuditTransferApplied, FASE: 4242},
			},
			Journal: &journal})

		for _, c := range []struct {
			what, query string
			want        int
		}{
			{"resolved", `SELECT COUNT(*) FROM rejections WHERE entry_key = 'old' AND resolved_at IS NOT NULL`, 1},
			{"seen again", `SELECT COUNT(*) FROM rejections WHERE entry_key = 'again' AND resolved_at IS NULL AND transfer_id = 't1'`, 1},
			{"new, once", `SELECT COUNT(*) FROM rejections WHERE entry_key = 'new' AND resolved_at IS NULL AND transfer_id = 't1'`, 1},
			{"year sent", `SELECT COUNT(*) FROM school_years_sent WHERE fase = 4242 AND school_year = '` + year + `'`, 1},
			{"audit", `SELECT COUNT(*) FROM audit WHERE fase = 4242 AND actor = 'api:4242'`, 2},
			{"audit detail", `SELECT COUNT(*) FROM audit WHERE id = 'a1' AND detail = '{"match":"m"}'`, 1},
			{"audit default detail", `SELECT COUNT(*) FROM audit WHERE action = 'transfer.applied' AND detail = '{}' AND id <> ''`, 1},
		} {
			if n := e.count(t, c.query); n != c.want {
				t.Errorf("%s: %d rows, want %d", c.what, n, c.want)
			}
		}
		err := e.st.Update(e.ctx, now, func(tx extranet.Tx) error {
			_, rec, ok, err := tx.LockSchoolAnswer(e.ctx, 4242, "k1")
			if err != nil || !ok || rec.BodyHash != "h1" || rec.Result.TransferID != "t1" || rec.Result.Counts != journal.Counts {
				t.Errorf("Idempotency = %+v, %v, %v", rec, ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.st.TransferRecord(e.ctx, "t1")
		if err != nil || got.Outcome != extranet.OutcomeApplied || got.Counts != journal.Counts || got.LiveGrants != 3 ||
			len(got.Changes) != 1 || got.Changes[0].LastName != "Nom new" {
			t.Errorf("journal = %+v, %v", got, err)
		}

		// Only what is asked: an audit entry alone, then nothing.
		update(extranet.TransferRecords{FASE: 4242, SchoolYear: year,
			Audit: []extranet.AuditEntry{{At: now, Actor: "operator:test", Action: extranet.AuditIdentityMatch, FASE: 4242}}})
		update(extranet.TransferRecords{FASE: 4242, SchoolYear: year})
		if n := e.count(t, `SELECT COUNT(*) FROM audit WHERE fase = 4242 AND action = 'identity.match'`); n != 2 {
			t.Errorf("identity.match audit rows = %d, want 2", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM rejections WHERE resolved_at IS NULL`); n != 2 {
			t.Errorf("open rejections after records without rejections = %d, want 2", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM transfer_log`); n != 1 {
			t.Errorf("journal rows = %d, want 1", n)
		}
	})
}

// UpdateGrants and UpdatePersons write many rows in one statement, each
// with its own values; a row given twice gets its last values.
func TestUpdateManyRows(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École")
		e.transfer(t, 4242, snapshot(numbered("Prof", 4)...))
		err := e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			recs, err := tx.LockYearGrants(e.ctx, 4242, year)
			if err != nil {
				return err
			}
			var gs []extranet.Grant
			var ps []extranet.Person
			for i, r := range recs[:3] {
				g := r.Grant
				g.Role, g.Email = "Directeur", fmt.Sprintf("d%d@ecole.be", i)
				gs = append(gs, g)
				p := r.Person
				p.FirstName, p.Matricule = fmt.Sprintf("Nouveau%d", i), ""
				ps = append(ps, p)
			}
			again := gs[0]
			again.Email = "last@ecole.be"
			if err := tx.UpdateGrants(e.ctx, append(gs, again)); err != nil {
				return err
			}
			return tx.UpdatePersons(e.ctx, ps)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			what, query string
			want        int
		}{
			{"grants rewritten", `SELECT COUNT(*) FROM grants WHERE role = 'Directeur'`, 3},
			{"each its own address", `SELECT COUNT(DISTINCT email) FROM grants WHERE role = 'Directeur'`, 3},
			{"the last row wins", `SELECT COUNT(*) FROM grants WHERE email = 'last@ecole.be'`, 1},
			{"the fourth untouched", `SELECT COUNT(*) FROM grants WHERE role <> 'Directeur'`, 1},
			{"persons renamed", `SELECT COUNT(*) FROM persons WHERE first_name LIKE 'Nouveau%'`, 3},
			{"empty matricule stored as NULL", `SELECT COUNT(*) FROM persons WHERE matricule IS NULL AND first_name LIKE 'Nouveau%'`, 3},
		} {
			if n := e.count(t, c.query); n != c.want {
				t.Errorf("%s: %d rows, want %d", c.what, n, c.want)
			}
		}
	})
}

// LockSchoolAnswer locks the school and reads the answer stored for a key
// of that school only.
func TestLockSchoolAnswer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 4242, "École A")
		e.addSchool(t, 5555, "École B")
		snap := snapshot(numbered("Prof", 2)...)
		first, err := e.svc.Transfer(e.ctx, 4242, snap, extranet.TransferOptions{IdempotencyKey: "k1", BodyHash: "h1"})
		if err != nil {
			t.Fatal(err)
		}
		err = e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			for _, c := range []struct {
				fase int
				key  string
				ok   bool
			}{{4242, "k1", true}, {4242, "k2", false}, {4242, "", false}, {5555, "k1", false}} {
				sc, rec, ok, err := tx.LockSchoolAnswer(e.ctx, c.fase, c.key)
				if err != nil || sc.FASE != c.fase || ok != c.ok {
					t.Errorf("LockSchoolAnswer(%d, %q) = %+v, %v, %v", c.fase, c.key, sc, ok, err)
				}
				if ok && (rec.BodyHash != "h1" || rec.Result.TransferID != first.TransferID || rec.Key != "k1") {
					t.Errorf("answer = %+v", rec)
				}
			}
			if _, _, _, err := tx.LockSchoolAnswer(e.ctx, 9999, "k1"); !errors.Is(err, extranet.ErrUnknownSchool) {
				t.Errorf("unknown school: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// PostgreSQL: a request that waits for the school's row behind the same
// key's first request misses its stored answer in the statement that
// waited; storing the key again fails, the transfer runs again and answers
// the first request's result.
func TestSameKeyWhileTheFirstRequestCommits(t *testing.T) {
	e := newEnv(t, pgtest.URL(t), true)
	gate := &gatedStore{Store: e.st, enter: make(chan struct{}), release: make(chan struct{})}
	slow := &extranet.Service{Store: gate, Now: e.clock.Now, Log: e.svc.Log}
	e.addSchool(t, 4242, "École")
	snap := snapshot(numbered("Prof", 3)...)
	opt := extranet.TransferOptions{IdempotencyKey: "k1"}
	firstDone := make(chan wire.TransferResult, 1)
	go func() {
		r, err := slow.Transfer(e.ctx, 4242, snap, opt)
		if err != nil {
			t.Error(err)
		}
		firstDone <- r
	}()
	<-gate.enter // the first holds the school's row, its grants written
	secondDone := make(chan wire.TransferResult, 1)
	go func() {
		r, err := e.svc.Transfer(e.ctx, 4242, snap, opt)
		if err != nil {
			t.Error(err)
		}
		secondDone <- r
	}()
	time.Sleep(200 * time.Millisecond) // the second waits on the school's row
	close(gate.release)
	first, second := <-firstDone, <-secondDone
	if first.TransferID == "" || second.TransferID != first.TransferID || second.Counts != first.Counts {
		t.Fatalf("second answer %+v, want the first's %+v", second, first)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM transfer_log WHERE fase = 4242`); n != 1 {
		t.Fatalf("journal entries = %d, want 1", n)
	}
}

// FindCandidates answers what FindPersons and EmailHolders answer.
func TestFindCandidates(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.addSchool(t, 1111, "École A")
		e.addSchool(t, 2222, "École B")
		e.transfer(t, 1111, snapshot(person("Dupont", "Jean", "1980-05-04", "18005040123", "jean@a.be", "Enseignant"),
			person("Martin", "Luc", "1975-01-31", "", "shared@ecole.be", "Enseignant")))
		e.transfer(t, 2222, snapshot(person("Dupont", "Jean", "1980-05-04", "", "jean@b.be", "Enseignant"),
			person("Durand", "Anne", "1981-03-03", "", "anne@b.be", "Directeur")))
		mats := []string{"18005040123", "19990101999"}
		keys := []string{extranet.IdentityKey("Dupont", "Jean", "1980-05-04"), extranet.IdentityKey("Durand", "Anne", "1981-03-03"), "personne|inconnue|2000-01-01"}
		emails := []string{"shared@ecole.be", "jean@b.be", "anne@b.be", "libre@ecole.be"}
		err := e.st.Update(e.ctx, e.clock.Now(), func(tx extranet.Tx) error {
			for _, c := range []struct {
				mats, keys, emails []string
			}{{mats, keys, emails}, {nil, keys, emails}, {mats, nil, nil}, {nil, nil, nil}} {
				wantP, err := tx.FindPersons(e.ctx, c.mats, c.keys)
				if err != nil {
					return err
				}
				wantH, err := tx.EmailHolders(e.ctx, c.emails, 2222, year)
				if err != nil {
					return err
				}
				gotP, gotH, err := tx.FindCandidates(e.ctx, c.mats, c.keys, c.emails, 2222, year)
				if err != nil {
					return err
				}
				if !sameSet(ids(gotP), ids(wantP)) || !sameSet(holderStrings(gotH), holderStrings(wantH)) {
					t.Errorf("FindCandidates(%v, %v, %v) = %v, %v; want %v, %v", c.mats, c.keys, c.emails,
						ids(gotP), holderStrings(gotH), ids(wantP), holderStrings(wantH))
				}
				if c.emails != nil && len(wantH) == 0 {
					t.Errorf("no holder found: the comparison compares nothing")
				}
				for _, p := range gotP {
					if p.CreatedAt.IsZero() || p.IdentityKey == "" {
						t.Errorf("person read without its columns: %+v", p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func ids(ps []extranet.Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func holderStrings(hs []extranet.EmailHolder) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Email + " " + h.PersonID
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
