package schoolui

import (
	"context"
	"fmt"

	"passerelle/frtext"
	"passerelle/school"
	"passerelle/transfer"
)

// bannerView announces, on the list, an automatic transfer that failed or
// was held: nobody learns it otherwise, the transfer running at night. It
// shows to every user until someone opens the transfer.
type bannerView struct {
	ID    int64
	Held  bool
	Title string
	Text  string
}

// banner returns the banner of the school's latest transfer, nil when it
// needs no attention: applied, already opened, or followed by another
// transfer (someone has acted since).
func (s *server) banner(ctx context.Context) (*bannerView, error) {
	recs, err := s.store.Transfers(ctx, s.fase, 20)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		if rec.DryRun {
			continue
		}
		if !rec.NeedsAttention(transfer.ByAutomatic) {
			return nil, nil
		}
		return newBanner(rec), nil
	}
	return nil, nil
}

func newBanner(rec school.TransferRecord) *bannerView {
	when := formatDateTime(rec.At)
	b := &bannerView{ID: rec.ID}
	if rec.Outcome == school.OutcomeHeld {
		b.Held = true
		b.Title = "Transfert automatique suspendu le " + when
		b.Text = fmt.Sprintf("L'extranet attend une confirmation avant de désactiver %s. Rien n'a été transféré.",
			frtext.Plural(rec.Counts.Deactivated, "accès", "accès"))
		return b
	}
	b.Title = "Le transfert automatique du " + when + " a échoué"
	b.Text = "Rien n'a été transféré."
	if rec.Error != "" {
		b.Text = "Rien n'a été transféré : " + rec.Error + "."
	}
	return b
}

// markSeen records the first opening of an automatic transfer that needed
// attention, so that its banner goes away for everyone.
func (s *server) markSeen(ctx context.Context, rec school.TransferRecord, by string) {
	if !rec.NeedsAttention(transfer.ByAutomatic) {
		return
	}
	if err := s.store.MarkTransferSeen(ctx, s.fase, rec.ID, by); err != nil {
		s.log.Error("marking a transfer seen", "id", rec.ID, "err", err)
	}
}
