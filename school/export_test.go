package school_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"

	"passerelle/fwb"
	"passerelle/school"
)

// exportRows are stored rows covering every column, in no particular order.
func exportRows() []school.Row {
	var next int64
	rows := []school.Row{row(0, "Zeller", "Anne"), row(0, "Émile", "Paul"), row(0, "Dupont", "Luc"), row(0, "Coremans", "Michèle")}
	rows[0].Situation.End = day(2027, 6, 30)
	rows[0].Member.PrivateEmail = "anne@example.be"
	rows[0].Member.FirstName = "=Anne" // a formula-looking name survives
	rows[2].Situation.Charge = []fwb.ChargeLine{{Code: "IP", Periods: 24, FullTime: 24}, {Code: "CN", Periods: -24, FullTime: 24}}
	rows[2].Situation.Promotion, rows[2].Situation.Role = true, fwb.RoleDirecteur
	rows[3].Situation.Status, rows[3].Situation.Present = "-", false
	rows[3].Member.Sex = fwb.SexFemale
	rows[3].Member.BirthDate = day(1989, 7, 25)
	rows[3].Situation.Role = fwb.RoleNone
	for i := range rows {
		rows[i].Member.ID, rows[i].Situation.ID = 0, 0
		rows[i].Member.NISS, rows[i].Member.Matricule = "", ""
	}
	rows[2].Member.Matricule = "18503190123"
	rows[3].Member.NISS = "890725"
	return stored(rows, &next)
}

func TestWriteCSV(t *testing.T) {
	rows := exportRows()
	var buf bytes.Buffer
	if err := school.WriteCSV(&buf, rows, nil); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	for _, test := range []struct{ name, got, want string }{
		{"BOM and header", lines[0], "\uFEFFNom;Prénom;Date de naissance;Sexe;Numéro national;Matricule;E-mail école;E-mail privé;Fonction principale;Fonction de promotion;Situation principale;Charge;Présent;Actif;Date de début;Date de fin;Rôle extranet"},
		{"French order, accents among the E's", strings.Join([]string{name(lines[1]), name(lines[2]), name(lines[3]), name(lines[4])}, ","), "Coremans,Dupont,Émile,Zeller"},
		{"Coremans", lines[1], "Coremans;Michèle;25/07/1989;F;890725;;michele.coremans@ecole.be;;IP;non;-;IP 24/24;non;oui;01/09/2009;;"},
		{"Dupont", lines[2], "Dupont;Luc;19/03/1985;;;18503190123;luc.dupont@ecole.be;;IP;oui;D;IP 24/24, CN -24/24;oui;oui;01/09/2009;;Directeur"},
		{"Zeller", lines[4], "Zeller;'=Anne;19/03/1985;;;;anne.zeller@ecole.be;anne@example.be;IP;non;D;IP 24/24;oui;oui;01/09/2009;30/06/2027;Enseignant"},
		{"line count", string(rune('0' + len(lines))), "5"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if test.got != test.want {
				t.Errorf("got  %q\nwant %q", test.got, test.want)
			}
		})
	}

	// The export imports back to the same rows: nothing to create or change.
	in, err := school.ParseCSV(&buf, nil, year)
	if err != nil {
		t.Fatal(err)
	}
	if plan := school.PlanImport(rows, in, 5342); plan.Created != 0 || plan.Updated != 0 || plan.Unchanged != len(rows) {
		t.Errorf("round trip plan = %+v", plan)
	}
	i := slices.IndexFunc(in, func(r school.ImportRow) bool { return r.Row.Member.LastName == "Zeller" })
	if in[i].Row.Member.FirstName != "=Anne" {
		t.Errorf("formula escape not undone: %q", in[i].Row.Member.FirstName)
	}
}

func name(line string) string { n, _, _ := strings.Cut(line, ";"); return n }

func TestWriteXLSX(t *testing.T) {
	rows := exportRows()
	var buf bytes.Buffer
	if err := school.WriteXLSX(&buf, rows, nil); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = b
		// Every part is well-formed XML.
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
		}
	}
	for _, p := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"} {
		if parts[p] == nil {
			t.Errorf("part %s missing", p)
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(parts["xl/workbook.xml"], &wb); err != nil || len(wb.Sheets) != 1 || wb.Sheets[0].Name != "Situation école" {
		t.Fatalf("workbook = %+v, %v", wb, err)
	}
	var ws struct {
		Cols []struct {
			Min   int     `xml:"min,attr"`
			Width float64 `xml:"width,attr"`
		} `xml:"cols>col"`
		Rows []struct {
			R     int `xml:"r,attr"`
			Cells []struct {
				Ref   string `xml:"r,attr"`
				Type  string `xml:"t,attr"`
				Style string `xml:"s,attr"`
				Text  string `xml:"is>t"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal(parts["xl/worksheets/sheet1.xml"], &ws); err != nil {
		t.Fatal(err)
	}
	if len(ws.Rows) != 1+len(rows) || len(ws.Cols) != 17 {
		t.Fatalf("%d rows, %d cols", len(ws.Rows), len(ws.Cols))
	}
	header := ws.Rows[0].Cells
	if len(header) != 17 || header[0].Text != "Nom" || header[0].Style != "1" || header[16].Ref != "Q1" || header[16].Text != "Rôle extranet" {
		t.Errorf("header = %+v", header)
	}
	if ws.Cols[6].Width <= ws.Cols[3].Width { // E-mail école is wider than Sexe
		t.Errorf("widths = %+v", ws.Cols)
	}
	first := ws.Rows[1].Cells
	if first[0].Text != "Coremans" || first[1].Text != "Michèle" || first[0].Type != "inlineStr" || first[0].Style != "" {
		t.Errorf("first row = %+v", first)
	}
	var all []string
	for _, r := range ws.Rows[1:] {
		for _, c := range r.Cells {
			all = append(all, c.Text)
		}
	}
	for _, want := range []string{"890725", "IP 24/24, CN -24/24", "=Anne", "30/06/2027", "Directeur", "anne@example.be"} {
		if !slices.Contains(all, want) {
			t.Errorf("value %q missing from the sheet", want)
		}
	}
	var types struct {
		Overrides []struct {
			Part string `xml:"PartName,attr"`
		} `xml:"Override"`
	}
	if err := xml.Unmarshal(parts["[Content_Types].xml"], &types); err != nil || len(types.Overrides) != 3 {
		t.Errorf("content types = %+v, %v", types, err)
	}
}
