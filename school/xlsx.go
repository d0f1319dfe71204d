package school

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// The .xlsx export is written by hand: a workbook needs only six small XML
// parts, and a spreadsheet library would be the module's largest dependency
// for one sheet of text.

// xlsxSheet is one worksheet of text cells whose first row is a header.
type xlsxSheet struct {
	Name   string
	Header []string
	Rows   [][]string
}

// writeXLSX writes sh as a one-sheet workbook: inline strings (every value is
// text, so that numbers such as a NISS keep their leading zeros and are not
// turned into 8,84E+10), a bold frozen header row and column widths fitted to
// the content.
func writeXLSX(w io.Writer, sh xlsxSheet) error {
	zw := zip.NewWriter(w)
	// A fixed modification time keeps the file byte-identical for the same
	// data, which makes exports comparable.
	stamp := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	parts := []struct {
		name string
		body []byte
	}{
		{"[Content_Types].xml", []byte(xlsxContentTypes)},
		{"_rels/.rels", []byte(xlsxRootRels)},
		{"xl/workbook.xml", xlsxWorkbook(sh.Name)},
		{"xl/_rels/workbook.xml.rels", []byte(xlsxWorkbookRels)},
		{"xl/styles.xml", []byte(xlsxStyles)},
		{"xl/worksheets/sheet1.xml", xlsxWorksheet(sh)},
	}
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return err
		}
		if _, err := f.Write(p.body); err != nil {
			return err
		}
	}
	return zw.Close()
}

const xlsxHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const xlsxContentTypes = xlsxHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
	`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
	`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
	`</Types>`

const xlsxRootRels = xlsxHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
	`</Relationships>`

const xlsxWorkbookRels = xlsxHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`</Relationships>`

// xlsxStyles holds two cell formats: 0 plain, 1 bold (the header).
const xlsxStyles = xlsxHeader + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

func xlsxWorkbook(sheet string) []byte {
	var b bytes.Buffer
	b.WriteString(xlsxHeader)
	b.WriteString(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	b.WriteString(`<sheets><sheet name="`)
	xmlText(&b, sheet)
	b.WriteString(`" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	return b.Bytes()
}

func xlsxWorksheet(sh xlsxSheet) []byte {
	var b bytes.Buffer
	b.WriteString(xlsxHeader)
	b.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	// The header stays visible while scrolling through a long staff list.
	b.WriteString(`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`)
	if len(sh.Header) > 0 {
		b.WriteString(`<cols>`)
		for i, wd := range columnWidths(sh) {
			fmt.Fprintf(&b, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(wd, 'f', 1, 64))
		}
		b.WriteString(`</cols>`)
	}
	b.WriteString(`<sheetData>`)
	writeRow := func(r int, cells []string, style int) {
		fmt.Fprintf(&b, `<row r="%d">`, r)
		for i, v := range cells {
			if v == "" {
				continue
			}
			fmt.Fprintf(&b, `<c r="%s%d" t="inlineStr"`, columnName(i), r)
			if style != 0 {
				fmt.Fprintf(&b, ` s="%d"`, style)
			}
			b.WriteString(`><is><t xml:space="preserve">`)
			xmlText(&b, v)
			b.WriteString(`</t></is></c>`)
		}
		b.WriteString(`</row>`)
	}
	writeRow(1, sh.Header, 1)
	for i, row := range sh.Rows {
		writeRow(i+2, row, 0)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.Bytes()
}

// columnWidths fits each column to its longest value, within bounds that keep
// a stray long e-mail from making the sheet unreadable.
func columnWidths(sh xlsxSheet) []float64 {
	widths := make([]float64, len(sh.Header))
	for i, h := range sh.Header {
		widths[i] = float64(utf8.RuneCountInString(h)) + 2 // bold is wider
	}
	for _, row := range sh.Rows {
		for i, v := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], float64(utf8.RuneCountInString(v))+1)
			}
		}
	}
	for i := range widths {
		widths[i] = min(max(widths[i], 6), 50)
	}
	return widths
}

// columnName returns the spreadsheet letters of the zero-based column i: A,
// B, …, Z, AA, AB, ….
func columnName(i int) string {
	var s []byte
	for i++; i > 0; i = (i - 1) / 26 {
		s = append([]byte{byte('A' + (i-1)%26)}, s...)
	}
	return string(s)
}

// xmlText writes s escaped for XML text or attributes. Characters XML cannot
// hold (control characters) become U+FFFD, as xml.EscapeText does.
func xmlText(b *bytes.Buffer, s string) {
	xml.EscapeText(b, []byte(s))
}
