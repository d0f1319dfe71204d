package transfer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"passerelle/school"
	"passerelle/wire"
)

// Forecast is what a transfer would do today, asked of the extranet as a
// dry run that is neither applied nor recorded in the history: the
// confirmation before <Extranet SeGEC> states it.
type Forecast struct {
	// Selection is who would be sent, whose role completed, who held back.
	Selection Selection
	// Counts are the extranet's: created, modified, deactivated, rejected.
	Counts wire.Counts
	// Deactivated are the people who would lose their access.
	Deactivated []wire.Change
	// Held is true when the extranet would hold the transfer for its
	// number of deactivations.
	Held bool
}

// Forecast asks the extranet what a transfer of the school fase would do.
// The error is an *Error, in French, when the extranet cannot be asked (no
// address or token, a refusal, no answer); the Selection is then still
// filled, from the school's data alone.
func (r *Runner) Forecast(ctx context.Context, fase int) (Forecast, error) {
	now := r.now()
	rows, err := r.Store.Rows(ctx, fase)
	if err != nil {
		return Forecast{}, fmt.Errorf("lecture des situations de l'école %d : %w", fase, err)
	}
	// The selection the transfer would send: in summer, the staff as on
	// the new year's first day (SelectionDate), as Run does.
	f := Forecast{Selection: Select(rows, SelectionDate(now), r.Tables)}
	settings, err := r.Store.Settings(ctx, fase)
	if err != nil && !errors.Is(err, school.ErrNotFound) {
		return f, fmt.Errorf("lecture des paramètres de l'école %d : %w", fase, err)
	}
	switch {
	case strings.TrimSpace(settings.ExtranetURL) == "":
		return f, &Error{Msg: MsgNoURL}
	case strings.TrimSpace(settings.Token) == "":
		return f, &Error{Msg: MsgNoToken}
	}
	log := r.log().With("fase", fase, "forecast", true)
	client := r.client(settings.ExtranetURL, settings.Token, log)
	res, err := client.PutStaff(ctx, fase, f.Selection.Snapshot, true, newKey())
	if count, changes, ok := heldInfo(err); ok {
		f.Held, f.Deactivated = true, changes
		f.Counts.Deactivated = count
		return f, nil
	}
	if err != nil {
		return f, failure(err, fase)
	}
	f.Counts = res.Counts
	for _, ch := range res.Changes {
		if ch.Action == wire.ActionDeactivated {
			f.Deactivated = append(f.Deactivated, ch)
		}
	}
	return f, nil
}
