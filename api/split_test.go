package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzSplitJSON checks that splitArray and splitObject read any valid JSON
// value in valid UTF-8 as json.Unmarshal does into a []json.RawMessage and a
// map[string]json.RawMessage.
func FuzzSplitJSON(f *testing.F) {
	for _, seed := range []string{
		`null`, ` null `, `[]`, `{}`, ` [ 1 , "a\"]" , {"b": [1, {"c": "}"}]}, null, true ] `,
		`{"a": 1, "a": 2, "b\u00e9": "x", "\ud800": [], "c\\d": {"e": "f"}}`,
		`"s"`, `12.5e3`, `false`, `[[], {}]`, "{\"x\"\t:\n\"y\"\r}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) || !utf8.Valid(raw) { // as decodeSnapshot checks first
			return
		}
		var items []json.RawMessage
		aerr := json.Unmarshal(raw, &items)
		got, ok := splitArray(raw)
		if ok != (aerr == nil) || (ok && (len(got) != len(items) || (got == nil) != (items == nil))) {
			t.Fatalf("splitArray(%q) = %q, %v; encoding/json: %q, %v", raw, got, ok, items, aerr)
		}
		for i := range got {
			if string(got[i]) != string(items[i]) {
				t.Fatalf("splitArray(%q)[%d] = %q, encoding/json %q", raw, i, got[i], items[i])
			}
		}
		var fields map[string]json.RawMessage
		oerr := json.Unmarshal(raw, &fields)
		gotf, _, ok := splitObject(raw)
		if ok != (oerr == nil) || (ok && ((gotf == nil) != (fields == nil))) {
			t.Fatalf("splitObject(%q) = %q, %v; encoding/json: %q, %v", raw, gotf, ok, fields, oerr)
		}
		if ok && !reflect.DeepEqual(stringsOf(gotf), stringsOf(fields)) {
			t.Fatalf("splitObject(%q) = %q, encoding/json %q", raw, gotf, fields)
		}
	})
}

func stringsOf(m map[string]json.RawMessage) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}
