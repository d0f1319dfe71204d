package bench

// The thinnest server: what any server of the transfer and SCIM APIs pays on
// this machine beyond the floor. It answers the same requests as the
// extranet, over HTTP with the same JSON, but does nothing a server must do
// besides writing the rows: no token, no idempotency, no reconciliation, no
// trust rules, no journal or audit. A first load is one transaction in
// three round trips (BEGIN, one batch through pgx's pipeline, COMMIT):
// the floor's look-up of the snapshot's matricules and identity keys, then 70 persons and 70 grants with one
// INSERT … SELECT FROM unnest each, into the floor's tables; a re-send reads
// the school's grants and answers that nothing changed; a SCIM creation
// looks the user up and inserts a person and a grant, the same way.
// Set beside the floor and the extranet, it tells the part of a phase that
// HTTP, JSON, Go and the driver cost on two shared cores, whatever the
// server does: a target below it is out of reach of any server here.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"passerelle/extranet"
	"passerelle/store"
	"passerelle/wire"
)

// ThinPhase is what the thinnest server took for a phase.
type ThinPhase struct {
	Seconds float64 `json:"seconds"`
	P50Ms   float64 `json:"p50Ms"`
	P99Ms   float64 `json:"p99Ms"`
}

// thinPhases are the phases the thinnest server can stand in for.
var thinPhases = []string{PhaseInitial, PhaseResync, PhaseNight, PhaseSCIM}

// thinServer is the thinnest server's state: its pool.
type thinServer struct {
	pool *pgxpool.Pool
}

// measureThin creates a database of its own on the cluster at clusterURL,
// runs the thinnest server in this process, sends it the phases among
// phases that it stands in for (the network's first load, which a re-send
// needs, then the same snapshots again; SCIMUsers creations) at clients in
// parallel, and drops the database.
func measureThin(ctx context.Context, clusterURL string, n *Network, phases []string, clients int) (map[string]ThinPhase, error) {
	dbURL, err := createDatabase(ctx, clusterURL, "thin")
	if err != nil {
		return nil, err
	}
	defer dropDatabase(context.WithoutCancel(ctx), clusterURL, "thin")
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(store.DefaultMaxConns()) // the extranet's pool
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, floorSchema); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &thinServer{pool: pool}
	hs := &http.Server{Handler: s.mux(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	stop := s.analyzeWhileRunning(ctx)
	defer stop()

	base := "http://" + ln.Addr().String()
	l := &thinLoad{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}, clients: clients}
	defer l.client.CloseIdleConnections()
	out := map[string]ThinPhase{}
	if slices.Contains(phases, PhaseInitial) || slices.Contains(phases, PhaseResync) || slices.Contains(phases, PhaseNight) {
		snaps := n.Snapshots()
		for _, phase := range []string{PhaseInitial, PhaseResync} {
			if phase == PhaseResync && !slices.Contains(phases, PhaseResync) {
				continue
			}
			// As the load generator's API client does: each request
			// encodes its snapshot, each answer is read whole.
			p, err := l.run(ctx, len(snaps), func(i int) (*http.Request, error) {
				body, err := json.Marshal(snaps[i])
				if err != nil {
					return nil, err
				}
				return http.NewRequestWithContext(ctx, http.MethodPut,
					base+"/thin/"+phase+"/"+strconv.Itoa(n.Schools[i].FASE), bytes.NewReader(body))
			})
			if err != nil {
				return nil, fmt.Errorf("thinnest server, %s: %w", phase, err)
			}
			out[phase] = p
		}
	}
	if slices.Contains(phases, PhaseNight) {
		start := time.Now()
		if err := s.night(ctx); err != nil {
			return nil, fmt.Errorf("thinnest server, night: %w", err)
		}
		out[PhaseNight] = ThinPhase{Seconds: round3(time.Since(start).Seconds())}
	}
	if slices.Contains(phases, PhaseSCIM) {
		schools := min(clients, len(n.Schools))
		p, err := l.run(ctx, SCIMUsers, func(i int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodPost,
				base+"/thin/scim/"+strconv.Itoa(n.Schools[i%schools].FASE), bytes.NewReader(scimUser(i, "Enseignant")))
		})
		if err != nil {
			return nil, fmt.Errorf("thinnest server, scim: %w", err)
		}
		out[PhaseSCIM] = p
	}
	return out, nil
}

// analyzeWhileRunning gathers the look-ups' statistics every second, with
// the sample the extranet's store uses, as the store does while its tables
// grow (autovacuum would wait a minute): without them, PostgreSQL scans the
// whole persons table for each look-up.
func (s *thinServer) analyzeWhileRunning(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL default_statistics_target = 10"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "ANALYZE persons (matricule, identity_key), grants (fase, school_year)")
				return err
			})
		}
	}()
	return func() { cancel(); <-done }
}

func (s *thinServer) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("PUT /thin/initial/{fase}", s.initial)
	m.HandleFunc("PUT /thin/resync/{fase}", s.resync)
	m.HandleFunc("POST /thin/scim/{fase}", s.scim)
	return m
}

// thinWrite answers v in JSON with status.
func thinWrite(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// thinSnapshot reads a request's snapshot and school.
func thinSnapshot(w http.ResponseWriter, r *http.Request) (wire.Snapshot, int, bool) {
	var snap wire.Snapshot
	fase, err := strconv.Atoi(r.PathValue("fase"))
	if err == nil {
		err = json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&snap)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return snap, 0, false
	}
	return snap, fase, true
}

// initial writes a school's first snapshot in one transaction (send), and
// answers every entry created.
func (s *thinServer) initial(w http.ResponseWriter, r *http.Request) {
	snap, fase, ok := thinSnapshot(w, r)
	if !ok {
		return
	}
	n := len(snap.Staff)
	cols := make([][]string, 9) // person id, last, first, birth, matricule, key, grant id, email, role
	for i := range cols {
		cols[i] = make([]string, n)
	}
	res := wire.TransferResult{TransferID: extranet.NewID(), SchoolYear: snap.SchoolYear, EffectiveAt: time.Now(),
		Changes: make([]wire.Change, n)}
	for i, e := range snap.Staff {
		email := strings.ToLower(strings.TrimSpace(e.Email))
		key := extranet.IdentityKey(e.LastName, e.FirstName, e.BirthDate)
		for c, v := range []string{extranet.NewID(), e.LastName, e.FirstName, e.BirthDate, e.Matricule, key, extranet.NewID(), email, e.Role} {
			cols[c][i] = v
		}
		res.Changes[i] = wire.Change{Action: wire.ActionCreated, LastName: e.LastName, FirstName: e.FirstName, Role: e.Role, Email: email}
	}
	res.Counts.Created = n
	now := time.Now().UTC().Format(time.RFC3339Nano)
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM persons WHERE matricule = ANY($1) UNION SELECT id FROM persons WHERE identity_key = ANY($2)`, cols[4], cols[5])
	b.Queue(`INSERT INTO persons SELECT p, l, f, b, NULLIF(m, ''), k, $7::text, $7::text
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(p, l, f, b, m, k) ON CONFLICT DO NOTHING`,
		cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], now)
	b.Queue(`INSERT INTO grants SELECT g, p, $7::int, $8::text, r, e, l, f, 'pending', $9::text, 'open', $9::text, $9::text
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(g, p, r, e, l, f)`,
		cols[6], cols[0], cols[8], cols[7], cols[1], cols[2], fase, snap.SchoolYear, now)
	if err := s.send(r.Context(), b); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	thinWrite(w, http.StatusOK, res)
}

// send runs a batch in a transaction: BEGIN, the batch, COMMIT.
func (s *thinServer) send(ctx context.Context, b *pgx.Batch) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
}

// resync reads a school's grants and answers every entry unchanged when the
// snapshot says what they hold; anything else is an error of the run.
func (s *thinServer) resync(w http.ResponseWriter, r *http.Request) {
	snap, fase, ok := thinSnapshot(w, r)
	if !ok {
		return
	}
	rows, _ := s.pool.Query(r.Context(), `SELECT email, role FROM grants WHERE fase = $1 AND school_year = $2`, fase, snap.SchoolYear)
	held := map[string]string{}
	var email, role string
	_, err := pgx.ForEachRow(rows, []any{&email, &role}, func() error {
		held[email] = role
		return nil
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	res := wire.TransferResult{TransferID: extranet.NewID(), SchoolYear: snap.SchoolYear, EffectiveAt: time.Now(),
		Changes: make([]wire.Change, len(snap.Staff))}
	for i, e := range snap.Staff {
		email := strings.ToLower(strings.TrimSpace(e.Email))
		if held[email] != e.Role {
			http.Error(w, "not a re-send: "+email, http.StatusConflict)
			return
		}
		res.Changes[i] = wire.Change{Action: wire.ActionUnchanged, LastName: e.LastName, FirstName: e.FirstName, Role: e.Role, Email: email}
	}
	res.Counts.Unchanged = len(snap.Staff)
	thinWrite(w, http.StatusOK, res)
}

// thinUser is what the thinnest server reads of a SCIM user.
type thinUser struct {
	Schemas    []string `json:"schemas"`
	ID         string   `json:"id"`
	UserName   string   `json:"userName"`
	ExternalID string   `json:"externalId"`
	Name       struct {
		FamilyName string `json:"familyName"`
		GivenName  string `json:"givenName"`
	} `json:"name"`
	Emails []struct {
		Value string `json:"value"`
	} `json:"emails"`
	Extension struct {
		BirthDate string `json:"birthDate"`
		Role      string `json:"role"`
	} `json:"urn:passerelle:scim:schemas:extension:extranet:2.0:User"`
}

// scim creates a user: its look-up, a person and a grant in one round
// trip; it answers the user with its id.
func (s *thinServer) scim(w http.ResponseWriter, r *http.Request) {
	var u thinUser
	fase, err := strconv.Atoi(r.PathValue("fase"))
	if err == nil {
		err = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u)
	}
	if err != nil || len(u.Emails) == 0 {
		http.Error(w, fmt.Sprint("bad user: ", err), http.StatusBadRequest)
		return
	}
	key := extranet.IdentityKey(u.Name.FamilyName, u.Name.GivenName, u.Extension.BirthDate)
	email := strings.ToLower(u.Emails[0].Value)
	pid := extranet.NewID()
	u.ID = extranet.NewID()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM persons WHERE identity_key = $1 UNION SELECT person_id FROM grants WHERE email = $2`, key, email)
	b.Queue(`INSERT INTO persons VALUES ($1, $2, $3, $4, NULL, $5, $6, $6)`, pid, u.Name.FamilyName, u.Name.GivenName, u.Extension.BirthDate, key, now)
	b.Queue(`INSERT INTO grants VALUES ($1, $2, $3, '2026-2027', $4, $5, $6, $7, 'pending', $8, 'open', $8, $8)`,
		u.ID, pid, fase, u.Extension.Role, email, u.Name.FamilyName, u.Name.GivenName, now)
	if err := s.send(r.Context(), b); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Location", "/scim/v2/Users/"+u.ID)
	thinWrite(w, http.StatusCreated, u)
}

// thinBody is the length of the thinnest night's e-mails: that of the
// extranet's invitations at network scale (842 characters on average).
const thinBody = 840

// night opens every pending grant in one transaction, as the floor's night,
// with what a night cannot do without: it reads the persons to open, gives
// each new person an account and a login that no one else holds (the
// first of its base, then numbered), and writes each grant's invitation
// with its text, through COPY.
func (s *thinServer) night(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT g.id, p.id, p.last_name, p.first_name, p.birth_date, g.email
FROM grants g JOIN persons p ON p.id = g.person_id WHERE g.pending <> '' ORDER BY p.id, g.id`)
		var gid, pid, last, first, birth, email string
		var accounts, mails [][]any
		taken := map[string]int{}
		now := time.Now().UTC().Format(time.RFC3339Nano)
		prev, login := "", ""
		_, err := pgx.ForEachRow(rows, []any{&gid, &pid, &last, &first, &birth, &email}, func() error {
			if pid != prev { // a person's first grant: its account
				prev = pid
				base := extranet.LoginBase(extranet.Person{LastName: last, FirstName: first, BirthDate: birth})
				login = base
				if n := taken[base]; n > 0 {
					login = base + strconv.Itoa(n+1)
				}
				taken[base]++
				accounts = append(accounts, []any{extranet.NewID(), pid, login, email, "active", now})
			}
			body := fmt.Sprintf("Bonjour %s %s,\n\nvotre accès à l'extranet est ouvert : %s (%s).\n", first, last, login, email)
			body += strings.Repeat(".", max(0, thinBody-len(body)))
			mails = append(mails, []any{extranet.NewID(), pid, body, now})
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, []string{"id", "person_id", "login", "email", "state", "created_at"}, pgx.CopyFromRows(accounts)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"id", "person_id", "body", "created_at"}, pgx.CopyFromRows(mails)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE grants SET state = 'active', pending = '' WHERE pending <> ''`)
		return err
	})
}

// thinLoad sends requests at clients in parallel.
type thinLoad struct {
	client  *http.Client
	clients int
}

// run sends the requests 0 to n-1 that req makes, each answered 200 or 201
// and read whole, and returns the time they took and their latencies.
func (l *thinLoad) run(ctx context.Context, n int, req func(i int) (*http.Request, error)) (ThinPhase, error) {
	if n == 0 {
		return ThinPhase{}, nil
	}
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var (
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, n)
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	for range min(l.clients, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				err := l.one(req, i)
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				first = cmpErr(first, err)
				mu.Unlock()
				if err != nil || ctx.Err() != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start)
	if first != nil {
		return ThinPhase{}, first
	}
	slices.Sort(lat)
	return ThinPhase{Seconds: round3(secs.Seconds()), P50Ms: ms(lat[len(lat)/2]), P99Ms: ms(lat[len(lat)*99/100])}, nil
}

func (l *thinLoad) one(req func(i int) (*http.Request, error), i int) error {
	rq, err := req(i)
	if err != nil {
		return err
	}
	resp, err := l.client.Do(rq)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("%s %s: %d %s", rq.Method, rq.URL.Path, resp.StatusCode, bytes.TrimSpace(body))
	}
	var v wire.TransferResult // what a client does with the answer (a SCIM user's fields are ignored)
	return json.Unmarshal(body, &v)
}

// writeThin writes, under a phase's row, what the thinnest server took.
func writeThin(w io.Writer, p Phase) {
	if p.Thin == nil {
		return
	}
	fmt.Fprintf(w, "          thinnest server %.2f s", p.Thin.Seconds)
	if p.Thin.P50Ms > 0 {
		fmt.Fprintf(w, ", p50 %.1f ms, p99 %.1f ms (HTTP, JSON and the rows alone, same run)", p.Thin.P50Ms, p.Thin.P99Ms)
	} else {
		fmt.Fprint(w, " (the rows, the logins and the e-mails alone, in one transaction, same run)")
	}
	if p.FloorSeconds > 0 {
		fmt.Fprintf(w, ": %.1f× the floor", p.Thin.Seconds/p.FloorSeconds)
	}
	switch {
	case p.Pace > 0:
		// The thinnest server's users go back to back: a paced run's
		// time is its pace's, not a measure to set beside it.
		fmt.Fprint(w, "; its users back to back, the extranet's at the pace asked")
	case p.Thin.Seconds > 0:
		fmt.Fprintf(w, "; the extranet took %.1f× its time", p.Seconds/p.Thin.Seconds)
	}
	fmt.Fprintln(w)
}
