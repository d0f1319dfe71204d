package extranetstore_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"passerelle/extranet"
)

// scimRun is a SCIM write of the equivalence test: what it does, and the
// HTTP status it must answer (0: it goes through).
type scimRun struct {
	name   string
	status int
	write  func() error
}

// A SCIM write reads and reconciles only the grants it can touch
// (Tx.SCIMRelated). For a varied set of writes, on both stores, the
// decision it applies — the answer, the rejection recorded, the persons and
// grants written, the deactivations, the journal's changes, the guard's
// counts — must be the one the school's whole set of grants gives
// (Service.SCIMCheck decides each write both ways in its transaction).
func TestSCIMSubsetDecidesAsTheWholeSchool(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		checked := 0
		e.svc.SCIMCheck = func(subset, full string) {
			checked++
			if subset != full {
				t.Errorf("from the grants it can touch, the write decides\n%s\nfrom the whole school\n%s", subset, full)
			}
		}
		e.addSchool(t, 4242, "École A")
		e.addSchool(t, 5353, "École B")
		e.addSchool(t, 6464, "École C")
		staffA := append(numbered("Garde", 8),
			person("Dupont", "Jean", "1970-01-02", "", "jean@a.be", "Enseignant"),
			person("Martin", "Anne", "1971-02-03", "", "anne@a.be", "Directeur"),
			person("Leroy", "Paul", "1975-04-05", "17504050111", "paul@a.be", "Enseignant"),
			// Namesakes, told apart by their matricules.
			person("Simon", "Marie", "1980-01-01", "18001010111", "marie1@a.be", "Enseignant"),
			person("Simon", "Marie", "1980-01-01", "18001010222", "marie2@a.be", "Enseignant"),
			// Born the same day as Dupont, another name.
			person("Bernard", "Luc", "1970-01-02", "", "luc@a.be", "Enseignant"))
		e.transfer(t, 4242, snapshot(staffA...))
		e.transfer(t, 5353, snapshot(
			person("Dupont", "Jean", "1970-01-02", "", "jean.dupont@b.be", "Enseignant"),
			person("Lambert", "Lucie", "1972-03-04", "", "lucie@b.be", "Enseignant")))

		users := map[string]string{} // userName → id, at each school
		create := func(fase int, last, first, birth, matricule, email, role string) func() error {
			return func() error {
				u, err := e.svc.SCIMCreate(e.ctx, fase, extranet.SCIMUserInput{UserName: email, LastName: last, FirstName: first,
					BirthDate: birth, Matricule: matricule, Email: email, Role: role, Active: true}, extranet.SCIMOptions{})
				if err == nil {
					users[email] = u.ID
				}
				return err
			}
		}
		replace := func(fase int, userName string, change func(in *extranet.SCIMUserInput)) func() error {
			return func() error {
				_, err := e.svc.SCIMReplace(e.ctx, fase, users[userName], func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
					in := extranet.SCIMUserInput{ExternalID: cur.ExternalID, UserName: cur.UserName, DisplayName: cur.DisplayName,
						LastName: cur.LastName, FirstName: cur.FirstName, BirthDate: cur.BirthDate, Matricule: cur.Matricule,
						Email: cur.Email, Role: cur.Role, Active: cur.Active}
					change(&in)
					return in, nil
				}, extranet.SCIMOptions{})
				return err
			}
		}
		del := func(fase int, userName string, confirm int) func() error {
			return func() error {
				return e.svc.SCIMDelete(e.ctx, fase, users[userName], nil, extranet.SCIMOptions{ConfirmDeactivations: confirm})
			}
		}
		// The snapshot's grants as SCIM users: their userName is their
		// address.
		us, err := e.svc.SCIMUsers(e.ctx, 4242)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			users[u.UserName] = u.ID
		}
		runs := []scimRun{
			{"a new person", 0, create(4242, "Neuve", "Paule", "1980-05-06", "", "paule@a.be", "Enseignant")},
			{"a person another school knows (weak match)", 0, create(6464, "Dupont", "Jean", "1970-01-02", "", "jean@c.be", "Enseignant")},
			{"the same person again at the school", 409, create(6464, "Dupont", "Jean", "1970-01-02", "", "jean2@c.be", "Enseignant")},
			{"a matricule learnt by a person two schools share", 0, create(6464, "Lambert", "Lucie", "1972-03-04", "17203040111", "lucie@c.be", "Enseignant")},
			{"a person in two schools, by matricule, at a third", 0, create(6464, "Leroy", "Paul", "1975-04-05", "17504050111", "paul@c.be", "Directeur")},
			{"namesakes: ambiguous", 400, create(5353, "Simon", "Marie", "1980-01-01", "", "marie@b.be", "Enseignant")},
			{"namesakes: told by the matricule", 0, create(5353, "Simon", "Marie", "1980-01-01", "18001010222", "marie@b.be", "Enseignant")},
			{"a matricule known with another birth date", 409, create(5353, "Leroy", "Paul", "1975-04-06", "17504050111", "paul2@b.be", "Enseignant")},
			{"an address another school's grant holds", 409, create(6464, "Autre", "Personne", "1990-01-01", "", "luc@a.be", "Enseignant")},
			{"an address another user of the school holds", 409, create(4242, "Autre", "Personne", "1990-01-01", "", "jean@a.be", "Enseignant")},
			{"an unknown role", 400, create(4242, "Rôle", "Inconnu", "1991-01-01", "", "role@a.be", "Secrétaire")},
			{"the rejected address, now right", 0, create(4242, "Rôle", "Inconnu", "1991-01-01", "", "role@a.be", "Enseignant")},
			{"a userName taken, in another case", 409, create(4242, "Autre", "Personne", "1990-01-01", "", "JEAN@A.BE", "Enseignant")},
			{"a role changed", 0, replace(4242, "jean@a.be", func(in *extranet.SCIMUserInput) { in.Role = "Directeur" })},
			{"nothing changed", 0, replace(4242, "jean@a.be", func(in *extranet.SCIMUserInput) {})},
			{"a rename", 0, replace(4242, "paule@a.be", func(in *extranet.SCIMUserInput) { in.LastName = "Neuve-Durand" })},
			{"a rename into a namesake", 400, replace(4242, "luc@a.be", func(in *extranet.SCIMUserInput) { in.LastName, in.FirstName = "Dupont", "Jean" })},
			{"a new address", 0, replace(4242, "anne@a.be", func(in *extranet.SCIMUserInput) { in.Email = "anne.martin@a.be" })},
			{"an address another grant of the school holds", 409, replace(4242, "luc@a.be", func(in *extranet.SCIMUserInput) { in.Email = "paul@a.be" })},
			{"a matricule added", 0, replace(4242, "jean@a.be", func(in *extranet.SCIMUserInput) { in.Matricule = "17001020111" })},
			{"another birth date", 400, replace(4242, "luc@a.be", func(in *extranet.SCIMUserInput) { in.BirthDate = "1970-01-03" })},
			{"the matricule of another person", 409, replace(4242, "luc@a.be", func(in *extranet.SCIMUserInput) { in.Matricule = "17504050111" })},
			{"deactivated", 0, replace(4242, "paule@a.be", func(in *extranet.SCIMUserInput) { in.Active = false })},
			{"inactive, renamed", 0, replace(4242, "paule@a.be", func(in *extranet.SCIMUserInput) { in.DisplayName = "P. N." })},
			{"active again", 0, replace(4242, "paule@a.be", func(in *extranet.SCIMUserInput) { in.Active = true })},
			{"deleted", 0, del(4242, "garde01@ecole.be", 0)},
			{"deleted", 0, del(4242, "garde02@ecole.be", 0)},
			{"deleted", 0, del(4242, "garde03@ecole.be", 0)},
			{"deleted", 0, del(4242, "garde04@ecole.be", 0)},
			{"deleted, the guard holds", 409, del(4242, "garde06@ecole.be", 0)},
			{"deleted, confirmed", 0, del(4242, "garde06@ecole.be", 10)},
			{"created again after its deletion", 0, create(4242, "Garde01", "Test", "1980-01-01", "", "garde01@ecole.be", "Enseignant")},
		}
		for i, r := range runs {
			err := r.write()
			var se *extranet.SCIMError
			switch {
			case r.status == 0 && err != nil:
				t.Fatalf("%d, %s: %v", i, r.name, err)
			case r.status != 0 && (!errors.As(err, &se) || se.Status != r.status):
				t.Fatalf("%d, %s: %v, want status %d", i, r.name, err, r.status)
			}
		}
		if checked < len(runs)-2 {
			t.Fatalf("%d decisions compared for %d writes", checked, len(runs))
		}

		db := e.st.DB()
		exec := func(query string, args ...any) {
			t.Helper()
			if _, err := db.W.ExecContext(e.ctx, db.Rebind(query), args...); err != nil {
				t.Fatal(err)
			}
		}
		// A person whose birth date an operator corrected (linking a
		// rejected entry to them): the grants other schools sent with the
		// former one now differ from their person.
		exec(`UPDATE persons SET birth_date = ?, identity_key = ? WHERE identity_key = ?`,
			"1980-01-01", "lambert|lucie|1980-01-01", "lambert|lucie|1972-03-04")
		for i, r := range []scimRun{
			{"a namesake born on the person's new birth date", 0, create(5353, "Simon", "Marie", "1980-01-01", "18001010111", "marie1@b.be", "Enseignant")},
			{"the person by their new birth date", 409, create(5353, "Lambert", "Lucie", "1980-01-01", "", "lucie2@b.be", "Enseignant")},
			{"someone else, born on the former one", 0, create(5353, "Autre", "Lucie", "1972-03-04", "", "autre.lucie@b.be", "Enseignant")},
			{"a namesake of the corrected person, with a matricule", 0, create(5353, "Lambert", "Lucie", "1980-01-01", "18001019999", "lucie.n@b.be", "Enseignant")},
			// The namesake's entry meets the corrected person, whose grant
			// was sent with the former birth date: the school is read whole.
			{"someone born that day", 0, create(5353, "Autre", "Marie", "1980-01-01", "", "autre.marie@b.be", "Enseignant")},
			{"the namesake without matricule: ambiguous", 400, create(5353, "Lambert", "Lucie", "1980-01-01", "", "lucie.x@b.be", "Enseignant")},
		} {
			err := r.write()
			var se *extranet.SCIMError
			if (r.status == 0 && err != nil) || (r.status != 0 && (!errors.As(err, &se) || se.Status != r.status)) {
				t.Fatalf("%d, %s: %v, want status %d", i, r.name, err, r.status)
			}
		}

		// A grant that does not hold what its school sent (one sent before
		// the grants kept it, say): the write reads the whole school, and
		// decides as it.
		exec(`UPDATE grants SET sent_birth_date = NULL, sent_matricule = '' WHERE email = ?`, "garde05@ecole.be")
		if err := create(4242, "Neuf", "Jules", "1985-01-01", "", "jules@a.be", "Enseignant")(); err == nil ||
			!strings.Contains(err.Error(), "toucherait d'autres accès") {
			t.Fatalf("a school with a grant sent without identity: %v", err)
		}
	})
}

// The same comparison on writes drawn at random from a few names, birth
// dates, matricules and addresses that meet often: namesakes, people born
// the same day, one person at several schools, addresses given twice.
func TestSCIMSubsetDecidesAsTheWholeSchoolAtRandom(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		checked, differ := 0, 0
		e.svc.SCIMCheck = func(subset, full string) {
			checked++
			if subset != full && differ < 3 {
				differ++
				t.Errorf("from the grants it can touch, the write decides\n%s\nfrom the whole school\n%s", subset, full)
			}
		}
		schools := []int{4242, 5353, 6464}
		for _, f := range schools {
			e.addSchool(t, f, fmt.Sprintf("École %d", f))
		}
		e.transfer(t, 4242, snapshot(
			person("Dupont", "Jean", "1970-01-02", "", "dupont@a.be", "Enseignant"),
			person("Durand", "Jean", "1970-01-02", "17001020222", "durand@a.be", "Enseignant")))
		lasts := []string{"Dupont", "Durand", "Dupont-Durand"}
		births := []string{"1970-01-02", "1970-01-03", ""}
		mats := []string{"", "", "17001020111", "17001020222", "17001030333"}
		rng := rand.New(rand.NewPCG(1, 2))
		pick := func(vals []string) string { return vals[rng.IntN(len(vals))] }
		ids := map[int][]string{}
		for i := 0; i < 300; i++ {
			fase := schools[rng.IntN(len(schools))]
			in := extranet.SCIMUserInput{LastName: pick(lasts), FirstName: "Jean", BirthDate: pick(births), Matricule: pick(mats),
				Email: fmt.Sprintf("u%d@x.be", rng.IntN(8)), Role: pick([]string{"Enseignant", "Directeur"}), Active: true}
			if in.BirthDate == "" && in.Matricule == "" {
				in.Matricule = "17001020111"
			}
			in.UserName = in.Email
			var err error
			switch n := len(ids[fase]); {
			case n == 0 || rng.IntN(3) == 0:
				var u extranet.SCIMUser
				if u, err = e.svc.SCIMCreate(e.ctx, fase, in, extranet.SCIMOptions{}); err == nil {
					ids[fase] = append(ids[fase], u.ID)
				}
			case rng.IntN(5) == 0:
				err = e.svc.SCIMDelete(e.ctx, fase, ids[fase][rng.IntN(n)], nil, extranet.SCIMOptions{ConfirmDeactivations: 100})
			default:
				_, err = e.svc.SCIMReplace(e.ctx, fase, ids[fase][rng.IntN(n)], func(cur extranet.SCIMUser) (extranet.SCIMUserInput, error) {
					out := in
					if rng.IntN(2) == 0 { // a rename or a new address of the same person
						out.BirthDate, out.Matricule = cur.BirthDate, cur.Matricule
					}
					out.Active = rng.IntN(6) != 0
					return out, nil
				}, extranet.SCIMOptions{ConfirmDeactivations: 100})
			}
			var se *extranet.SCIMError
			if err != nil && !errors.As(err, &se) {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		if checked < 150 {
			t.Fatalf("%d decisions compared", checked)
		}
	})
}
