// Package pgcluster starts a private PostgreSQL server in a folder of its
// own, with initdb and pg_ctl: what the tests (store/pgtest) and the
// benchmark (bench) run against. It imports no test code, so the production
// binary, which links the benchmark, links none either.
package pgcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
)

// BinDir returns the folder of the PostgreSQL server programs.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		return d, nil
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		return "", errors.New("pg_ctl not found (install postgresql)")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Cluster is a private PostgreSQL server in a folder of its own.
type Cluster struct {
	Dir  string
	Port int
	URL  string // superuser URL to database "postgres"
	bin  string
	asPG bool
}

// Options tune a cluster.
type Options struct {
	// Durable keeps fsync, synchronous commits and full-page writes on, as
	// a production server has them; the default turns them off, since
	// tests and most benchmark runs measure the work, not the disk.
	Durable bool
}

// StartCluster runs initdb and pg_ctl start in dir (created when missing),
// with the durability settings off. As root, the server runs as the
// postgres user, since initdb refuses root.
func StartCluster(dir string) (*Cluster, error) { return Start(dir, Options{}) }

// Start is StartCluster with options.
func Start(dir string, o Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		c.asPG = true
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if c.asPG {
		if out, err := exec.Command("chown", "-R", "postgres:postgres", dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown %s: %v: %s", dir, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		if out, err := c.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"); err != nil {
			return nil, fmt.Errorf("initdb: %v: %s", err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c.Port = port
	opts := fmt.Sprintf("-p %d -k %s -h 127.0.0.1 -c max_connections=200", port, dir)
	if !o.Durable {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		return nil, fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c, nil
}

// Stop stops the server (fast shutdown).
func (c *Cluster) Stop() error {
	out, err := c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "fast", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	prog := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	cmd.Dir = os.TempDir()
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
