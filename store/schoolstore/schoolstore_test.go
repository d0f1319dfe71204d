package schoolstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/fwb"
	"passerelle/school"
	"passerelle/store/pgtest"
	"passerelle/store/schoolstore"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// each runs the contract suite against both engines.
func each(t *testing.T, fn func(t *testing.T, st *schoolstore.Store)) {
	open := func(t *testing.T, url string) {
		st, err := schoolstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		st.Now = func() time.Time { return time.Date(2026, 11, 26, 17, 3, 11, 0, time.UTC) }
		fn(t, st)
	}
	t.Run("sqlite", func(t *testing.T) { open(t, "sqlite:"+filepath.Join(t.TempDir(), "school.db")) })
	t.Run("postgres", func(t *testing.T) { open(t, pgtest.URL(t)) })
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func sampleRow(last, first string) school.Row {
	return school.Row{
		Member: school.Member{
			LastName: last, FirstName: first, BirthDate: day(1984, 7, 14), Sex: fwb.SexFemale,
			NISS: "84071412507", Matricule: "28407140254",
			SchoolEmail: strings.ToLower(first + "." + last + "@ecole.be"), PrivateEmail: "prive@example.be",
		},
		Situation: school.Situation{
			Start: day(2012, 9, 1), Present: true, Active: true, Status: "D", Function: "IP",
			Charge: []fwb.ChargeLine{{Code: "IP", Periods: 24, FullTime: 24}, {Code: "CN", Periods: -24, FullTime: 24}},
			Role:   fwb.RoleEnseignant,
		},
	}
}

func TestSchools(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		if _, err := st.School(ctx, 5342); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("School(missing) = %v, want ErrNotFound", err)
		}
		for _, sc := range []school.School{{FASE: 5342, Name: "Sainte-Marie"}, {FASE: 17, Name: "Autre"}, {FASE: 5342, Name: "École Sainte-Marie"}} {
			if err := st.SaveSchool(ctx, sc); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SaveSchool(ctx, school.School{FASE: 0}); err == nil {
			t.Error("SaveSchool(FASE 0) accepted")
		}
		got, err := st.School(ctx, 5342)
		if err != nil || got.Name != "École Sainte-Marie" {
			t.Fatalf("School = %+v, %v", got, err)
		}
		all, err := st.Schools(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []school.School{{FASE: 17, Name: "Autre"}, {FASE: 5342, Name: "École Sainte-Marie"}}
		if !slices.Equal(all, want) {
			t.Errorf("Schools = %+v, want %+v", all, want)
		}
	})
}

func TestSaveRows(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		if _, err := st.Rows(ctx, 5342); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("Rows(missing school) = %v, want ErrNotFound", err)
		}
		if err := st.SaveSchool(ctx, school.School{FASE: 5342, Name: "A"}); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSchool(ctx, school.School{FASE: 17, Name: "B"}); err != nil {
			t.Fatal(err)
		}
		a, b := sampleRow("Brocar", "Pascale"), sampleRow("Daniel", "Eve")
		b.Member.BirthDate = time.Time{}
		b.Situation.End = day(2027, 6, 30)
		b.Situation.Charge = nil
		b.Situation.Role = fwb.RoleNone
		b.Situation.Status = ""
		saved, err := st.SaveRows(ctx, 5342, []school.Row{a, b})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range saved {
			if r.Member.ID == 0 || r.Situation.ID == 0 || r.Situation.MemberID != r.Member.ID || r.Situation.FASE != 5342 {
				t.Fatalf("saved row without IDs: %+v", r)
			}
		}
		rows, err := st.Rows(ctx, 5342)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("Rows = %d rows, want 2", len(rows))
		}
		wantB := saved[1]
		wantB.Situation.Status = fwb.NoSituation // stored "-" for none
		for i, want := range []school.Row{saved[0], wantB} {
			got, err := st.Row(ctx, 5342, want.Situation.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !sameRow(got, want) {
				t.Errorf("Row %d = %+v\nwant %+v", i, got, want)
			}
			if !sameRow(rows[i], want) {
				t.Errorf("Rows[%d] = %+v\nwant %+v", i, rows[i], want)
			}
		}
		if _, err := st.Row(ctx, 17, saved[0].Situation.ID); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("Row of another school = %v, want ErrNotFound", err)
		}

		// Update one, add a second situation of the same member in the
		// other school.
		up := saved[0]
		up.Member.SchoolEmail = "p.brocar@ecole.be"
		up.Situation.Active = false
		up.Situation.Charge = []fwb.ChargeLine{{Code: "ME", Periods: 8, FullTime: 24}}
		if _, err := st.SaveRows(ctx, 5342, []school.Row{up}); err != nil {
			t.Fatal(err)
		}
		got, err := st.Row(ctx, 5342, up.Situation.ID)
		if err != nil || !sameRow(got, up) {
			t.Fatalf("after update Row = %+v, %v\nwant %+v", got, err, up)
		}
		other := school.Row{Member: up.Member, Situation: school.Situation{Function: "IM", Active: true, Status: "V"}}
		if _, err := st.SaveRows(ctx, 17, []school.Row{other}); err != nil {
			t.Fatal(err)
		}
		rows17, err := st.Rows(ctx, 17)
		if err != nil || len(rows17) != 1 || rows17[0].Member.ID != up.Member.ID {
			t.Fatalf("Rows(17) = %+v, %v", rows17, err)
		}

		// All or nothing: a situation of a missing member, or of another
		// school, fails the whole call and leaves the first row unsaved.
		for name, bad := range map[string]school.Row{
			"missing member":    {Member: school.Member{ID: 99999, LastName: "X", FirstName: "Y"}, Situation: school.Situation{Function: "IP"}},
			"other school":      rows17[0],
			"missing situation": {Member: up.Member, Situation: school.Situation{ID: 99999, Function: "IP"}},
		} {
			t.Run(name, func(t *testing.T) {
				fresh := sampleRow("Nouvelle", "Personne")
				_, err := st.SaveRows(ctx, 5342, []school.Row{fresh, bad})
				if err == nil {
					t.Fatal("SaveRows accepted a bad row")
				}
				rows, err := st.Rows(ctx, 5342)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 2 {
					t.Errorf("after failed SaveRows: %d rows, want 2", len(rows))
				}
			})
		}
		if _, err := st.SaveRows(ctx, 999, []school.Row{a}); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("SaveRows(missing school) = %v, want ErrNotFound", err)
		}
	})
}

func sameRow(a, b school.Row) bool {
	am, bm, as, bs := a.Member, b.Member, a.Situation, b.Situation
	return am.ID == bm.ID && am.LastName == bm.LastName && am.FirstName == bm.FirstName && am.BirthDate.Equal(bm.BirthDate) &&
		am.Sex == bm.Sex && am.NISS == bm.NISS && am.Matricule == bm.Matricule && am.SchoolEmail == bm.SchoolEmail &&
		am.PrivateEmail == bm.PrivateEmail && as.ID == bs.ID && as.MemberID == bs.MemberID && as.FASE == bs.FASE &&
		as.Start.Equal(bs.Start) && as.End.Equal(bs.End) && as.Present == bs.Present && as.Active == bs.Active &&
		as.Status == bs.Status && as.Function == bs.Function && as.Promotion == bs.Promotion &&
		slices.Equal(as.Charge, bs.Charge) && as.Role == bs.Role
}

func TestSettings(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		if _, err := st.Settings(ctx, 5342); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("Settings(missing school) = %v", err)
		}
		if err := st.SaveSettings(ctx, school.Settings{FASE: 5342}); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("SaveSettings(missing school) = %v", err)
		}
		if err := st.SaveSchool(ctx, school.School{FASE: 5342, Name: "A"}); err != nil {
			t.Fatal(err)
		}
		def, err := st.Settings(ctx, 5342)
		if err != nil {
			t.Fatal(err)
		}
		if def.FASE != 5342 || def.Auto || def.AutoHour != school.DefaultAutoHour || !slices.Equal(def.AutoDays, school.DefaultAutoDays) {
			t.Errorf("default settings = %+v", def)
		}
		consent := time.Date(2026, 9, 1, 8, 30, 0, 123456000, time.FixedZone("CEST", 7200))
		for _, want := range []school.Settings{
			{FASE: 5342, ExtranetURL: "http://127.0.0.1:8081", Token: "secret", Auto: true, AutoConsentBy: "Remy Milord",
				AutoConsentAt: consent, AutoDays: []time.Weekday{time.Tuesday, time.Thursday}, AutoHour: 6},
			{FASE: 5342, ExtranetURL: "http://x", AutoDays: []time.Weekday{time.Sunday}, AutoHour: 0},
		} {
			if err := st.SaveSettings(ctx, want); err != nil {
				t.Fatal(err)
			}
			got, err := st.Settings(ctx, 5342)
			if err != nil {
				t.Fatal(err)
			}
			if got.ExtranetURL != want.ExtranetURL || got.Token != want.Token || got.Auto != want.Auto ||
				got.AutoConsentBy != want.AutoConsentBy || !got.AutoConsentAt.Equal(want.AutoConsentAt) ||
				!slices.Equal(got.AutoDays, want.AutoDays) || got.AutoHour != want.AutoHour {
				t.Errorf("Settings = %+v\nwant %+v", got, want)
			}
		}
		if err := st.SaveSettings(ctx, school.Settings{FASE: 5342, AutoHour: 24}); err == nil {
			t.Error("hour 24 accepted")
		}
	})
}

func TestRecordTransfer(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		if err := st.SaveSchool(ctx, school.School{FASE: 5342, Name: "A"}); err != nil {
			t.Fatal(err)
		}
		r := sampleRow("Ludo", "Guy")
		r.Situation.Role = fwb.RoleNone
		saved, err := st.SaveRows(ctx, 5342, []school.Row{r})
		if err != nil {
			t.Fatal(err)
		}
		sid := saved[0].Situation.ID
		roleOf := func() fwb.Role {
			got, err := st.Row(ctx, 5342, sid)
			if err != nil {
				t.Fatal(err)
			}
			return got.Situation.Role
		}
		base := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)
		completion := []school.RoleCompletion{{SituationID: sid, Role: fwb.RoleEnseignant}}

		// A dry run is recorded but writes no role.
		dry, err := st.RecordTransfer(ctx, school.TransferRecord{FASE: 5342, At: base, By: "Remy Milord", DryRun: true,
			Outcome: school.OutcomeDone, SchoolYear: "2026-2027", Messages: []string{"a"}}, completion)
		if err != nil || dry.ID == 0 {
			t.Fatalf("RecordTransfer(dry) = %+v, %v", dry, err)
		}
		if got := roleOf(); got != fwb.RoleNone {
			t.Fatalf("dry run wrote role %q", got)
		}

		// An invalid completion fails the whole record.
		_, err = st.RecordTransfer(ctx, school.TransferRecord{FASE: 5342, At: base.Add(time.Minute), Outcome: school.OutcomeDone},
			append(completion, school.RoleCompletion{SituationID: sid, Role: fwb.Role("Concierge")}))
		if err == nil {
			t.Fatal("RecordTransfer(invalid role) = nil, want an error")
		}
		if got := roleOf(); got != fwb.RoleNone {
			t.Fatalf("failed record wrote role %q", got)
		}
		// A situation removed while the transfer ran does not lose the
		// history of a transfer the extranet applied.
		gone, err := st.RecordTransfer(ctx, school.TransferRecord{FASE: 5342, At: base.Add(time.Minute), Outcome: school.OutcomeDone},
			[]school.RoleCompletion{{SituationID: 99999, Role: fwb.RoleEnseignant}})
		if err != nil {
			t.Fatalf("RecordTransfer(missing situation) = %v", err)
		}

		done := school.TransferRecord{FASE: 5342, At: base.Add(2 * time.Minute), By: "automatique", Outcome: school.OutcomeDone,
			SchoolYear: "2026-2027", Counts: school.TransferCounts{Completed: 1, Errors: 1, Created: 2, Modified: 3, Deactivated: 4, Unchanged: 5, Rejected: 6},
			Messages:   []string{`Information : Complété Rôle Extranet "Enseignant" chez Guy Ludo`, "Le transfert est fait."},
			ExtranetID: "t-1", IdempotencyKey: "k-1"}
		rec, err := st.RecordTransfer(ctx, done, completion)
		if err != nil {
			t.Fatal(err)
		}
		if got := roleOf(); got != fwb.RoleEnseignant {
			t.Fatalf("role after transfer = %q, want Enseignant", got)
		}
		// A role already encoded (say, while the transfer ran) is never
		// overwritten by a completion.
		late, err := st.RecordTransfer(ctx, school.TransferRecord{FASE: 5342, At: base.Add(150 * time.Second), Outcome: school.OutcomeDone},
			[]school.RoleCompletion{{SituationID: sid, Role: fwb.RoleDirecteur}})
		if err != nil {
			t.Fatal(err)
		}
		if got := roleOf(); got != fwb.RoleEnseignant {
			t.Fatalf("completion overwrote an encoded role: %q", got)
		}
		failed, err := st.RecordTransfer(ctx, school.TransferRecord{FASE: 5342, At: base.Add(3 * time.Minute), Outcome: school.OutcomeFailed,
			Error: "extranet injoignable"}, nil)
		if err != nil {
			t.Fatal(err)
		}

		list, err := st.Transfers(ctx, 5342, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, l := range list {
			ids = append(ids, l.ID)
		}
		if want := []int64{failed.ID, late.ID, rec.ID, gone.ID, dry.ID}; !slices.Equal(ids, want) {
			t.Fatalf("Transfers ids = %v, want newest first %v", ids, want)
		}
		if two, _ := st.Transfers(ctx, 5342, 2); len(two) != 2 {
			t.Errorf("Transfers(limit 2) = %d entries", len(two))
		}
		got, err := st.Transfer(ctx, 5342, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.At.Equal(done.At) || got.By != done.By || got.Outcome != done.Outcome || got.SchoolYear != done.SchoolYear ||
			got.Counts != done.Counts || !slices.Equal(got.Messages, done.Messages) || got.ExtranetID != "t-1" ||
			got.IdempotencyKey != "k-1" || got.DryRun {
			t.Errorf("Transfer = %+v\nwant %+v", got, done)
		}
		if got, _ := st.Transfer(ctx, 5342, failed.ID); got.Error != "extranet injoignable" || got.Messages == nil {
			t.Errorf("failed transfer = %+v", got)
		}
		if _, err := st.Transfer(ctx, 17, rec.ID); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("Transfer of another school = %v, want ErrNotFound", err)
		}
	})
}

func TestUsers(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, school.User{Login: " Direction ", Name: "Remy Milord", PasswordHash: "h", Direction: true})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Login != "direction" || !u.Created.Equal(st.Now()) {
			t.Fatalf("CreateUser = %+v", u)
		}
		_, err = st.CreateUser(ctx, school.User{Login: "DIRECTION", Name: "Autre", PasswordHash: "h"})
		if !errors.Is(err, school.ErrLoginTaken) || !strings.Contains(err.Error(), "« direction » est déjà utilisé") {
			t.Fatalf("second CreateUser = %v, want a clear ErrLoginTaken", err)
		}
		if _, err := st.CreateUser(ctx, school.User{Login: "x"}); err == nil {
			t.Error("user without password accepted")
		}
		sec, err := st.CreateUser(ctx, school.User{Login: "secretariat", Name: "Secrétariat", PasswordHash: "h2"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetPassword(ctx, sec.ID, "h3"); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.UserByID(ctx, sec.ID); got.PasswordHash != "h3" {
			t.Fatalf("SetPassword: hash = %q, want h3", got.PasswordHash)
		}
		sec.PasswordHash = "h3"
		if err := st.SetPassword(ctx, 99999, "h"); !errors.Is(err, school.ErrNotFound) {
			t.Fatalf("SetPassword(missing) = %v, want ErrNotFound", err)
		}
		for _, test := range []struct {
			name string
			get  func() (school.User, error)
			want school.User
		}{
			{"by login", func() (school.User, error) { return st.UserByLogin(ctx, "Direction") }, u},
			{"by id", func() (school.User, error) { return st.UserByID(ctx, sec.ID) }, sec},
		} {
			t.Run(test.name, func(t *testing.T) {
				got, err := test.get()
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != test.want.ID || got.Login != test.want.Login || got.Name != test.want.Name ||
					got.PasswordHash != test.want.PasswordHash || got.Direction != test.want.Direction || !got.Created.Equal(test.want.Created) {
					t.Errorf("got %+v, want %+v", got, test.want)
				}
			})
		}
		if _, err := st.UserByLogin(ctx, "nobody"); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("UserByLogin(missing) = %v", err)
		}
		if _, err := st.UserByID(ctx, 9999); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("UserByID(missing) = %v", err)
		}
	})
}

func TestSessionsTable(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		db := st.DB()
		_, err := db.Write().Exec(ctx, `INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			"h", "1", "school", "c", "2026-11-26T00:00:00.000000Z", "2026-11-27T00:00:00.000000Z")
		if err != nil {
			t.Fatal(err)
		}
		var data string
		if err := db.Read().QueryRow(ctx, `SELECT data FROM sessions WHERE user_id = ?`, "1").Scan(&data); err != nil || data != "{}" {
			t.Fatalf("sessions data = %q, %v", data, err)
		}
		if n, err := db.Pending(ctx, schoolstore.Migrations()); err != nil || n != 0 {
			t.Errorf("Pending = %d, %v", n, err)
		}
	})
}

func TestMarkTransferSeen(t *testing.T) {
	each(t, func(t *testing.T, st *schoolstore.Store) {
		ctx := context.Background()
		if err := st.SaveSchool(ctx, school.School{FASE: 5342, Name: "A"}); err != nil {
			t.Fatal(err)
		}
		rec, err := st.RecordTransfer(ctx, school.TransferRecord{FASE: 5342, By: "automatique", Outcome: school.OutcomeHeld,
			Messages: []string{"Avertissement : Transfert suspendu – 6 désactivations à confirmer."}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rec.NeedsAttention("automatique") {
			t.Fatal("a held automatic transfer nobody opened needs no attention")
		}
		if err := st.MarkTransferSeen(ctx, 5342, rec.ID, "Sophie Secrétaire"); err != nil {
			t.Fatal(err)
		}
		// Only the first opening counts.
		if err := st.MarkTransferSeen(ctx, 5342, rec.ID, "Rémy Milord"); err != nil {
			t.Fatal(err)
		}
		got, err := st.Transfer(ctx, 5342, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.SeenBy != "Sophie Secrétaire" || !got.SeenAt.Equal(st.Now()) || got.NeedsAttention("automatique") {
			t.Errorf("seen by %q at %v, needs attention %v", got.SeenBy, got.SeenAt, got.NeedsAttention("automatique"))
		}
		if err := st.MarkTransferSeen(ctx, 5342, rec.ID+100, "x"); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("unknown transfer: %v, want ErrNotFound", err)
		}
	})
}
