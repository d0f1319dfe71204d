package testkit

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"passerelle/api"
	"passerelle/extranet"
	"passerelle/store/extranetstore"
)

// School is a school to register with a test extranet.
type School struct {
	FASE int
	Name string
}

// ExtranetOptions say how StartExtranet builds the extranet. The zero value
// is an extranet on SQLite, on the real clock, with no school.
type ExtranetOptions struct {
	// DB is the store's URL; "" is a SQLite file in t.TempDir().
	DB string
	// Now is the service's clock; nil is time.Now.
	Now func() time.Time
	// Schools are registered in this order; their tokens are in
	// Extranet.Tokens.
	Schools []School
	// Log receives the service's and the API's logs; nil is slog.Default(),
	// the rule of every package.
	Log *slog.Logger
	// Mount, when set, adds handlers (SCIM, the portal) to x.API before the
	// server starts; x.URL is already known.
	Mount func(x *Extranet)
	// Wrap, when set, wraps the whole handler (a proxy that drops an
	// answer, a flaky front).
	Wrap func(http.Handler) http.Handler
}

// Extranet is a real extranet, as cmd/passerelle wires it, served over HTTP
// on loopback until the test ends.
type Extranet struct {
	Store   *extranetstore.Store
	Service *extranet.Service
	API     *api.Server
	Server  *httptest.Server
	// URL is the server's address, "http://127.0.0.1:PORT" (no final
	// slash), as a school's settings hold it.
	URL string
	// Tokens are the registered schools' API tokens, by FASE number.
	Tokens map[int]string
}

// StartExtranet opens the store, starts the extranet over HTTP and
// registers the schools. Everything is closed when the test ends.
func StartExtranet(t testing.TB, o ExtranetOptions) *Extranet {
	t.Helper()
	ctx := context.Background()
	if o.DB == "" {
		o.DB = "sqlite:" + filepath.Join(t.TempDir(), "extranet.db")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	st, err := extranetstore.Open(ctx, o.DB)
	if err != nil {
		t.Fatalf("testkit: open the extranet's store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ts := httptest.NewUnstartedServer(nil)
	t.Cleanup(ts.Close)
	svc := &extranet.Service{Store: st, Now: o.Now, Log: o.Log}
	x := &Extranet{
		Store: st, Service: svc, Server: ts, Tokens: map[int]string{},
		API: api.NewServer(svc, api.ServerOptions{Log: o.Log}),
		URL: "http://" + ts.Listener.Addr().String(),
	}
	if o.Mount != nil {
		o.Mount(x)
	}
	ts.Config.Handler = x.API.Handler()
	if o.Wrap != nil {
		ts.Config.Handler = o.Wrap(ts.Config.Handler)
	}
	ts.Start()
	for _, s := range o.Schools {
		if x.Tokens[s.FASE], err = svc.AddSchool(ctx, s.FASE, s.Name, "test"); err != nil {
			t.Fatalf("testkit: register school %d: %v", s.FASE, err)
		}
	}
	return x
}
