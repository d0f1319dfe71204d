package demo

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/api"
	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/school/demodata"
	"passerelle/store/extranetstore"
	"passerelle/store/schoolstore"
	"passerelle/transfer"
	"passerelle/wire"
)

// TestSeedExtranet proves the demo's promise: with the demo school's data and
// an extranet seeded by SeedExtranet, the first transfer over real HTTP shows
// Complété, Erreur, Modifié, Créé and Désactivé at once, and a second one
// right after changes nothing.
func TestSeedExtranet(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 18, 0, 0, 0, frtext.Brussels)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	tables := fwb.DefaultTables()

	ss, err := schoolstore.Open(ctx, "sqlite:"+filepath.Join(dir, "school.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	if _, err := demodata.Load(ctx, ss, tables, now); err != nil {
		t.Fatal(err)
	}
	rows, err := ss.Rows(ctx, demodata.FASE)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 20 {
		t.Fatalf("%d demo rows, want 20", len(rows))
	}

	xs, err := extranetstore.Open(ctx, "sqlite:"+filepath.Join(dir, "extranet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer xs.Close()
	svc := &extranet.Service{Store: xs, Now: clock, Log: slog.New(slog.DiscardHandler)}
	token, err := SeedExtranet(ctx, svc, demodata.FASE, demodata.Name, rows, tables, now)
	if err != nil {
		t.Fatal(err)
	}
	// The prior state's accesses are open: the night has run.
	grants, err := svc.Grants(ctx, demodata.FASE, "2026-2027")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grants.Staff {
		if g.State != "active" {
			t.Errorf("%s %s: %s, want active", g.FirstName, g.LastName, g.State)
		}
		// The prior state is a past: its dates never come after now.
		if !g.Since.Before(now) {
			t.Errorf("%s %s: active since %s, after now (%s)", g.FirstName, g.LastName, g.Since, now)
		}
	}
	if items, err := xs.SpaceItems(ctx, "", nil); err != nil || len(items) != len(spaceContent) {
		t.Errorf("the spaces' content: %d items, %v", len(items), err)
	}
	if nights, err := svc.NightReports(ctx, 1); err != nil || len(nights) != 1 || !nights[0].At.Before(now) || !nights[0].Started.Before(now) {
		t.Errorf("the prior night: %+v, %v, want one night before now", nights, err)
	}

	ts := httptest.NewServer(api.NewServer(svc, api.ServerOptions{}).Handler())
	defer ts.Close()
	if err := ss.SaveSettings(ctx, school.Settings{FASE: demodata.FASE, ExtranetURL: ts.URL, Token: token, AutoHour: school.DefaultAutoHour}); err != nil {
		t.Fatal(err)
	}
	r := &transfer.Runner{Store: ss, Tables: tables, Now: clock}

	out, err := r.Run(ctx, demodata.FASE, transfer.Options{By: "direction"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`Information : Complété Rôle Extranet "Enseignant" chez Guy Ludo`,
		`Information : Complété Rôle Extranet "Enseignant" chez Olaf Walter`,
		"Erreur : Non transférée Talia Gensen – adresse e-mail école manquante",
		"Information : Modifié Rôle Remy Milord – Directeur",
		"↳ rôle : Enseignant → Directeur",
		"Avertissement : Créé Rôle Martine Wagner – Enseignant",
		"Avertissement : Créé Rôle Olaf Walter – Enseignant",
		"Avertissement : Désactivé Rôle Nathalie Lemaire – Enseignant",
		transfer.LineDone, transfer.LineNotNow,
	}
	if !slices.Equal(out.Messages, want) {
		t.Fatalf("first transfer:\n%s\nwant:\n%s", strings.Join(out.Messages, "\n"), strings.Join(want, "\n"))
	}

	out, err = r.Run(ctx, demodata.FASE, transfer.Options{By: "direction"})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"Erreur : Non transférée Talia Gensen – adresse e-mail école manquante",
		transfer.LineNoChange, transfer.LineDone, transfer.LineNotNow,
	}
	if !slices.Equal(out.Messages, want) {
		t.Fatalf("second transfer:\n%s\nwant:\n%s", strings.Join(out.Messages, "\n"), strings.Join(want, "\n"))
	}
	// Talia Gensen, held back, kept the access she had.
	grants, err = svc.Grants(ctx, demodata.FASE, "2026-2027")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(grants.Staff, func(g wire.GrantEntry) bool { return g.LastName == "Gensen" })
	if i < 0 || grants.Staff[i].State != "active" {
		t.Errorf("held-back member's access not kept: %+v", grants.Staff)
	}
}
