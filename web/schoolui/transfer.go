package schoolui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"passerelle/frtext"
	"passerelle/school"
	"passerelle/transfer"
	"passerelle/web"
	"passerelle/wire"
)

// transferTimeout bounds one transfer started from the page. The transfer
// goes on if the person closes the tab: it is recorded in the history
// either way, and a half-finished one is worse than a finished one.
const transferTimeout = 3 * time.Minute

const (
	msgTransferBusy    = "Un transfert est déjà en cours. Attendez qu'il se termine, puis consultez l'historique des transferts."
	msgConfirmRequired = "Cochez la case « Je confirme ces désactivations » pour confirmer le transfert suspendu, ou corrigez les fiches concernées."
)

// msgLine is one line of a transfer's messages with its style.
type msgLine struct {
	Class, Text string
}

// lineClass styles a message line by its kind, as the stylesheet's
// msg-information, msg-avertissement and msg-erreur.
func lineClass(l string) string {
	switch {
	case strings.HasPrefix(l, "Erreur :"):
		return "msg-erreur"
	case strings.HasPrefix(l, "Avertissement :"):
		return "msg-avertissement"
	case l == transfer.LineDone:
		return "msg-fait"
	case l == transfer.LineNotNow, strings.HasPrefix(l, "Attention !"):
		return "msg-attention"
	case l == transfer.LineDryRun:
		return "msg-apercu"
	case strings.HasPrefix(l, transfer.DetailPrefix):
		return "msg-detail"
	}
	return "msg-information"
}

// transferView is a transfer of the history as the pages show it.
type transferView struct {
	Missing bool
	Record  school.TransferRecord
	Lines   []msgLine
	Kind    string
	Result  string
	// ResultClass styles the Result badge: the outcome, or "preview".
	ResultClass string
	// Held transfers list the deactivations to confirm; CanConfirm when
	// it is the latest transfer, previews aside, so that an old one is
	// never confirmed for today's data.
	Held       bool
	CanConfirm bool
	HeldCount  int
	// Rentree: a « Préparer la rentrée », confirmed by its own page.
	Rentree bool
	// Pending are the deactivations a held transfer would make
	// (« Jean Dupont – Enseignant »): shown apart, as to confirm, never
	// as lines of something done.
	Pending []string
}

// heldDeactivation is the start of a would-be deactivation line of a held
// transfer, as transfer.HeldMessages records it.
const heldDeactivation = "Avertissement : Désactivé Rôle "

func kindLabel(rec school.TransferRecord) string {
	switch {
	case transfer.IsRentree(rec.Messages) && rec.DryRun:
		return "Aperçu de la rentrée"
	case transfer.IsRentree(rec.Messages):
		return "Préparation de la rentrée"
	case rec.DryRun:
		return "Aperçu"
	case rec.By == transfer.ByAutomatic:
		return "Transfert automatique"
	}
	return "Transfert"
}

func newTransferView(rec school.TransferRecord) *transferView {
	v := &transferView{Record: rec, Kind: kindLabel(rec), Result: rec.ResultLabel(), ResultClass: string(rec.Outcome),
		Rentree: transfer.IsRentree(rec.Messages)}
	if rec.ShownAsPreview() {
		v.ResultClass = "preview"
	}
	held := rec.Outcome == school.OutcomeHeld
	for _, l := range rec.Messages {
		if name, ok := strings.CutPrefix(l, heldDeactivation); ok && held {
			v.Pending = append(v.Pending, name)
			continue
		}
		v.Lines = append(v.Lines, msgLine{lineClass(l), l})
	}
	if len(v.Lines) == 0 && rec.Error != "" {
		v.Lines = append(v.Lines, msgLine{"msg-erreur", "Erreur : " + rec.Error})
	}
	if rec.Outcome == school.OutcomeHeld && !rec.DryRun {
		v.Held, v.HeldCount = true, rec.Counts.Deactivated
	}
	return v
}

// transferView reads a transfer of the history for the page.
func (s *server) transferView(r *http.Request, id int64) (*transferView, error) {
	rec, err := s.store.Transfer(r.Context(), s.fase, id)
	if err != nil {
		return nil, err
	}
	s.markSeen(r.Context(), rec, userName(userFrom(r.Context())))
	v := newTransferView(rec)
	if v.Held && v.HeldCount > 0 {
		latest, err := s.latestTransferID(r.Context())
		if err != nil {
			return nil, err
		}
		v.CanConfirm = latest == rec.ID
	}
	return v, nil
}

// latestTransferID returns the ID of the school's newest transfer that is
// not a preview, 0 when there is none: a preview made after a held transfer
// applies nothing, so the held one can still be confirmed.
func (s *server) latestTransferID(ctx context.Context) (int64, error) {
	for limit := 20; ; limit *= 10 {
		recs, err := s.store.Transfers(ctx, s.fase, limit)
		if err != nil {
			return 0, err
		}
		for _, rec := range recs {
			if !rec.DryRun {
				return rec.ID, nil
			}
		}
		if len(recs) < limit {
			return 0, nil
		}
	}
}

type confirmView struct {
	base
	Sent        int
	Completions int
	HeldBack    int
	Blocking    []findingView
	NoSettings  bool
	// Known is set when the extranet answered the forecast: it then says
	// how many accesses it would create, modify and deactivate, and who
	// would lose theirs (Losing, « Jean Dupont – Enseignant »).
	Known                       bool
	Created, Modified, Rejected int
	Deactivated                 int
	Losing                      []string
	// Held warns that the extranet will ask to confirm the deactivations.
	Held bool
	// Unknown is why the extranet could not be asked, in French.
	Unknown string
}

// forecastTimeout bounds the question the confirmation page asks the
// extranet: past it the page shows what the school's data alone say.
const forecastTimeout = 15 * time.Second

// confirmTransfer is what <Extranet SeGEC> opens: who will be sent, who is
// held back and why, and the button that starts the transfer.
func (s *server) confirmTransfer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rows, err := s.store.Rows(ctx, s.fase)
	if err != nil {
		return err
	}
	now := transfer.SelectionDate(s.now())
	fctx, cancel := context.WithTimeout(ctx, forecastTimeout)
	defer cancel()
	fc, ferr := s.runner.Forecast(fctx, s.fase)
	var te *transfer.Error
	if ferr != nil && !errors.As(ferr, &te) {
		return ferr
	}
	sel := fc.Selection
	view := confirmView{
		base:        s.base(r),
		Sent:        len(sel.Snapshot.Staff),
		Completions: len(sel.Completions),
		HeldBack:    len(sel.HeldBack),
	}
	if te != nil {
		view.Unknown = frtext.Sentence(te.Msg)
	} else {
		view.Known, view.Held = true, fc.Held
		view.Created, view.Modified, view.Rejected = fc.Counts.Created, fc.Counts.Modified, fc.Counts.Rejected
		view.Deactivated = fc.Counts.Deactivated
		for _, ch := range fc.Deactivated {
			role := ch.Role
			if role == "" {
				role = ch.PreviousRole
			}
			view.Losing = append(view.Losing, frtext.FormatName(ch.LastName, ch.FirstName)+wire.Dash+role)
		}
	}
	for _, f := range school.Check(rows, now, s.tables) {
		if f.Severity == school.Bloquant {
			view.Blocking = append(view.Blocking, newFindingView(f))
		}
	}
	set, err := s.store.Settings(ctx, s.fase)
	if err != nil && !errors.Is(err, school.ErrNotFound) {
		return err
	}
	view.NoSettings = strings.TrimSpace(set.ExtranetURL) == "" || set.Token == ""
	return s.render(w, r, http.StatusOK, "transfer", "Extranet SeGEC", view)
}

// runTransfer runs the transfer (or confirms a held one) and shows its
// messages under the list, post/redirect/get: the page reads them back from
// the history.
func (s *server) runTransfer(w http.ResponseWriter, r *http.Request) error {
	confirm := 0
	if v := r.PostFormValue("confirmer"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return &web.Error{Status: http.StatusBadRequest, Message: "Nombre de désactivations à confirmer illisible. Rechargez la page et recommencez."}
		}
		if r.PostFormValue("accord") != "oui" {
			web.AddFlash(w, r, web.FlashError, msgConfirmRequired)
			back := "/"
			if id, err := strconv.ParseInt(r.PostFormValue("transfert"), 10, 64); err == nil && id > 0 {
				back = fmt.Sprintf("/?transfert=%d#messages", id)
			}
			return seeOther(w, r, back)
		}
		confirm = n
	}
	return s.run(w, r, transfer.Options{ConfirmDeactivations: confirm})
}

// previewTransfer is « Aperçu du transfert »: a dry run, whose messages end
// with « Aperçu : rien n'a été transféré. »
func (s *server) previewTransfer(w http.ResponseWriter, r *http.Request) error {
	return s.run(w, r, transfer.Options{DryRun: true})
}

func (s *server) run(w http.ResponseWriter, r *http.Request, opt transfer.Options) error {
	// The messages show on the page the transfer started from.
	page := "/"
	if opt.Rentree {
		page = rentreePath
	}
	if !s.transferMu.TryLock() {
		web.AddFlash(w, r, web.FlashWarning, msgTransferBusy)
		return seeOther(w, r, page)
	}
	defer s.transferMu.Unlock()
	u := userFrom(r.Context())
	opt.By = userName(u)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), transferTimeout)
	defer cancel()
	out, err := s.runner.Run(ctx, s.fase, opt)
	var te *transfer.Error
	switch {
	case errors.As(err, &te):
		// The failure is in the history with its French message; the
		// list shows it like any other result.
		if out.Record.ID == 0 {
			web.AddFlash(w, r, web.FlashError, frtext.Sentence(te.Msg))
			return seeOther(w, r, page)
		}
	case err != nil:
		return err
	}
	s.log.Info("transfer from the page", "by", u.Login, "dryRun", opt.DryRun, "rentree", opt.Rentree, "outcome", out.Record.Outcome, "id", out.Record.ID)
	return seeOther(w, r, fmt.Sprintf("%s?transfert=%d#messages", page, out.Record.ID))
}

type historyView struct {
	base
	Transfers []*transferView
}

func (s *server) history(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.store.Transfers(r.Context(), s.fase, 200)
	if err != nil {
		return err
	}
	view := historyView{base: s.base(r)}
	for _, rec := range recs {
		view.Transfers = append(view.Transfers, newTransferView(rec))
	}
	return s.render(w, r, http.StatusOK, "history", "Historique des transferts", view)
}

type historyEntryView struct {
	base
	Transfer *transferView
}

func (s *server) historyEntry(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return notFound("Ce transfert n'existe pas. Revenez à l'historique des transferts.")
	}
	v, err := s.transferView(r, id)
	if errors.Is(err, school.ErrNotFound) {
		return notFound("Ce transfert n'existe pas. Revenez à l'historique des transferts.")
	}
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s du %s", v.Kind, formatDateTime(v.Record.At))
	return s.render(w, r, http.StatusOK, "transfer_entry", title, historyEntryView{base: s.base(r), Transfer: v})
}

func formatDateTime(t time.Time) string {
	s, _ := web.FormatDateTime(t)
	return s
}
