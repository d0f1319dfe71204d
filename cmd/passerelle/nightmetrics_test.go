package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"passerelle/api"
	"passerelle/extranet"
)

// TestSimulatedNightCounts: a night an operator runs from the console (the
// demo's « Simuler la nuit », Portal.RunNight) counts in the metrics like a
// scheduled one.
func TestSimulatedNightCounts(t *testing.T) {
	svc := xtService(t, "sqlite:"+filepath.Join(t.TempDir(), "extranet.db"))
	srv := newExtranetServer(svc, api.DefaultMaxBodyBytes, slog.New(slog.DiscardHandler))
	p := &extranet.Portal{Store: svc.Store.(extranet.PortalStore), Service: svc}
	for range 2 {
		if _, err := p.RunNight(context.Background(), "operator:ana", nil); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `passerelle_extranet_night_runs_total{outcome="ok"} 2`) {
		t.Errorf("the console's nights are not counted:\n%s", body)
	}
}
