package extranetstore_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/store"
	"passerelle/store/extranetstore"
	"passerelle/store/pgtest"
)

// A database that migrations 001-013 built and filled, with their
// conventions (instants and dates as text, ” for none, flags as 0/1),
// migrates to the native types (014) and reads back the same values.
func TestUpgradeToNativeTypes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { upgrade(t, "sqlite:"+filepath.Join(t.TempDir(), "old.db")) })
	t.Run("postgres", func(t *testing.T) { upgrade(t, pgtest.URL(t)) })
}

func upgrade(t *testing.T, url string) {
	ctx := context.Background()
	old, err := store.Open(ctx, url, migrationsBefore(t, 14), store.Options{Schema: extranetstore.Schema})
	if err != nil {
		t.Fatal(err)
	}
	const at, later, far = "2026-11-26T17:03:11.123456Z", "2026-11-27T08:00:00.000000Z", "2999-01-01T00:00:00.000000Z"
	for _, q := range []string{
		`INSERT INTO schools (fase, name, created_at, updated_at) VALUES (4242, 'École Saint-Joseph', '` + at + `', '` + later + `')`,
		`INSERT INTO school_tokens (token_hash, fase, created_at, created_by, revoked_at) VALUES
			('h1', 4242, '` + at + `', 'op', ''), ('h2', 4242, '` + at + `', 'op', '` + later + `')`,
		`INSERT INTO persons (id, last_name, first_name, birth_date, matricule, identity_key, created_at, updated_at) VALUES
			('p1', 'Dupont', 'Jean', '1980-05-04', '18005040123', 'k1', '` + at + `', '` + at + `'),
			('p2', 'Martin', 'Luc', '', NULL, '', '` + at + `', '` + at + `')`,
		`INSERT INTO accounts (id, person_id, login, login_base, email, state, created_at, updated_at, activated_at, disabled_at) VALUES
			('a1', 'p1', 'jean.dupont.040580', 'jean.dupont', 'jean@example.be', 'active', '` + at + `', '` + at + `', '` + later + `', '')`,
		`INSERT INTO grants (id, person_id, fase, school_year, role, email, last_name, first_name, state, since, pending, pending_since,
			created_at, updated_at, sent_birth_date) VALUES
			('g1', 'p1', 4242, '2026-2027', 'Enseignant', 'jean@example.be', 'Dupont', 'Jean', 'active', '` + at + `', '', '', '` + at + `', '` + at + `', '1980-05-04'),
			('g2', 'p2', 4242, '2026-2027', 'Enseignant', 'luc@example.be', 'Martin', 'Luc', 'pending', '` + at + `', 'created', '` + later + `', '` + at + `', '` + at + `', '')`,
		`INSERT INTO outbox (id, kind, person_id, night_id, sender, recipient, subject, body, created_at, sent_at, failed_at) VALUES
			('m1', 'invitation', 'p1', 'n', 'a@x', 'jean@example.be', 's', 'b', '` + at + `', '', ''),
			('m2', 'invitation', 'p2', 'n', 'a@x', 'luc@example.be', 's', 'b', '` + at + `', '` + later + `', '')`,
		`INSERT INTO grant_notices (id, token_hash, grant_id, person_id, account_id, fase, school_name, school_year, role,
			notified_email, grant_email, last_name, first_name, created_at, expires_at, disputed_at, suspended, decided_at) VALUES
			('n1', 'nt', 'g1', 'p1', 'a1', 4242, 'École', '2026-2027', 'Enseignant', 'jean@example.be', 'jean@example.be',
			 'Dupont', 'Jean', '` + at + `', '` + far + `', '` + later + `', 1, '')`,
		`INSERT INTO signin_links (token_hash, account_id, email, created_at, expires_at, used_at) VALUES
			('lt', 'a1', 'jean@example.be', '` + at + `', '` + far + `', '')`,
		`INSERT INTO rejections (id, fase, school_year, entry_key, last_name, first_name, birth_date, matricule, email, role, reason,
			transfer_id, first_seen, last_seen, resolved_at) VALUES
			('r1', 4242, '2026-2027', 'e1', 'X', 'Y', '31/02/1980', '', 'x@example.be', 'Enseignant', 'date', 't', '` + at + `', '` + later + `', '')`,
		`INSERT INTO identity_matches (id, fase, school_year, person_id, grant_id, strength, last_name, first_name, other_fases, created_at, reviewed_at)
			VALUES ('im1', 4242, '2026-2027', 'p1', 'g1', '` + string(extranet.MatchWeak) + `', 'Dupont', 'Jean', '5555', '` + at + `', '')`,
	} {
		if _, err := old.W.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	st, err := extranetstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tAt := time.Date(2026, 11, 26, 17, 3, 11, 123456000, time.UTC)
	tLater := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	if sc, err := st.School(ctx, 4242); err != nil || !sc.CreatedAt.Equal(tAt) || !sc.UpdatedAt.Equal(tLater) {
		t.Errorf("School = %+v, %v", sc, err)
	}
	if fase, err := st.TokenSchool(ctx, "h1"); err != nil || fase != 4242 {
		t.Errorf("TokenSchool(h1, not revoked) = %d, %v", fase, err)
	}
	if _, err := st.TokenSchool(ctx, "h2"); err == nil {
		t.Error("TokenSchool(h2, revoked) found")
	}
	grants, err := st.YearGrants(ctx, 4242, "2026-2027")
	if err != nil || len(grants) != 2 {
		t.Fatalf("YearGrants = %v, %v", grants, err)
	}
	slices.SortFunc(grants, func(a, b extranet.GrantRecord) int { return strings.Compare(a.Grant.ID, b.Grant.ID) })
	g1, g2 := grants[0], grants[1]
	if g1.Person.BirthDate != "1980-05-04" || g1.Grant.SentBirthDate != "1980-05-04" || !g1.Grant.PendingSince.IsZero() ||
		!g1.Grant.Since.Equal(tAt) || g1.Person.Matricule != "18005040123" || !g1.Person.CreatedAt.Equal(tAt) {
		t.Errorf("g1 = %+v", g1)
	}
	if g2.Person.BirthDate != "" || g2.Grant.SentBirthDate != "" || !g2.Grant.PendingSince.Equal(tLater) || g2.Grant.Pending != "created" {
		t.Errorf("g2 = %+v", g2)
	}
	if a, err := st.Account(ctx, "a1"); err != nil || !a.ActivatedAt.Equal(tLater) || !a.DisabledAt.IsZero() {
		t.Errorf("Account = %+v, %v", a, err)
	}
	unsent, err := st.Outbox(ctx, extranet.OutboxFilter{Unsent: true})
	if err != nil || len(unsent) != 1 || unsent[0].ID != "m1" || !unsent[0].SentAt.IsZero() {
		t.Errorf("unsent Outbox = %+v, %v", unsent, err)
	}
	if ids, err := st.SuspendedGrants(ctx, "p1"); err != nil || !slices.Equal(ids, []string{"g1"}) {
		t.Errorf("SuspendedGrants = %v, %v", ids, err)
	}
	disputes, err := st.Disputes(ctx, 10)
	if err != nil || len(disputes) != 1 || !disputes[0].Suspended || !disputes[0].DisputedAt.Equal(tLater) || !disputes[0].DecidedAt.IsZero() {
		t.Errorf("Disputes = %+v, %v", disputes, err)
	}
	if _, ok, err := st.OpenSignInLink(ctx, "lt", now); err != nil || !ok {
		t.Errorf("OpenSignInLink = %v, %v", ok, err)
	}
	open, err := st.Rejections(ctx, extranet.RejectionFilter{OpenOnly: true})
	if err != nil || len(open) != 1 || open[0].BirthDate != "31/02/1980" || !open[0].ResolvedAt.IsZero() {
		t.Errorf("open Rejections = %+v, %v", open, err)
	}
	if m, err := st.OpenMatches(ctx, 10); err != nil || len(m) != 1 {
		t.Errorf("OpenMatches = %+v, %v", m, err)
	}
	// The night's lease (SQLite) starts free: its expiry was ''.
	release, err := st.LockNight(ctx)
	if err != nil {
		t.Fatalf("LockNight: %v", err)
	}
	release()
}
