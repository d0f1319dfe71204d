package school

import (
	"bufio"
	"encoding/csv"
	"io"
	"slices"

	"passerelle/frtext"
	"passerelle/fwb"
)

// SheetName is the name of the export's worksheet.
const SheetName = "Situation école"

// WriteCSV writes rows in the import's format, so that an export imports
// back unchanged: the columns of docs/school.md ("Columns"), ";" separator, UTF-8 with a
// BOM (so that spreadsheets see the accents), CRLF line ends, dates
// dd/mm/yyyy, booleans oui/non, rows by name in French order. A cell that a
// spreadsheet would run as a formula is prefixed with an apostrophe, which
// ParseCSV removes. t is accepted for symmetry with ParseCSV and future
// columns; nil means the embedded tables.
func WriteCSV(w io.Writer, rows []Row, t *fwb.Tables) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(headerNames()); err != nil {
		return err
	}
	rec := make([]string, len(columns))
	for _, r := range sortedRows(rows) {
		for i, v := range exportRecord(r) {
			rec[i] = escapeFormula(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteXLSX writes the same columns and rows as WriteCSV as an Excel
// workbook with one sheet, "Situation école".
func WriteXLSX(w io.Writer, rows []Row, t *fwb.Tables) error {
	sh := xlsxSheet{Name: SheetName, Header: headerNames()}
	for _, r := range sortedRows(rows) {
		sh.Rows = append(sh.Rows, exportRecord(r))
	}
	return writeXLSX(w, sh)
}

func headerNames() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.name
	}
	return out
}

// sortedRows orders rows as the list does: by last name then first name in
// French order, then by start date and ID so that the order is stable.
func sortedRows(rows []Row) []Row {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b Row) int {
		if c := frtext.CompareNames(a.Member.LastName, a.Member.FirstName, b.Member.LastName, b.Member.FirstName); c != 0 {
			return c
		}
		if c := a.Situation.Start.Compare(b.Situation.Start); c != 0 {
			return c
		}
		return compareInt(a.Situation.ID, b.Situation.ID)
	})
	return out
}

// exportRecord returns a row's cells in columns order.
func exportRecord(r Row) []string {
	m, s := r.Member, r.Situation
	rec := make([]string, len(columns))
	for i, c := range columns {
		var v string
		switch c.field {
		case FieldLastName:
			v = m.LastName
		case FieldFirstName:
			v = m.FirstName
		case FieldBirthDate:
			v = frtext.FormatDate(m.BirthDate)
		case FieldSex:
			v = m.Sex.String()
		case FieldNISS:
			v = m.NISS
		case FieldMatricule:
			v = m.Matricule
		case FieldSchoolEmail:
			v = m.SchoolEmail
		case FieldPrivateEmail:
			v = m.PrivateEmail
		case FieldFunction:
			v = s.Function
		case FieldPromotion:
			v = frtext.FormatBool(s.Promotion)
		case FieldStatus:
			v = s.Status
		case FieldCharge:
			v = fwb.FormatCharge(s.Charge)
		case FieldPresent:
			v = frtext.FormatBool(s.Present)
		case FieldActive:
			v = frtext.FormatBool(s.Active)
		case FieldStart:
			v = frtext.FormatDate(s.Start)
		case FieldEnd:
			v = frtext.FormatDate(s.End)
		case FieldRole:
			v = string(s.Role)
		}
		rec[i] = v
	}
	return rec
}
