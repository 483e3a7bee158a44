package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// messageArgs names the calls that carry a message for the caller, and which of their arguments are
// messages: the fault constructors, an Invalid's Add (by the receiver's usual name, inv), and the small
// helpers around them.
var messageArgs = map[string][]int{
	"fault.New": {1}, "fault.Wrap": {1}, "inv.Add": {1},
	"invalid": {1}, "fieldError": {1}, "invalidField": {1}, "bad": {0},
	"unauthenticated": {0}, "rateLimited": {0}, "newProblem": {2, 3},
}

// notServed are packages whose messages never reach an API caller: the FCM stand-in answers the
// dispatcher, the configuration stops the process, the tests' helpers.
// The catalogue's consistency errors reach an admin only inside routing's "the catalogue would become
// inconsistent: …", whose frame is translated.
var notServed = map[string]bool{"fcmstandin": true, "config": true, "testenv": true, "testapp": true, "catalogue": true}

// notProblems are texts the scan finds that never go into a problem document: the readiness check's
// per-server state, and a push's last error kept for admins.
var notProblems = map[string]bool{"does not answer": true, "answers with an error": true, "{} of {} pushes failed (attempt {}): {}": true}

var verb = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z%]`)

// sourceMessages returns every message template the service's code gives a caller ("{}" for what is
// filled in at run time), with where it is written. Messages assigned to a variable named msg, and
// constants named where they are used, count too; the `refusal` of a quota window as well.
func sourceMessages(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	root := filepath.Join("..")
	consts := map[string]map[string]string{} // package dir → const name → value
	files := map[string][]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && notServed[d.Name()] {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		files[dir] = append(files[dir], f)
		if consts[dir] == nil {
			consts[dir] = map[string]string{}
		}
		for _, decl := range f.Decls {
			if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, sp := range g.Specs {
					vs := sp.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[dir][n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, fs := range files {
		var tmpl func(e ast.Expr) (string, bool)
		tmpl = func(e ast.Expr) (string, bool) {
			switch e := e.(type) {
			case *ast.BasicLit:
				if e.Kind == token.STRING {
					s, _ := strconv.Unquote(e.Value)
					return s, true
				}
			case *ast.Ident:
				if v, ok := consts[dir][e.Name]; ok {
					return v, true
				}
			case *ast.ParenExpr:
				return tmpl(e.X)
			case *ast.BinaryExpr:
				if e.Op == token.ADD {
					l, lok := tmpl(e.X)
					r, rok := tmpl(e.Y)
					if !lok {
						l = "{}"
					}
					if !rok {
						r = "{}"
					}
					return l + r, lok || rok
				}
			case *ast.CallExpr:
				if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
					if f, ok := tmpl(e.Args[0]); ok {
						return verb.ReplaceAllStringFunc(f, func(v string) string {
							if v == "%%" {
								return "%"
							}
							return "{}"
						}), true
					}
				}
			}
			return "", false
		}
		add := func(e ast.Expr) {
			if s, ok := tmpl(e); ok && strings.Trim(s, "{} ") != "" {
				out[s] = fset.Position(e.Pos()).String()
			}
		}
		for _, f := range fs {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						if x, ok := fn.X.(*ast.Ident); ok {
							name = x.Name + "." + fn.Sel.Name
						}
					}
					for _, i := range messageArgs[name] {
						if i < len(n.Args) {
							add(n.Args[i])
						}
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						if id, ok := l.(*ast.Ident); ok && (id.Name == "msg" || id.Name == "detail") && i < len(n.Rhs) {
							add(n.Rhs[i])
						}
					}
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok && id.Name == "refusal" {
						add(n.Value)
					}
				}
				return true
			})
		}
	}
	return out
}

// TestEveryMessageHasVietnamese fails when the code gives a caller a message the catalogue cannot say
// in Vietnamese, or says with a diacritic-free (or untranslated) text.
func TestEveryMessageHasVietnamese(t *testing.T) {
	found := sourceMessages(t)
	if len(found) < 200 {
		t.Fatalf("the scan found only %d messages: it lost its way", len(found))
	}
	for en, at := range found {
		if notProblems[en] {
			continue
		}
		vi, ok := messagesVi[en]
		if !ok {
			t.Errorf("%s: %q has no Vietnamese text in problem_text.go", at, en)
			continue
		}
		if vi == en || !strings.ContainsAny(vi, "àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ") {
			t.Errorf("%s: the Vietnamese of %q is %q", at, en, vi)
		}
		if strings.Count(en, "{}") != placeholders(vi) {
			t.Errorf("%q has %d parts filled in, its Vietnamese %q uses %d", en, strings.Count(en, "{}"), vi, placeholders(vi))
		}
	}
}

func placeholders(vi string) int {
	n := 0
	for i := 1; strings.Contains(vi, "{"+strconv.Itoa(i)+"}"); i++ {
		n++
	}
	return n
}
