package schoolui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"passerelle/frtext"
	"passerelle/school"
	"passerelle/transfer"
	"passerelle/web"
)

// rentreePath is « Préparer la rentrée »: the next school year's staff sent
// as on its first day (docs/transfer.md, « La rentrée »).
const rentreePath = "/rentree"

// rentreeView is the page « Préparer la rentrée ».
type rentreeView struct {
	base
	// Unavailable says why the rentrée cannot be prepared yet; the rest is
	// empty then.
	Unavailable string
	Rentree     transfer.Rentree
	Sent        int
	Completions int
	HeldBack    int
	Blocking    []findingView
	NoSettings  bool
	// Transfer is the preparation whose messages the page shows
	// (?transfert=ID), after it ran.
	Transfer *transferView
}

// showRentree shows who « Préparer la rentrée » sends (the staff of the next
// year's first day), who is held back and why, and the buttons that preview
// and send it; after a run, its messages.
func (s *server) showRentree(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	view := rentreeView{base: s.base(r)}
	rt, err := transfer.RentreeAt(s.now(), s.runner.PrepareFrom)
	if err != nil {
		view.Unavailable = frtext.Sentence(err.Error())
	} else {
		view.Rentree = rt
		rows, err := s.store.Rows(ctx, s.fase)
		if err != nil {
			return err
		}
		at := transfer.RentreeSelectionDate(rt)
		sel := transfer.Select(rows, at, s.tables)
		view.Sent, view.Completions, view.HeldBack = len(sel.Snapshot.Staff), len(sel.Completions), len(sel.HeldBack)
		for _, f := range school.Check(rows, at, s.tables) {
			if f.Severity == school.Bloquant {
				view.Blocking = append(view.Blocking, newFindingView(f))
			}
		}
		set, err := s.store.Settings(ctx, s.fase)
		if err != nil && !errors.Is(err, school.ErrNotFound) {
			return err
		}
		view.NoSettings = strings.TrimSpace(set.ExtranetURL) == "" || set.Token == ""
	}
	if v := r.URL.Query().Get("transfert"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			view.Transfer, err = s.transferView(r, id)
		}
		if err != nil {
			view.Transfer = &transferView{Missing: true}
		}
	}
	return s.render(w, r, http.StatusOK, "rentree", "Préparer la rentrée", view)
}

// runRentree sends the next school year (or confirms its held
// deactivations), post/redirect/get: the page reads the messages back from
// the history.
func (s *server) runRentree(w http.ResponseWriter, r *http.Request) error {
	opt := transfer.Options{Rentree: true}
	if v := r.PostFormValue("confirmer"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return &web.Error{Status: http.StatusBadRequest, Message: "Nombre de désactivations à confirmer illisible. Rechargez la page et recommencez."}
		}
		if r.PostFormValue("accord") != "oui" {
			web.AddFlash(w, r, web.FlashError, msgConfirmRequired)
			return seeOther(w, r, rentreePath)
		}
		opt.ConfirmDeactivations = n
	}
	return s.run(w, r, opt)
}

// previewRentree is « Aperçu de la rentrée »: a dry run of the preparation.
func (s *server) previewRentree(w http.ResponseWriter, r *http.Request) error {
	return s.run(w, r, transfer.Options{Rentree: true, DryRun: true})
}
