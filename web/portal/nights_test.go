package portal

import (
	"strings"
	"testing"
	"time"

	"passerelle/frtext"
)

// TestNightsInTimeOrder: the console lists the nights in the order of the
// nights themselves, whenever they ran.
func TestNightsInTimeOrder(t *testing.T) {
	e := newEnv(t)
	e.operator("ana")
	e.seed() // the night of the 27th at 02:00
	// Run afterwards, for an earlier date.
	if _, err := e.svc.Night(e.ctx, time.Date(2026, 11, 20, 2, 0, 0, 0, frtext.Brussels), nil); err != nil {
		t.Fatal(err)
	}
	body := e.signInOperator("ana").get("/console/nuits").body
	later, earlier := strings.Index(body, "27/11/2026 à 02:00"), strings.Index(body, "20/11/2026 à 02:00")
	if later < 0 || earlier < 0 || later > earlier {
		t.Errorf("nights out of order: the 27th at %d, the 20th at %d", later, earlier)
	}
}
