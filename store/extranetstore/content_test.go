package extranetstore_test

import (
	"errors"
	"strings"
	"testing"

	"passerelle/extranet"
)

// TestSpaceContent: operators' content for the spaces, for every school or
// one, validated, ordered, replaced, deleted and audited.
func TestSpaceContent(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *portalEnv) {
		e.addSchool(t, 4242, "École A")
		e.addSchool(t, 5353, "École B")
		save := func(it extranet.SpaceItem) extranet.SpaceItem {
			t.Helper()
			it, err := e.portal.SaveSpaceItem(e.ctx, it, "operator:ana")
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		cal := save(extranet.SpaceItem{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Title: "Calendrier scolaire",
			URL: "https://www.enseignement.be/", Position: 2})
		save(extranet.SpaceItem{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Title: "Programmes", URL: "https://example.org/", Position: 1})
		save(extranet.SpaceItem{Space: extranet.SpaceTeachers, Kind: extranet.ItemNotice, Title: "Journée pédagogique", Text: "Le 12/12 à A.", FASE: 4242, Position: 9})
		save(extranet.SpaceItem{Space: extranet.SpaceDirection, Kind: extranet.ItemNotice, Title: "Circulaire", Text: "À lire."})

		titles := func(fases []int) string {
			items, err := e.st.SpaceItems(e.ctx, extranet.SpaceTeachers, fases)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range items {
				out = append(out, it.Title)
			}
			return strings.Join(out, ", ")
		}
		if got := titles([]int{4242}); got != "Journée pédagogique, Programmes, Calendrier scolaire" {
			t.Errorf("school A's teachers see %q", got)
		}
		if got := titles([]int{5353}); got != "Programmes, Calendrier scolaire" {
			t.Errorf("school B's teachers see %q", got)
		}
		if got := titles(nil); !strings.Contains(got, "Journée pédagogique") {
			t.Errorf("the console sees %q", got)
		}

		// Replaced, then deleted.
		cal.Title = "Calendrier de l'année"
		save(cal)
		if it, err := e.st.SpaceItem(e.ctx, cal.ID); err != nil || it.Title != "Calendrier de l'année" || it.UpdatedBy != "operator:ana" {
			t.Errorf("after the change: %+v, %v", it, err)
		}
		if err := e.portal.DeleteSpaceItem(e.ctx, cal.ID, "operator:ana"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.SpaceItem(e.ctx, cal.ID); !errors.Is(err, extranet.ErrNotFound) {
			t.Errorf("deleted item: %v", err)
		}

		// Refused, nothing written.
		for _, bad := range []extranet.SpaceItem{
			{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Title: "Sans lien"},
			{Space: extranet.SpaceTeachers, Kind: extranet.ItemLink, Title: "Script", URL: "javascript:alert(1)"},
			{Space: "autre", Kind: extranet.ItemNotice, Title: "Ailleurs"},
			{Space: extranet.SpaceTeachers, Kind: extranet.ItemNotice, Title: ""},
			{Space: extranet.SpaceTeachers, Kind: extranet.ItemNotice, Title: "École inconnue", FASE: 9999},
		} {
			var refusedErr *extranet.RefusedError
			if _, err := e.portal.SaveSpaceItem(e.ctx, bad, "operator:ana"); !errors.As(err, &refusedErr) {
				t.Errorf("SaveSpaceItem(%+v) = %v, want a refusal", bad, err)
			}
		}
		if n := e.count(t, `SELECT COUNT(*) FROM space_items`); n != 3 {
			t.Errorf("%d items, want 3", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM audit WHERE action IN (?, ?)`, extranet.AuditContentSaved, extranet.AuditContentDeleted); n != 6 {
			t.Errorf("%d content entries in the audit, want 6", n)
		}
	})
}
