// Package demo seeds the demo: it gives the extranet a past for the demo
// school, so that the first transfer a visitor makes shows every kind of
// message at once.
package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"passerelle/extranet"
	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/mail"
	"passerelle/school"
	"passerelle/transfer"
	"passerelle/wire"
)

// Departed is the teacher who left the demo school since its previous
// transfer: the extranet still has her role, the school data no longer have
// her, so the first transfer deactivates it.
var Departed = wire.StaffEntry{
	LastName: "Lemaire", FirstName: "Nathalie", BirthDate: "1976-03-12",
	Role: string(fwb.RoleEnseignant),
}

// PriorDays is how long ago the demo's prior transfer was made.
const PriorDays = 14

// SeedExtranet registers the school on the extranet and gives it a prior
// state, as if the school had made a transfer some weeks ago and the night
// had opened the accesses since. The prior state is built from what the
// school would send today (transfer.Select on rows at today):
//
//   - most of the staff are there as they are now (unchanged);
//   - the director was still a teacher (Modifié: the role changed);
//   - the last two members in alphabetical order are missing, as recent
//     arrivals (Créé);
//   - a teacher who has since left is there (Désactivé): one deactivation,
//     well under the guard against mass deactivation;
//   - the members the school now holds back (e.g. an e-mail removed) are
//     there too, so that the demo shows that their access is kept.
//
// The completions (roles not encoded) do not depend on the extranet: the
// first transfer completes them. A second transfer right after the first
// changes nothing. It returns the school's API token.
//
// The night run's e-mails of this made-up past are discarded: they would
// invite people to a past nobody saw.
func SeedExtranet(ctx context.Context, svc *extranet.Service, fase int, name string, rows []school.Row, tables *fwb.Tables, today time.Time) (token string, err error) {
	sel := transfer.Select(rows, today, tables)
	staff := sel.Snapshot.Staff
	if len(staff) < 4 {
		return "", fmt.Errorf("démo : %d membres du personnel à transférer, il en faut au moins 4", len(staff))
	}
	prior := wire.Snapshot{SchoolYear: sel.Snapshot.SchoolYear, Keep: []wire.KeepEntry{}}
	// Staff is in alphabetical order: the last two are the newcomers.
	// The director was still a teacher then (Modifié: the role changed);
	// without a director, the first member changed address instead.
	promoted := slices.IndexFunc(staff[:len(staff)-2], func(s wire.StaffEntry) bool { return s.Role == string(fwb.RoleDirecteur) })
	for i, s := range staff[:len(staff)-2] {
		switch {
		case i == promoted:
			s.Role = string(fwb.RoleEnseignant)
		case promoted < 0 && i == 0:
			s.Email = oldAddress(s)
		}
		prior.Staff = append(prior.Staff, s)
	}
	for _, h := range sel.HeldBack {
		for _, k := range sel.Snapshot.Keep {
			if k.LastName == strings.TrimSpace(h.LastName) && k.FirstName == strings.TrimSpace(h.FirstName) {
				prior.Staff = append(prior.Staff, wire.StaffEntry{
					LastName: k.LastName, FirstName: k.FirstName, BirthDate: k.BirthDate, Matricule: k.Matricule,
					Email: address(k.FirstName, k.LastName, domain(staff[0].Email)),
					Role:  string(h.Role),
				})
			}
		}
	}
	departed := Departed
	departed.Email = address(departed.FirstName, departed.LastName, domain(staff[0].Email))
	prior.Staff = append(prior.Staff, departed)

	// The prior state is dated in the past, as it is told: the school
	// registered and sent its staff PriorDays ago, and the night after
	// opened the accesses. Its dates are then never in the future, and its
	// night comes before the demo's own in the console.
	past := *svc
	now := time.Now
	if svc.Now != nil {
		now = svc.Now
	}
	then := now().AddDate(0, 0, -PriorDays)
	past.Now = func() time.Time { return then }
	past.NightObserver = nil // a made-up past is no night run of this process
	token, err = past.AddSchool(ctx, fase, name, "démo")
	if err != nil {
		return "", fmt.Errorf("démo : inscription de l'école %d à l'extranet : %w", fase, err)
	}
	res, err := past.Transfer(ctx, fase, prior, extranet.TransferOptions{Actor: "démo"})
	if err != nil {
		return "", fmt.Errorf("démo : état initial de l'extranet : %w", err)
	}
	// The night after the prior transfer opens its accesses.
	at := res.EffectiveAt
	if at.IsZero() {
		at = then.Add(24 * time.Hour)
	}
	then = at
	if _, err := past.Night(ctx, at, discard{}); err != nil {
		return "", fmt.Errorf("démo : nuit de l'état initial : %w", err)
	}
	return token, SeedContent(ctx, &past)
}

// oldAddress is the address a member had before: the initial of the first
// name instead of the whole name, at the same domain.
func oldAddress(s wire.StaffEntry) string {
	return address(string([]rune(s.FirstName)[:1]), s.LastName, domain(s.Email))
}

func address(first, last, domain string) string {
	return frtext.LoginPart(first) + "." + frtext.LoginPart(last) + "@" + domain
}

func domain(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return "ecole.example"
}

// discard drops the e-mails of the seeded night.
type discard struct{}

func (discard) Send(context.Context, mail.Message) error { return nil }
func (discard) Close() error                             { return nil }
