package extranet_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"passerelle/extranet"
)

func scimUser(last, first, birth, email, role string) extranet.SCIMUserInput {
	return extranet.SCIMUserInput{ExternalID: "ext-" + last, UserName: email, LastName: last, FirstName: first,
		BirthDate: birth, Email: email, Role: role, Active: true}
}

// scimErr returns the SCIMError of err, failing otherwise.
func scimErr(t *testing.T, err error) *extranet.SCIMError {
	t.Helper()
	var e *extranet.SCIMError
	if !errors.As(err, &e) {
		t.Fatalf("want a SCIMError, got %v", err)
	}
	return e
}

// A SCIM user is a grant of the current year: created, read, replaced,
// deactivated and deleted as a snapshot would change it.
func TestSCIMUserLifecycle(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	if got := extranet.CurrentSchoolYear(w.clock.Now()); got != thisYear {
		t.Fatalf("CurrentSchoolYear = %s", got)
	}

	u, err := w.svc.SCIMCreate(w.ctx, 4242, scimUser(" Dupont ", "Jean", "1980-05-04", "Jean@Ecole.be", "Enseignant"), extranet.SCIMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u.LastName != "Dupont" || u.Email != "jean@ecole.be" || u.State != extranet.GrantPending || !u.Active || u.ExternalID != "ext- Dupont " {
		t.Errorf("created: %+v", u)
	}
	if g := w.grants(t, 4242)["Dupont Jean"]; g.State != extranet.GrantPending {
		t.Errorf("the school's grant: %+v", g)
	}
	users, err := w.svc.SCIMUsers(w.ctx, 4242)
	if err != nil || len(users) != 1 || users[0].ID != u.ID {
		t.Fatalf("SCIMUsers: %+v, %v", users, err)
	}
	if got, err := w.svc.SCIMUser(w.ctx, 4242, u.ID); err != nil || got.UserName != "Jean@Ecole.be" {
		t.Errorf("SCIMUser: %+v, %v", got, err)
	}
	if _, err := w.svc.SCIMUser(w.ctx, 4242, "nope"); !errors.Is(err, extranet.ErrSCIMNotFound) {
		t.Errorf("unknown user: %v", err)
	}

	// A second user with the same userName, or the same person, is refused.
	dup := scimUser("Martin", "Anne", "1985-02-11", "anne@ecole.be", "Enseignant")
	dup.UserName = "JEAN@ecole.be"
	if e := scimErr(t, second(w.svc.SCIMCreate(w.ctx, 4242, dup, extranet.SCIMOptions{}))); e.Status != 409 || e.ScimType != "uniqueness" {
		t.Errorf("same userName: %+v", e)
	}
	twin := scimUser("Dupont", "Jean", "1980-05-04", "autre@ecole.be", "Enseignant")
	if e := scimErr(t, second(w.svc.SCIMCreate(w.ctx, 4242, twin, extranet.SCIMOptions{}))); e.Status != 409 || !strings.Contains(e.Detail, "modifiez l'utilisateur existant") {
		t.Errorf("same person: %+v", e)
	}

	w.night(t)
	// A new role waits for the night; the user shows it at once.
	u, err = w.svc.SCIMReplace(w.ctx, 4242, u.ID, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		in := scimUser(cur.LastName, cur.FirstName, cur.BirthDate, cur.Email, "Directeur")
		in.DisplayName = "Jean Dupont"
		return in, nil
	}, extranet.SCIMOptions{})
	if err != nil || u.Role != "Directeur" || u.DisplayName != "Jean Dupont" || u.State != extranet.GrantActive {
		t.Fatalf("replaced: %+v, %v", u, err)
	}
	if rep := w.night(t); rep.Modified != 1 {
		t.Errorf("night after the new role: %+v", rep)
	}
	// A replace that refuses after reading rolls back.
	stop := errors.New("If-Match failed")
	if _, err := w.svc.SCIMReplace(w.ctx, 4242, u.ID, func(extranet.SCIMUser) (extranet.SCIMUserInput, error) { return extranet.SCIMUserInput{}, stop }, extranet.SCIMOptions{}); !errors.Is(err, stop) {
		t.Errorf("refused replace: %v", err)
	}

	// Inactive: the grant ends at once, the user stays, inactive.
	u, err = w.svc.SCIMReplace(w.ctx, 4242, u.ID, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		in := scimUser(cur.LastName, cur.FirstName, cur.BirthDate, cur.Email, cur.Role)
		in.Active = false
		return in, nil
	}, extranet.SCIMOptions{})
	if err != nil || u.Active || u.State != extranet.GrantDeactivated {
		t.Fatalf("deactivated: %+v, %v", u, err)
	}
	// Active again: it opens at the next night.
	u, err = w.svc.SCIMReplace(w.ctx, 4242, u.ID, func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
		return scimUser(cur.LastName, cur.FirstName, cur.BirthDate, cur.Email, cur.Role), nil
	}, extranet.SCIMOptions{})
	if err != nil || u.State != extranet.GrantPending {
		t.Fatalf("reopened: %+v, %v", u, err)
	}

	// Deleted: gone.
	if err := w.svc.SCIMDelete(w.ctx, 4242, u.ID, func(cur extranet.SCIMUser) error { return nil }, extranet.SCIMOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SCIMUser(w.ctx, 4242, u.ID); !errors.Is(err, extranet.ErrSCIMNotFound) {
		t.Errorf("deleted user: %v", err)
	}
	if err := w.svc.SCIMDelete(w.ctx, 4242, u.ID, nil, extranet.SCIMOptions{}); !errors.Is(err, extranet.ErrSCIMNotFound) {
		t.Errorf("deleted twice: %v", err)
	}
	if g := w.grants(t, 4242)["Dupont Jean"]; g.State != extranet.GrantDeactivated {
		t.Errorf("the school's grant after the deletion: %+v", g)
	}
	if n := w.audited(t, extranet.AuditTransferApplied); n < 4 {
		t.Errorf("%d SCIM writes journaled", n)
	}
}

// What SCIM refuses, with RFC 7644's status and a French detail.
func TestSCIMRefusals(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	w.school(t, 5555, "Autre")
	w.send(t, 5555, staff("Roux", "Yves", "1970-01-01", "17001010003", "yves@autre.be", "Enseignant"))

	for _, test := range []struct {
		name   string
		in     func(in *extranet.SCIMUserInput)
		status int
		want   string
	}{
		{"inactive creation", func(in *extranet.SCIMUserInput) { in.Active = false }, 400, "un utilisateur est créé actif"},
		{"no last name", func(in *extranet.SCIMUserInput) { in.LastName = "" }, 400, "name.familyName : "},
		{"bad e-mail", func(in *extranet.SCIMUserInput) { in.Email = "pas-une-adresse" }, 400, "userName : "},
		{"bad matricule", func(in *extranet.SCIMUserInput) { in.Matricule = "123" }, 400, "employeeNumber : "},
		{"no userName", func(in *extranet.SCIMUserInput) { in.UserName = " " }, 400, "userName manquant"},
		{"long externalId", func(in *extranet.SCIMUserInput) { in.ExternalID = strings.Repeat("x", 256) }, 400, "externalId illisible ou trop long"},
		{"externalId with a NUL", func(in *extranet.SCIMUserInput) { in.ExternalID = "x\x00y" }, 400, "externalId illisible ou trop long"},
		{"unreadable displayName", func(in *extranet.SCIMUserInput) { in.DisplayName = "a\x00b" }, 400, "displayName illisible"},
		{"unreadable userName", func(in *extranet.SCIMUserInput) { in.UserName = "a\x01b" }, 400, "userName illisible"},
		{"unknown role", func(in *extranet.SCIMUserInput) { in.Role = "Concierge" }, 400, "rôle « Concierge » inconnu"},
		{"another's address", func(in *extranet.SCIMUserInput) { in.Email, in.UserName = "yves@autre.be", "yves" }, 409, "l'adresse e-mail"},
		{"matricule with another birth date", func(in *extranet.SCIMUserInput) {
			in.LastName, in.FirstName, in.Matricule = "Roux", "Yves", "17001010003"
		}, 409, "le matricule 17001010003 est déjà connu"},
	} {
		t.Run(test.name, func(t *testing.T) {
			in := scimUser("Neuf", "Paul", "1990-03-03", "paul@ecole.be", "Enseignant")
			test.in(&in)
			e := scimErr(t, second(w.svc.SCIMCreate(w.ctx, 4242, in, extranet.SCIMOptions{})))
			if e.Status != test.status || !strings.Contains(e.Detail, test.want) || e.Error() != e.Detail {
				t.Errorf("got %d %q, want %d %q", e.Status, e.Detail, test.status, test.want)
			}
		})
	}
	if users, _ := w.svc.SCIMUsers(w.ctx, 4242); len(users) != 0 {
		t.Errorf("refused writes created %d users", len(users))
	}
	// The rejected entries wait for operators, as a transfer's do.
	open, err := w.st.Rejections(w.ctx, extranet.RejectionFilter{FASE: 4242, OpenOnly: true})
	if err != nil || len(open) == 0 {
		t.Errorf("rejections kept: %d, %v", len(open), err)
	}
	if _, err := w.svc.SCIMCreate(w.ctx, 77, scimUser("Neuf", "Paul", "1990-03-03", "paul@ecole.be", "Enseignant"), extranet.SCIMOptions{}); !errors.Is(err, extranet.ErrUnknownSchool) {
		t.Errorf("unknown school: %v", err)
	}
}

// A burst of SCIM deletions is held past max(4, 20 %) in 24 hours, until
// the school or an operator confirms it.
func TestSCIMGuard(t *testing.T) {
	w := newWorld(t)
	w.school(t, 4242, "École")
	var ids []string
	for i := 1; i <= 10; i++ {
		u, err := w.svc.SCIMCreate(w.ctx, 4242, scimUser(fmt.Sprintf("Prof%02d", i), "Test", fmt.Sprintf("1980-01-%02d", i),
			fmt.Sprintf("prof%02d@ecole.be", i), "Enseignant"), extranet.SCIMOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	for _, id := range ids[:4] {
		if err := w.svc.SCIMDelete(w.ctx, 4242, id, nil, extranet.SCIMOptions{}); err != nil {
			t.Fatalf("deletion within the guard: %v", err)
		}
	}
	err := w.svc.SCIMDelete(w.ctx, 4242, ids[4], nil, extranet.SCIMOptions{})
	if e := scimErr(t, err); e.Status != 409 || !strings.Contains(e.Detail, "ce serait la 5e désactivation de l'école en 24 heures, pour 6 accès ouverts") {
		t.Fatalf("fifth deletion: %+v", e)
	}
	if n := w.audited(t, extranet.AuditSCIMHeld); n != 1 {
		t.Errorf("%d held deletions audited", n)
	}
	if err := w.svc.SCIMDelete(w.ctx, 4242, ids[4], nil, extranet.SCIMOptions{ConfirmDeactivations: 5}); err != nil {
		t.Fatalf("confirmed by the school: %v", err)
	}
	if err := w.svc.ConfirmSCIMDeactivations(w.ctx, 4242, 0, "operator:ana"); err == nil {
		t.Error("confirming 0: no error")
	}
	if err := w.svc.ConfirmSCIMDeactivations(w.ctx, 77, 3, "operator:ana"); !errors.Is(err, extranet.ErrUnknownSchool) {
		t.Errorf("unknown school: %v", err)
	}
	if err := w.svc.ConfirmSCIMDeactivations(w.ctx, 4242, 6, "operator:ana"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.SCIMDelete(w.ctx, 4242, ids[5], nil, extranet.SCIMOptions{}); err != nil {
		t.Errorf("confirmed by an operator: %v", err)
	}
	if n := w.audited(t, extranet.AuditSCIMConfirmed); n != 1 {
		t.Errorf("%d confirmations audited", n)
	}
	if users, _ := w.svc.SCIMUsers(w.ctx, 4242); len(users) != 4 {
		t.Errorf("%d users left, want 4", len(users))
	}
}
