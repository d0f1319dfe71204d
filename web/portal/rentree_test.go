package portal

import (
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/wire"
	"reflect"
	"strings"
)

// TestConsoleRentree: after the school year's last day, the console shows
// the accesses carried over, by school, and their deadline.
func TestConsoleRentree(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	c := e.signInOperator("ana")
	if doc(t, c.get("/console/")).Has("#reconduits-carte") {
		t.Error("carried-over accesses shown before any carry-over")
	}

	e.clock.Set(time.Date(2027, time.July, 2, 20, 0, 0, 0, frtext.Brussels))
	rep := e.night()
	if rep.CarriedOver != 4 || rep.CarriedSchools != 2 || rep.Expired != 0 {
		t.Fatalf("night of 3 July 2027 = %+v", rep)
	}
	c = e.signInOperator("ana") // the session of November has expired
	card := doc(t, c.get("/console/")).One("a#reconduits-carte")
	if card.One(".card-value").Text() != "4" || card.Attr("href") != "/console/nuits#reconduits" ||
		!strings.HasSuffix(card.Text(), "accès de l'année terminée reconduits dans 2 écoles qui n'ont pas encore envoyé la nouvelle année, jusqu'au 30/09/2027") {
		t.Errorf("carry-over card: %s", card.HTML())
	}
	nights := c.get("/console/nuits")
	wantIn(t, nights, "h2#reconduits", "Rentrée : accès reconduits jusqu'au 30/09/2027")
	if got := links(t, nights, "#ecoles-reconduites"); !reflect.DeepEqual(got, []string{"/console/ecoles/4242", "/console/ecoles/5353"}) {
		t.Errorf("carried-over schools link to %q", got)
	}
	wantRow(t, nights, "#ecoles-reconduites", "4242", schoolA, "2026-2027", "3")
	wantIn(t, nights, "#nuits tbody", "jusqu'au 30/09/2027")

	// School A sends the new year: only B is left.
	e.clock.Set(time.Date(2027, time.August, 20, 10, 0, 0, 0, frtext.Brussels))
	if _, err := e.svc.Transfer(e.ctx, faseA, wire.Snapshot{SchoolYear: "2027-2028", Staff: staffA}, extranet.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	if rep := e.night(); rep.CarriedOver != 1 || rep.Renewed != 3 || rep.Sent != 0 {
		t.Fatalf("night after A's new year = %+v", rep)
	}
	c = e.signInOperator("ana")
	nights = c.get("/console/nuits")
	if got := links(t, nights, "#ecoles-reconduites"); !reflect.DeepEqual(got, []string{"/console/ecoles/5353"}) {
		t.Errorf("after A's new year, carried-over schools link to %q", got)
	}
}

// TestDirectionToldOfTheRentree: during the carry-over, the director's space
// says that the school has not sent the new year and until when its
// accesses last; in warning colours as the deadline nears.
func TestDirectionToldOfTheRentree(t *testing.T) {
	e := newEnv(t)
	e.seed()
	if doc(t, e.signIn(remy.Email).get("/direction/4242")).Has("#rentree") {
		t.Error("carry-over notice before the carry-over")
	}

	e.clock.Set(time.Date(2027, time.July, 2, 20, 0, 0, 0, frtext.Brussels))
	e.night()
	page := e.signIn(remy.Email).get("/direction/4242")
	notice := doc(t, page).One("#rentree")
	if notice.Attr("class") != "flash flash-info" || notice.Attr("role") != "status" {
		t.Errorf("notice: %s", notice.HTML())
	}
	wantIn(t, page, "#rentree", "Les 3 accès de l'année 2026-2027 restent ouverts jusqu'au 30/09/2027 inclus")

	e.clock.Set(time.Date(2027, time.September, 20, 10, 0, 0, 0, frtext.Brussels))
	if got := doc(t, e.signIn(remy.Email).get("/direction/4242")).One("#rentree").Attr("class"); got != "flash flash-warning" {
		t.Errorf("notice 10 days before the deadline: class %q", got)
	}

	// Once the school sent the new year, the notice goes.
	if _, err := e.svc.Transfer(e.ctx, faseA, wire.Snapshot{SchoolYear: "2027-2028", Staff: staffA}, extranet.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	page = e.signIn(remy.Email).get("/direction/4242")
	if doc(t, page).Has("#rentree") {
		t.Error("carry-over notice after the new year")
	}
	wantIn(t, page, ".transfer p.muted", "3 créés dont 3 renouvelés, 0 modifié")
}
