package portal

import (
	"testing"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
)

// TestConsoleRentree: after the school year's last day, the console shows
// the accesses carried over, by school, and their deadline.
func TestConsoleRentree(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed()
	c := e.signInOperator("ana")
	noBody(t, c.get("/console/"), "reconduits")

	e.clock.Set(time.Date(2027, time.July, 2, 20, 0, 0, 0, frtext.Brussels))
	rep := e.night()
	if rep.CarriedOver != 4 || rep.CarriedSchools != 2 || rep.Expired != 0 {
		t.Fatalf("night of 3 July 2027 = %+v", rep)
	}
	c = e.signInOperator("ana") // the session of November has expired
	wantBody(t, c.get("/console/"), "accès de l'année terminée reconduits dans 2 écoles qui n'ont pas encore envoyé la nouvelle année", "jusqu'au 30/09/2027")
	nights := c.get("/console/nuits")
	wantBody(t, nights, "Rentrée : accès reconduits jusqu'au 30/09/2027", `<a href="/console/ecoles/4242">4242</a>`,
		"jusqu'au 30/09/2027</span>")

	// School A sends the new year: only B is left.
	e.clock.Set(time.Date(2027, time.August, 20, 10, 0, 0, 0, frtext.Brussels))
	if _, err := e.svc.Transfer(e.ctx, faseA, extranet.Snapshot{SchoolYear: "2027-2028", Staff: staffA}, extranet.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	if rep := e.night(); rep.CarriedOver != 1 || rep.Renewed != 3 || rep.Sent != 0 {
		t.Fatalf("night after A's new year = %+v", rep)
	}
	c = e.signInOperator("ana")
	nights = c.get("/console/nuits")
	wantBody(t, nights, `<a href="/console/ecoles/5353">5353</a>`)
	noBody(t, nights, `<a href="/console/ecoles/4242">4242</a>`)
}

// TestDirectionToldOfTheRentree: during the carry-over, the director's space
// says that the school has not sent the new year and until when its
// accesses last; in warning colours as the deadline nears.
func TestDirectionToldOfTheRentree(t *testing.T) {
	e := newEnv(t)
	e.seed()
	noBody(t, e.signIn(remy.Email).get("/direction/4242"), `id="rentree"`)

	e.clock.Set(time.Date(2027, time.July, 2, 20, 0, 0, 0, frtext.Brussels))
	e.night()
	page := e.signIn(remy.Email).get("/direction/4242")
	wantBody(t, page, `<div class="flash flash-info" role="status" id="rentree">`,
		"Les 3 accès de l'année 2026-2027 restent ouverts jusqu'au 30/09/2027 inclus")

	e.clock.Set(time.Date(2027, time.September, 20, 10, 0, 0, 0, frtext.Brussels))
	wantBody(t, e.signIn(remy.Email).get("/direction/4242"), `<div class="flash flash-warning" role="status" id="rentree">`)

	// Once the school sent the new year, the notice goes.
	if _, err := e.svc.Transfer(e.ctx, faseA, extranet.Snapshot{SchoolYear: "2027-2028", Staff: staffA}, extranet.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	page = e.signIn(remy.Email).get("/direction/4242")
	noBody(t, page, `id="rentree"`)
	wantBody(t, page, "3 créés dont 3 renouvelés, 0 modifié")
}
