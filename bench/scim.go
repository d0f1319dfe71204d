package bench

// The scim phase: SCIM 2.0 provisioning (docs/scim.md). Concurrency
// clients, each for one school of the network (the first ones, registered
// and empty: the phase runs alone), create SCIMUsers users between them
// with POST /scim/v2/Users, then replace each once with PUT (a new role).
// The row is the creations; the replacements get a line of their own.
//
// By default each client sends its next request as soon as it has the
// answer: the phase measures what the machine can do. With
// Config.SCIMRate, the requests leave at that pace, user i at i/rate
// seconds from the start, and a request's latency counts from that moment:
// one that leaves late because its client still waited for the answer
// before counts the wait (no request is left out of the percentiles for
// being slow).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"passerelle/extranet"
)

// PhaseSCIM is the SCIM provisioning phase; it runs alone.
const PhaseSCIM = "scim"

// SCIMUsers is how many users the scim phase provisions.
const SCIMUsers = 1000

// parseSCIMPhases accepts "scim" alone; handled is false for any other
// list, which ParsePhases reads.
func parseSCIMPhases(s string) (phases []string, handled bool, err error) {
	if !strings.Contains(s, PhaseSCIM) {
		return nil, false, nil
	}
	if strings.TrimSpace(s) != PhaseSCIM {
		return nil, true, fmt.Errorf("--phases: scim runs alone")
	}
	return []string{PhaseSCIM}, true, nil
}

// scimSchools is how many schools the scim phase provisions.
func (r *runner) scimSchools() int { return min(r.cfg.Concurrency, len(r.net.Schools)) }

// scimUser is the body of the i-th user of the phase.
func scimUser(i int, role string) []byte {
	b, _ := json.Marshal(map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":   fmt.Sprintf("scim.%d@bench.example", i),
		"externalId": fmt.Sprintf("bench-%d", i),
		"name":       map[string]any{"familyName": fmt.Sprintf("Provision%04d", i), "givenName": "Alex"},
		"emails":     []any{map[string]any{"value": fmt.Sprintf("scim.%d@bench.example", i), "type": "work", "primary": true}},
		"urn:passerelle:scim:schemas:extension:extranet:2.0:User": map[string]any{
			"birthDate": fmt.Sprintf("19%02d-%02d-%02d", 60+i%40, 1+i%12, 1+i%28), "role": role},
	})
	return b
}

func (r *runner) scim(ctx context.Context) (Phase, error) {
	schools := r.scimSchools()
	if schools == 0 {
		return Phase{}, fmt.Errorf("no school")
	}
	p := Phase{Name: PhaseSCIM, Transfers: SCIMUsers, Records: SCIMUsers}
	ids := make([]string, SCIMUsers)
	create := func(i int) (time.Duration, error) {
		start := time.Now()
		status, body, err := r.scimDo(ctx, "POST", "/scim/v2/Users", r.tokens[i%schools], scimUser(i, "Enseignant"))
		d := time.Since(start)
		if err == nil && status != http.StatusCreated {
			err = fmt.Errorf("POST: %d %s", status, body)
		}
		if err == nil {
			var res struct{ ID string }
			err = json.Unmarshal(body, &res)
			ids[i] = res.ID
		}
		return d, err
	}
	lat, secs, errs := r.scimLoad(ctx, create)
	p.Errors = errs
	p.finish(secs, lat)

	replace := func(i int) (time.Duration, error) {
		start := time.Now()
		status, body, err := r.scimDo(ctx, "PUT", "/scim/v2/Users/"+ids[i], r.tokens[i%schools], scimUser(i, "Directeur"))
		d := time.Since(start)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("PUT: %d %s", status, body)
		}
		return d, err
	}
	rlat, rsecs, rerrs := r.scimLoad(ctx, replace)
	var rp Phase
	rp.finish(rsecs, rlat)
	p.Errors += rerrs
	p.Pace, rp.Name = r.cfg.SCIMRate, "replace"
	p.Replace = &rp
	fmt.Fprintf(r.cfg.Out, "scim: %d users created in %.2f s by %d clients into %d schools%s, p50 %.1f ms; replaced in %.2f s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
		SCIMUsers, p.Seconds, r.cfg.Concurrency, schools, paceText(p.Pace), p.P50Ms, rp.Seconds, rp.P50Ms, rp.P95Ms, rp.P99Ms)
	return p, nil
}

// paceText is a pace as the phase's line gives it.
func paceText(rate float64) string {
	if rate <= 0 {
		return ""
	}
	return fmt.Sprintf(" at %.0f users/s", rate)
}

// scimLoad runs op for each user on Concurrency clients, client c taking
// the users of school c, back to back or at Config.SCIMRate.
func (r *runner) scimLoad(ctx context.Context, op func(i int) (time.Duration, error)) ([]time.Duration, time.Duration, int) {
	lat := make([]time.Duration, SCIMUsers)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	clients := r.cfg.Concurrency
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < SCIMUsers && ctx.Err() == nil; i += clients {
				late := r.awaitTurn(ctx, start, i)
				d, err := op(i)
				lat[i] = late + d
				if err != nil {
					errs.Add(1)
					r.noteError("scim, user %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), int(errs.Load())
}

// awaitTurn waits, at Config.SCIMRate, for the moment user i is due, and
// returns how late its request leaves (zero when on time or back to back).
func (r *runner) awaitTurn(ctx context.Context, start time.Time, i int) time.Duration {
	if r.cfg.SCIMRate <= 0 {
		return 0
	}
	due := start.Add(time.Duration(float64(i) / r.cfg.SCIMRate * float64(time.Second)))
	wait := time.Until(due)
	if wait <= 0 {
		return -wait
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return 0
}

func (r *runner) scimDo(ctx context.Context, method, path, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(r.target, "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// checkSCIM verifies the scim phase from the database: each school holds
// its users, live, as directors; nobody twice; nothing orphaned.
func (r *runner) checkSCIM(ctx context.Context, add func(what string, ok bool, format string, args ...any)) error {
	schools := r.scimSchools()
	year := extranet.CurrentSchoolYear(time.Now())
	bad := 0
	for s := range schools {
		recs, err := r.store.YearGrants(ctx, r.net.Schools[s].FASE, year)
		if err != nil {
			return err
		}
		want := SCIMUsers / schools
		if s < SCIMUsers%schools {
			want++
		}
		live := 0
		for _, g := range recs {
			if role := g.Grant.Target().Role; g.Grant.Live() && role == "Directeur" {
				live++
			}
		}
		if live != want || len(recs) != want {
			bad++
		}
	}
	add("every SCIM user is live at its school, replaced", bad == 0, "%d of %d schools differ", bad, schools)
	v, err := r.store.BenchInvariants(ctx)
	if err != nil {
		return err
	}
	add("no person duplicated", v.DuplicatePersons == 0 && v.Persons == SCIMUsers,
		"%d persons for %d users, %d identities held twice", v.Persons, SCIMUsers, v.DuplicatePersons)
	add("every grant and account has its person and school", v.Orphans == 0, "%d orphans", v.Orphans)
	return nil
}
