// Package wrapcheck holds the test that keeps a store's methods naming their
// operation: each store package calls Check from one of its tests. Only
// tests import it.
package wrapcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Check parses the package in the current directory (a test's working
// directory is its package's) and fails for each exported method of the
// named types, and each exported function, that returns an error but does
// not begin with
//
//	defer errs.Wrap(&err, "<package name>: <operation>", …)
//
// exceptions lists what must not wrap, as "Type.Method" or "Func", each
// with the reason; an exception that no longer matches a function fails
// too, so that the list stays true.
func Check(t *testing.T, types []string, exceptions map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	wanted := map[string]bool{}
	for _, ty := range types {
		wanted[ty] = true
	}
	seen := map[string]bool{}
	var missing []string
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() || !returnsError(fd) {
				continue
			}
			key := fd.Name.Name
			if fd.Recv != nil {
				recv := recvType(fd)
				if !wanted[recv] {
					continue
				}
				key = recv + "." + key
			}
			if _, ok := exceptions[key]; ok {
				seen[key] = true
				continue
			}
			checked++
			if msg := wrapProblem(fd, f.Name.Name); msg != "" {
				missing = append(missing, fset.Position(fd.Pos()).String()+": "+key+" "+msg)
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s", m)
	}
	if len(missing) > 0 {
		t.Logf("A store method that returns an error names its operation for the logs: make its error result `err error` and begin it with\n\tdefer errs.Wrap(&err, %q, …)\nor, if it truly must not, add it with the reason to the exceptions of this test.", "<package>: <operation in a few words, with a FASE number, an id or a count; never an address, a login or a token>")
	}
	for key := range exceptions {
		if !seen[key] {
			t.Errorf("exception %s matches no exported function returning an error: remove it from the list", key)
		}
	}
	if checked == 0 {
		t.Errorf("no method checked: is the test running in the store's directory, with the right types (%v)?", types)
	}
}

func returnsError(fd *ast.FuncDecl) bool {
	r := fd.Type.Results
	if r == nil || len(r.List) == 0 {
		return false
	}
	id, ok := r.List[len(r.List)-1].Type.(*ast.Ident)
	return ok && id.Name == "error"
}

func recvType(fd *ast.FuncDecl) string {
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// wrapProblem returns what is wrong with fd's first statement, or "".
func wrapProblem(fd *ast.FuncDecl, pkg string) string {
	if fd.Body == nil || len(fd.Body.List) == 0 {
		return "has no body to wrap"
	}
	d, ok := fd.Body.List[0].(*ast.DeferStmt)
	if !ok {
		return "does not begin with `defer errs.Wrap(&err, …)`"
	}
	sel, ok := d.Call.Fun.(*ast.SelectorExpr)
	if x, isIdent := sel.X.(*ast.Ident); !ok || !isIdent || x.Name != "errs" || sel.Sel.Name != "Wrap" {
		return "begins with a defer that is not errs.Wrap"
	}
	if len(d.Call.Args) < 2 {
		return "calls errs.Wrap without an operation"
	}
	u, ok := d.Call.Args[0].(*ast.UnaryExpr)
	if id, isIdent := u.X.(*ast.Ident); !ok || u.Op != token.AND || !isIdent || id.Name != "err" {
		return "wraps something else than &err"
	}
	lit, ok := d.Call.Args[1].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "names its operation with something else than a string literal"
	}
	op, err := strconv.Unquote(lit.Value)
	if err != nil || !strings.HasPrefix(op, pkg+": ") || len(op) == len(pkg)+2 {
		return "names its operation " + lit.Value + ", which does not begin with " + strconv.Quote(pkg+": ") + " followed by the operation"
	}
	return ""
}
