package school

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"passerelle/frtext"
	"passerelle/fwb"
)

// What a spreadsheet does to a CSV file it opens and saves again, and how
// the import takes it back (docs/school.md, "Excel round trip"):
//
//   - A national number of someone born in 2000 or later starts with 0;
//     read as a number, it loses that zero (01234567890 → 1234567890). The
//     zeros are put back when the check digits prove the number, and the
//     import says so (ImportRow.Notes).
//   - Dates may come back with two-digit years (12/03/90). One that a
//     single century makes plausible for its field is read so; one where
//     both could be is refused, naming the line.
//   - A workbook (.xlsx) is read as it is, with excelize: its first sheet,
//     dates from their cells' date formats, numbers as written.

// ParseSpreadsheet reads a staff file as saved by a spreadsheet: an .xlsx
// workbook (recognised by its content) or a CSV file (ParseCSV).
func ParseSpreadsheet(data []byte, t *fwb.Tables, year fwb.SchoolYear) ([]ImportRow, error) {
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return ParseCSV(bytes.NewReader(data), t, year)
	}
	text, err := xlsxAsCSV(data)
	if err != nil {
		return nil, err
	}
	return ParseCSV(strings.NewReader(text), t, year)
}

// xlsx limits: a workbook of a school's staff is a few hundred kilobytes;
// these bound what a hostile one (a "zip bomb") can make the server unpack.
const (
	xlsxUnzipLimit    = 64 << 20
	xlsxUnzipXMLLimit = 16 << 20
)

// xlsxAsCSV writes the first sheet of a workbook as CSV text (separator
// ";", one line per sheet row so that line numbers are row numbers), with
// dates as jj/mm/aaaa and numbers as their digits.
func xlsxAsCSV(data []byte) (string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipXMLLimit,
	})
	if err != nil {
		return "", fail(1, "", "classeur illisible : ouvrez-le dans le tableur et enregistrez-le à nouveau en .xlsx, ou en CSV (séparateur point-virgule)")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", fail(1, "", "le classeur n'a aucune feuille : la première feuille doit porter la liste du personnel")
	}
	sheet := sheets[0]
	props, _ := f.GetWorkbookProps()
	date1904 := props.Date1904 != nil && *props.Date1904
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return "", fail(1, "", "feuille « "+sheet+" » illisible : enregistrez le classeur à nouveau, ou en CSV")
	}
	dates := map[int]bool{} // style ID → date format
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	for r, row := range rows {
		for c, v := range row {
			row[c] = xlsxCell(f, sheet, c, r, v, dates, date1904)
		}
		if err := w.Write(row); err != nil {
			return "", err
		}
	}
	w.Flush()
	return buf.String(), w.Error()
}

// xlsxCell turns a raw cell value into the text a CSV cell would hold: a
// date serial in a date-formatted cell becomes jj/mm/aaaa, a number in
// scientific notation its digits.
func xlsxCell(f *excelize.File, sheet string, c, r int, v string, dates map[int]bool, date1904 bool) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || v == "" {
		return v
	}
	name, _ := excelize.CoordinatesToCellName(c+1, r+1)
	if style, err := f.GetCellStyle(sheet, name); err == nil && style != 0 {
		isDate, known := dates[style]
		if !known {
			isDate = xlsxDateStyle(f, style)
			dates[style] = isDate
		}
		if isDate {
			if t, err := excelize.ExcelDateToTime(n, date1904); err == nil {
				return frtext.FormatDate(t)
			}
		}
	}
	if strings.ContainsAny(v, "eE") && n == math.Trunc(n) && math.Abs(n) < 1e15 {
		return strconv.FormatFloat(n, 'f', 0, 64)
	}
	return v
}

// xlsxDateStyle reports whether a cell style shows a date: one of the
// built-in date formats (14 to 22, 45 to 47) or a custom format with a day,
// month or year code outside quoted text.
func xlsxDateStyle(f *excelize.File, id int) bool {
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	if (st.NumFmt >= 14 && st.NumFmt <= 22) || (st.NumFmt >= 45 && st.NumFmt <= 47) {
		return true
	}
	if st.CustomNumFmt == nil {
		return false
	}
	quoted := false
	for _, r := range strings.ToLower(*st.CustomNumFmt) {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == 'd' || r == 'y' || r == 'j' || r == 'a'):
			return true
		}
	}
	return false
}

// restoreNISS puts back the leading zeros that a spreadsheet dropped from a
// national number read as a number: 8 to 10 digits (born on 01/01/2000,
// 00010145635 loses three) that, completed with zeros to 11, pass the check
// digits. ok is false for anything else, which is left as it is.
func restoreNISS(v string) (string, bool) {
	if len(v) < 8 || len(v) > 10 || fwb.Digits(v) != v {
		return v, false
	}
	full := strings.Repeat("0", 11-len(v)) + v
	if _, err := fwb.ParseNISS(full); err != nil {
		return v, false
	}
	return full, true
}

// readNISS reads the national number of a row, restored when a
// spreadsheet dropped its leading zeros; the restoration is noted.
func (p *csvParser) readNISS(ir *ImportRow, v string) string {
	full, ok := restoreNISS(v)
	if ok {
		ir.Notes = append(ir.Notes, fmt.Sprintf("ligne %d : numéro national %s complété en %s (le tableur avait retiré le zéro initial ; les chiffres de contrôle le confirment)", ir.Line, v, full))
	}
	return full
}

// twoDigitYear matches jj/mm/aa (any of / - . as separator).
func twoDigitYear(v string) (d, m, y int, ok bool) {
	sep := strings.IndexAny(v, "/-.")
	if sep < 0 {
		return 0, 0, 0, false
	}
	parts := strings.Split(v, v[sep:sep+1])
	if len(parts) != 3 || len(parts[2]) != 2 {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	d, err1 = strconv.Atoi(parts[0])
	m, err2 = strconv.Atoi(parts[1])
	y, err3 = strconv.Atoi(parts[2])
	return d, m, y, err1 == nil && err2 == nil && err3 == nil && len(parts[0]) <= 2 && len(parts[1]) <= 2
}

// cellDate reads a date cell of field. A two-digit year is read in the one
// century that makes the date plausible for the field (a birth date between
// 80 and 15 years before the school year, another date within 60 years
// before and 10 after); when both centuries or neither do, the date is
// refused with what to write.
func (p *csvParser) cellDate(field, v string) (time.Time, error) {
	d, m, yy, ok := twoDigitYear(v)
	if !ok {
		return parseDate(v)
	}
	ref := time.Now().Year()
	if !p.year.IsZero() {
		ref = p.year.Start
	}
	lo, hi := ref-60, ref+10
	if field == FieldBirthDate {
		lo, hi = ref-80, ref-15
	}
	var found []int
	for _, y := range []int{1900 + yy, 2000 + yy} {
		if y >= lo && y <= hi {
			found = append(found, y)
		}
	}
	if len(found) != 1 {
		return time.Time{}, fmt.Errorf("année à deux chiffres dans « %s » : %d ou %d ? Écrivez l'année en entier (jj/mm/aaaa) dans le tableur", v, 1900+yy, 2000+yy)
	}
	return parseDate(fmt.Sprintf("%02d/%02d/%04d", d, m, found[0]))
}
