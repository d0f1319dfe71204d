package school_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"passerelle/fwb"
	"passerelle/school"
)

// Born in 2003 and 2000: national numbers starting with 0 (the check digits
// are those of the 2000s).
const (
	niss2003 = "03051412369"
	niss2000 = "00010145635"
)

func roundTripRows() []school.Row {
	young := func(last, first, niss string, birth time.Time) school.Row {
		return school.Row{
			Member: school.Member{LastName: last, FirstName: first, BirthDate: birth, Sex: fwb.SexFemale, NISS: niss,
				SchoolEmail: strings.ToLower(last) + "@ecole.be"},
			Situation: school.Situation{Start: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), Present: true, Active: true,
				Status: "V", Function: "IP", Charge: []fwb.ChargeLine{{Code: "IP", Periods: 12, FullTime: 24}}, Role: fwb.RoleEnseignant},
		}
	}
	return []school.Row{
		young("Jeune", "Léa", niss2003, time.Date(2003, 5, 14, 0, 0, 0, 0, time.UTC)),
		young("Nouvel", "An", niss2000, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
}

// A CSV exported, opened in a spreadsheet and saved again: the national
// numbers lost their leading zeros and the dates have two-digit years.
func TestSpreadsheetCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := school.WriteCSV(&buf, roundTripRows(), nil); err != nil {
		t.Fatal(err)
	}
	saved := buf.String()
	for _, r := range []struct{ from, to string }{
		{niss2003, strings.TrimLeft(niss2003, "0")}, {niss2000, strings.TrimLeft(niss2000, "0")},
		{"14/05/2003", "14/05/03"}, {"01/01/2000", "1/1/00"}, {"01/09/2025", "01/09/25"},
	} {
		if !strings.Contains(saved, r.from) {
			t.Fatalf("the export lacks %q:\n%s", r.from, saved)
		}
		saved = strings.ReplaceAll(saved, r.from, r.to)
	}
	rows, err := school.ParseSpreadsheet([]byte(saved), nil, year)
	if err != nil {
		t.Fatalf("ParseSpreadsheet: %v\n%s", err, saved)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, want := range roundTripRows() {
		got := rows[i].Row
		if got.Member.NISS != want.Member.NISS || !got.Member.BirthDate.Equal(want.Member.BirthDate) || !got.Situation.Start.Equal(want.Situation.Start) {
			t.Errorf("row %d: NISS %s, born %v, start %v", i, got.Member.NISS, got.Member.BirthDate, got.Situation.Start)
		}
		if len(rows[i].Notes) != 1 || !strings.Contains(rows[i].Notes[0], "complété en "+want.Member.NISS) {
			t.Errorf("row %d: notes %q", i, rows[i].Notes)
		}
	}
}

func TestSpreadsheetTwoDigitYears(t *testing.T) {
	head := "Nom;Prénom;Date de naissance;Fonction principale;Date de début\n"
	for _, test := range []struct {
		line      string
		birth     string // jj/mm/aaaa, "" when refused
		wantError string
	}{
		{"A;B;12/03/90;IP;01/09/15", "12/03/1990", ""},
		{"A;B;3-4-05;IP;01/09/15", "03/04/2005", ""},
		// Born in 1930 or 2030: neither is a member of the staff today.
		{"A;B;12/03/30;IP;01/09/15", "", "ligne 2, colonne Date de naissance : année à deux chiffres dans « 12/03/30 » : 1930 ou 2030 ?"},
		// Ten digits that the check digits do not prove stay as they are,
		// and Check will report them.
	} {
		rows, err := school.ParseSpreadsheet([]byte(head+test.line+"\n"), nil, year)
		if test.wantError != "" {
			var ie *school.ImportError
			if !errors.As(err, &ie) || !strings.Contains(ie.Error(), test.wantError) {
				t.Errorf("%s: error %v, want %q", test.line, err, test.wantError)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", test.line, err)
			continue
		}
		if got := rows[0].Row.Member.BirthDate.Format("02/01/2006"); got != test.birth {
			t.Errorf("%s: born %s, want %s", test.line, got, test.birth)
		}
	}
	// Ten digits the check digits do not prove are kept as typed.
	rows, err := school.ParseSpreadsheet([]byte("Nom;Prénom;Numéro national;Fonction principale\nA;B;3051412368;IP\n"), nil, year)
	if err != nil || rows[0].Row.Member.NISS != "3051412368" || len(rows[0].Notes) != 0 {
		t.Errorf("unproven number: %v, %q, notes %q", err, rows[0].Row.Member.NISS, rows[0].Notes)
	}
}

// The workbook the export writes imports back unchanged.
func TestSpreadsheetXLSXExportImportsBack(t *testing.T) {
	var buf bytes.Buffer
	if err := school.WriteXLSX(&buf, roundTripRows(), nil); err != nil {
		t.Fatal(err)
	}
	rows, err := school.ParseSpreadsheet(buf.Bytes(), nil, year)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range roundTripRows() {
		got := rows[i].Row
		if got.Member.NISS != want.Member.NISS || got.Member.LastName != want.Member.LastName || !got.Member.BirthDate.Equal(want.Member.BirthDate) ||
			got.Situation.Function != "IP" || got.Situation.Status != "V" || len(rows[i].Notes) != 0 {
			t.Errorf("row %d: %+v notes %q", i, got, rows[i].Notes)
		}
	}
}

// A workbook as a spreadsheet program saves it: the national number a
// number cell (its zero gone), the birth date a date cell, a boolean.
func TestSpreadsheetXLSXAsSaved(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	set := func(cell string, v any) {
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []string{"Nom", "Prénom", "Numéro national", "Date de naissance", "Fonction principale", "Actif"} {
		name, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(name, h)
	}
	set("A2", "Jeune")
	set("B2", "Léa")
	set("C2", 3051412369) // 03051412369 read as a number
	set("D2", time.Date(2003, 5, 14, 0, 0, 0, 0, time.UTC))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sh, "D2", "D2", style); err != nil {
		t.Fatal(err)
	}
	set("E2", "IP (Instituteur primaire)")
	set("F2", true)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := school.ParseSpreadsheet(buf.Bytes(), nil, year)
	if err != nil {
		t.Fatal(err)
	}
	m := rows[0].Row.Member
	if m.NISS != niss2003 || m.BirthDate.Format("02/01/2006") != "14/05/2003" || rows[0].Row.Situation.Function != "IP" || !rows[0].Row.Situation.Active {
		t.Errorf("read %+v, active %v", m, rows[0].Row.Situation.Active)
	}
	if len(rows[0].Notes) != 1 {
		t.Errorf("notes %q", rows[0].Notes)
	}
	// Something that is not a workbook, though it is a zip, is refused
	// with what to do.
	if _, err := school.ParseSpreadsheet([]byte("PK\x03\x04garbage"), nil, year); err == nil || !strings.Contains(err.Error(), "classeur illisible") {
		t.Errorf("broken workbook: %v", err)
	}
}
