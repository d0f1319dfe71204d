package bench

import (
	"context"
	"fmt"
	"time"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/wire"
)

// rollover is the rentrée of the whole network: the summer's changes
// (Churn: arrivals, departures, role and e-mail changes), every school's
// first transfer of the next school year, which must answer every entry
// created and all but the arrivals renewed, then the night of the new
// year's first day, which must write e-mails only to the people new or
// changed. The phase lasts from the first transfer to the end of the night.
func (r *runner) rollover(ctx context.Context) (Phase, error) {
	summer := r.net.Churn()
	ended, err := fwb.ParseSchoolYear(r.net.Config.SchoolYear)
	if err != nil {
		return Phase{Name: PhaseRollover}, err
	}
	next := ended.Next()
	// From now on the network's snapshots, and the final checks, are the
	// new year's.
	r.net.Config.SchoolYear = next.String()
	snaps := r.net.Snapshots()
	p, err := r.transfers(ctx, PhaseRollover, snaps, func(i int) wire.Counts {
		n := len(snaps[i].Staff)
		return wire.Counts{Created: n, Renewed: n - summer[i].Created}
	})
	if err != nil {
		return p, err
	}
	for _, c := range summer {
		p.NewOrChanged += c.Created + c.Modified
	}
	prog := startProgress(r.cfg.Progress, PhaseRollover+" night", 0, nil)
	start := time.Now()
	first := next.FirstDay()
	at := time.Date(first.Year(), first.Month(), first.Day(), 2, 0, 0, 0, frtext.Brussels)
	rep, _, err := r.worker(ctx, JobNight, at, "", 0, false, "rollover-night")
	night := time.Since(start)
	prog.end()
	if err != nil {
		return p, err
	}
	for _, e := range rep.Errors {
		p.Errors++
		r.noteError("rollover night: %s", e)
	}
	if rep.Activated != p.Records {
		p.Errors++
		r.noteError("rollover night: %d grants opened, %d sent", rep.Activated, p.Records)
	}
	p.NightSeconds = round3(night.Seconds())
	p.Seconds = round3(p.Seconds + night.Seconds())
	p.Emails = rep.Invitations + rep.Notices
	p.Renewed = rep.Renewed
	r.rolloverEmails = p.Emails
	fmt.Fprintf(r.cfg.Log, "Rollover night: %d grants opened, %d renewed, %d expired, %d accounts disabled, %d invitations, %d notices, %.2f s\n",
		rep.Activated, rep.Renewed, rep.Expired, rep.Disabled, rep.Invitations, rep.Notices, night.Seconds())
	return p, nil
}
