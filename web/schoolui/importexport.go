package schoolui

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"passerelle/frtext"
	"passerelle/fwb"
	"passerelle/school"
	"passerelle/web"
)

type importView struct {
	base
	Problems []string // « ligne N, colonne C : … »
	Error    string
	Mode     string
}

type importPreview struct {
	base
	Content            string // the file, base64, sent back with the confirmation
	Name               string
	Created, Updated   int
	Unchanged          int
	Rows               []previewRow
	Blocking, Warnings int
	// Notes say what the import corrects on its own, such as a national
	// number's leading zero that the spreadsheet dropped.
	Notes []string
}

type previewRow struct {
	New                   bool
	Name, Function, Email string
	// Changes are, for a stored row, what the import changes on it.
	Changes []string
}

func (s *server) showImport(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "import", "Importer", importView{base: s.base(r), Mode: "apercu"})
}

// importFile reads the uploaded CSV (or, after a preview, the same file
// sent back) and either shows what it would change or saves it. The whole
// file is checked first: on any error nothing is imported and every
// problem is listed, line by line.
func (s *server) importFile(w http.ResponseWriter, r *http.Request) error {
	mode := r.PostFormValue("mode")
	view := importView{base: s.base(r), Mode: mode}
	data, name, chosen, err := importedFile(r, mode)
	if err != nil {
		return err
	}
	if !chosen {
		view.Error = "Choisissez un fichier à importer (.xlsx ou .csv)."
		return s.render(w, r, http.StatusUnprocessableEntity, "import", "Importer", view)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		view.Error = "Le fichier est vide. Choisissez le classeur ou le fichier CSV enregistré par votre tableur."
		return s.render(w, r, http.StatusUnprocessableEntity, "import", "Importer", view)
	}
	in, err := school.ParseSpreadsheet(data, s.tables, fwb.SchoolYearAt(s.now().In(frtext.Brussels)))
	var ie *school.ImportError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			view.Problems = append(view.Problems, p.String())
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "import", "Importer", view)
	}
	if err != nil {
		view.Error = frtext.Sentence(err.Error())
		return s.render(w, r, http.StatusUnprocessableEntity, "import", "Importer", view)
	}
	existing, err := s.store.Rows(r.Context(), s.fase)
	if err != nil {
		return err
	}
	plan := school.PlanImport(existing, in, s.fase)
	if mode == "apercu" {
		return s.renderImportPreview(w, r, data, name, in, existing, plan)
	}
	return s.saveImport(w, r, name, in, plan)
}

// importedFile returns the content and name of the file to import: the
// preview's, sent back encoded, when confirming, else the one uploaded.
// chosen is false when no file was uploaded; an unknown mode or an
// unreadable preview is a *web.Error.
func importedFile(r *http.Request, mode string) (data []byte, name string, chosen bool, err error) {
	switch mode {
	case "confirmer":
		if data, err = base64.StdEncoding.DecodeString(r.PostFormValue("contenu")); err != nil {
			return nil, "", false, &web.Error{Status: http.StatusBadRequest, Message: "Le fichier de l'aperçu est illisible. Recommencez l'import."}
		}
		return data, r.PostFormValue("nom"), true, nil
	case "apercu", "direct":
		f, hdr, err := r.FormFile("fichier")
		if err != nil {
			return nil, "", false, nil
		}
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return nil, "", false, err
		}
		return data, hdr.Filename, true, nil
	default:
		return nil, "", false, &web.Error{Status: http.StatusBadRequest, Message: "Mode d'import inconnu. Rechargez la page et recommencez."}
	}
}

// renderImportPreview shows what importing would do: each new or changed
// row with its changes, the notes of the reading, and what the checks would
// say once imported (the stored rows with the plan applied).
func (s *server) renderImportPreview(w http.ResponseWriter, r *http.Request, data []byte, name string, in []school.ImportRow, existing []school.Row, plan school.ImportPlan) error {
	p := importPreview{
		base: s.base(r), Content: base64.StdEncoding.EncodeToString(data), Name: name,
		Created: plan.Created, Updated: plan.Updated, Unchanged: plan.Unchanged,
	}
	for _, ir := range in {
		p.Notes = append(p.Notes, ir.Notes...)
	}
	stored := map[int64]school.Row{}
	for _, r := range existing {
		stored[r.Situation.ID] = r
	}
	for _, row := range plan.Rows {
		fn := row.Situation.Function
		if f, ok := s.tables.Function(fn); ok {
			fn = f.Display()
		}
		pr := previewRow{New: row.Situation.ID == 0, Name: row.ListName(), Function: fn, Email: row.Member.SchoolEmail}
		if before, ok := stored[row.Situation.ID]; ok && !pr.New {
			pr.Changes = rowChanges(before, row)
		}
		p.Rows = append(p.Rows, pr)
	}
	after := applyPlan(existing, plan.Rows)
	for _, f := range school.Check(after, s.now(), s.tables) {
		switch f.Severity {
		case school.Bloquant:
			p.Blocking++
		case school.Avertissement:
			p.Warnings++
		}
	}
	return s.render(w, r, http.StatusOK, "import_preview", "Aperçu de l'import", p)
}

// saveImport saves the plan's rows and tells what was imported.
func (s *server) saveImport(w http.ResponseWriter, r *http.Request, name string, in []school.ImportRow, plan school.ImportPlan) error {
	ctx := r.Context()
	if len(plan.Rows) > 0 {
		if _, err := s.store.SaveRows(ctx, s.fase, plan.Rows); err != nil {
			return err
		}
	}
	s.log.Info("import", "by", userFrom(ctx).Login, "file", name, "created", plan.Created, "updated", plan.Updated, "unchanged", plan.Unchanged)
	web.AddFlash(w, r, web.FlashSuccess, fmt.Sprintf("Import terminé : %s, %s, %s.",
		frtext.Plural(plan.Created, "fiche ajoutée", "fiches ajoutées"),
		frtext.Plural(plan.Updated, "fiche modifiée", "fiches modifiées"),
		frtext.Plural(plan.Unchanged, "ligne inchangée", "lignes inchangées")))
	if n := countNotes(in); n > 0 {
		web.AddFlash(w, r, web.FlashInfo, frtext.Plural(n, "numéro national complété", "numéros nationaux complétés")+
			" : le tableur avait retiré le zéro initial, les chiffres de contrôle le confirment.")
	}
	return seeOther(w, r, "/")
}

func countNotes(in []school.ImportRow) int {
	n := 0
	for _, ir := range in {
		n += len(ir.Notes)
	}
	return n
}

// applyPlan returns the stored rows as they would be after saving planned.
func applyPlan(existing, planned []school.Row) []school.Row {
	byID := map[int64]int{}
	out := make([]school.Row, len(existing))
	copy(out, existing)
	for i, r := range out {
		byID[r.Situation.ID] = i
	}
	for _, r := range planned {
		if i, ok := byID[r.Situation.ID]; ok && r.Situation.ID != 0 {
			out[i] = r
			continue
		}
		out = append(out, r)
	}
	return out
}

// export downloads the school's rows in the import's format, so that the
// file imports back unchanged.
func (s *server) export(w http.ResponseWriter, r *http.Request) error {
	format := r.PathValue("file")
	var ctype string
	switch format {
	case "csv":
		ctype = "text/csv; charset=utf-8"
	case "xlsx":
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return notFound("Format d'export inconnu : choisissez CSV ou Excel dans le menu « Exporter ».")
	}
	rows, err := s.store.Rows(r.Context(), s.fase)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "csv" {
		err = school.WriteCSV(&buf, rows, s.tables)
	} else {
		err = school.WriteXLSX(&buf, rows, s.tables)
	}
	if err != nil {
		return err
	}
	name := fmt.Sprintf("situation-ecole-%d-%s.%s", s.fase, s.now().In(frtext.Brussels).Format("2006-01-02"), format)
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err = w.Write(buf.Bytes())
	return err
}
