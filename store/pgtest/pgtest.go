// Package pgtest gives tests a real PostgreSQL database.
//
// When PASSERELLE_TEST_POSTGRES holds a connection URL (make test starts one
// cluster for the whole run and sets it), each call creates a fresh database on
// that server. Otherwise the first call starts a private cluster with initdb and
// pg_ctl in a temporary folder, shared by the tests of the package and stopped
// by Stop (call it from TestMain).
//
// When no PostgreSQL can be had, tests are skipped, except under CI (the CI
// variable is set), where it is a failure: a green run must have tested both
// stores.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"passerelle/store/pgcluster"
)

// EnvURL names the variable that points tests at a running server.
const EnvURL = "PASSERELLE_TEST_POSTGRES"

var (
	once     sync.Once
	baseURL  string
	dir      string
	startErr error
	counter  atomic.Int64
)

var cluster *pgcluster.Cluster

func start() {
	if u := os.Getenv(EnvURL); u != "" {
		baseURL = u
		return
	}
	d, err := os.MkdirTemp("", "passerelle-pg-")
	if err != nil {
		startErr = err
		return
	}
	dir = d
	c, err := pgcluster.StartCluster(d)
	if err != nil {
		startErr = err
		return
	}
	cluster = c
	baseURL = c.URL
}

// WithParam returns url with the query parameter param ("name=value")
// added.
func WithParam(url, param string) string {
	if strings.Contains(url, "?") {
		return url + "&" + param
	}
	return url + "?" + param
}

// URL returns the URL of a new, empty database, or skips (fails under CI)
// when PostgreSQL cannot be had.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if startErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required under CI: %v", startErr)
		}
		t.Skipf("PostgreSQL unavailable: %v", startErr)
	}
	name := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, counter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, baseURL)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatalf("bad PostgreSQL URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Stop stops the private cluster, if one was started. Call it from TestMain
// after m.Run.
func Stop() {
	if cluster != nil {
		cluster.Stop()
	}
	if dir != "" && !strings.Contains(dir, "..") {
		os.RemoveAll(dir)
	}
}

// Main is a TestMain body: it runs the tests and stops the cluster.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	Stop()
	return code
}
